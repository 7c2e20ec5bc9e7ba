#!/usr/bin/env bash
# GPU check in two steps, for GPU hosts with no .NET and no network (CUDA 13 and cuDNN 9 libraries
# must be on the host, found on the library path).
#
#   tools/gpu-check.sh pack [DIR]         here (needs the .NET SDK and the NuGet mirror):
#       a self-contained linux-x64 publish of the benchmark (it carries the .NET runtime, ONNX
#       Runtime with the CUDA provider, the demo model, samples and the benchmark's quality
#       profiles), compressed and split into parts of at most 50 MB (50,000,000 bytes): DIR/krypton-gpu.tar.xz.part-*,
#       with a copy of this script. Default DIR: gpu-pack.
#   tools/gpu-check.sh run [DIR] [OUT]    on the GPU host, from DIR holding the parts and this script:
#       reassembles, unpacks, then in one go: the GPU checks (naive and exact on the GPU against
#       naive on the CPU, logits at 48 positions, VGG16, ResNet18, InceptionV3) and the GPU
#       benchmark (naive, exact, approximate; PyTorch's batched naive sweep when python3 can import
#       torch and torchvision, or KRYPTON_PYTHON names one that can). Writes OUT/gpu-check.txt and
#       OUT/gpu-bench.json (default OUT: DIR/results). Exit code 0 only when every check passed.
set -euo pipefail
step=${1:-}
dir=${2:-gpu-pack}
case "$step" in
pack)
    root=$(cd "$(dirname "$0")/.." && pwd)
    publish=$(mktemp -d)
    dotnet publish "$root/bench/Krypton.Bench" -c Release -r linux-x64 --self-contained -p:KryptonGpu=true -o "$publish/krypton-gpu" >&2
    rm -f "$publish/krypton-gpu/libonnxruntime_providers_tensorrt.so"   # TensorRT is not used
    mkdir -p "$dir"
    rm -f "$dir"/krypton-gpu.tar.xz.part-*
    tar -C "$publish" -cf - krypton-gpu | xz -T0 -6 | split -b 50000000 - "$dir/krypton-gpu.tar.xz.part-"
    cp "$0" "$dir/gpu-check.sh"
    rm -rf "$publish"
    ls -l "$dir"
    ;;
run)
    out=${3:-$dir/results}
    mkdir -p "$out"
    work=$(mktemp -d)
    cat "$dir"/krypton-gpu.tar.xz.part-* | xz -d | tar -C "$work" -xf -
    cd "$work/krypton-gpu"
    profiles=resnet18=bench-profiles/resnet18-random-patch16-stride4.json,vgg16=bench-profiles/vgg16-random-patch16-stride4.json,inception_v3=bench-profiles/inception_v3-random-patch16-stride4.json
    status=0
    {
        echo "gpu-check $(date -u +%FT%TZ) on $(hostname)"
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
        timeout 420 ./Krypton.Bench --device cuda --verify --models resnet18,vgg16,inception_v3 --modes naive,exact,approx \
            --quality-profiles "$profiles" --images samples/fashion-mnist --stride 4 --batch 128 --pytorch --json "$out/gpu-bench.json"
    } 2>&1 | tee "$out/gpu-check.txt" || status=1
    grep -q "verify: all PASS" "$out/gpu-check.txt" || status=1
    rm -rf "$work"
    echo "results in $out (exit $status)"
    exit $status
    ;;
*)
    sed -n '2,19p' "$0" >&2
    exit 2
    ;;
esac
