#!/usr/bin/env bash
# GPU check in two steps, for GPU hosts with no .NET and no network (CUDA 13 and cuDNN 9 libraries
# must be on the host: on the library path, in /usr/local/cuda, or in the nvidia-* wheels that
# PyTorch installs, which `run` finds and adds to LD_LIBRARY_PATH itself).
#
#   tools/gpu-check.sh pack [DIR]         here (needs the .NET SDK and the NuGet mirror):
#       a self-contained linux-x64 publish of the benchmark (it carries the .NET runtime, ONNX
#       Runtime with the CUDA provider, samples and the benchmark's quality profiles), compressed
#       and split into parts of at most 50 MB (50,000,000 bytes): DIR/krypton-gpu.tar.xz.part-*,
#       with a copy of this script. Default DIR: gpu-pack.
#   tools/gpu-check.sh run [DIR] [OUT]    on the GPU host, from DIR holding the parts and this script:
#       reassembles, unpacks, reports which CUDA libraries the provider finds, then in one go: the
#       GPU checks (naive and exact on the GPU against naive on the CPU, logits at 48 positions,
#       exact mode's caches kept in GPU memory; VGG16, ResNet18, InceptionV3) and the GPU
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
    rm -rf "$publish/krypton-gpu/models"   # the demo model: the GPU check runs the built-in architectures (one part less)
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
    # CUDA and cuDNN may come with PyTorch's wheels (site-packages/nvidia/...) rather than the
    # system: folders holding the libraries the CUDA provider loads go on the library path.
    wanted='libcudart.so.13|libcublas.so.13|libcublasLt.so.13|libcurand.so.10|libcufft.so.12|libcudnn.so.9'
    found=""
    for py in ${KRYPTON_PYTHON:-} python3 python; do
        command -v "$py" >/dev/null 2>&1 || continue
        found=$("$py" -c 'import importlib.util as u, os, sys
for m in ("nvidia", "torch"):
    try: s = u.find_spec(m)
    except Exception: continue
    for r in (s.submodule_search_locations or []) if s else []:
        for d, _, fs in os.walk(r): print(d, *fs, sep="\t")' 2>/dev/null | { grep -E "$wanted" || true; } | cut -f1 | sort -u | tr '\n' ':')
        break
    done
    for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-13*/lib64 /usr/local/nvidia/lib64; do
        if [ -d "$d" ]; then found="$found$d:"; fi
    done
    export LD_LIBRARY_PATH="$found${LD_LIBRARY_PATH:-}"
    has_lib() {
        local IFS=: d
        for d in $LD_LIBRARY_PATH; do [ -n "$d" ] && [ -e "$d/$1" ] && return 0; done
        ldconfig -p 2>/dev/null | grep -q "$1"
    }
    profiles=resnet18=bench-profiles/resnet18-random-patch16-stride4.json,vgg16=bench-profiles/vgg16-random-patch16-stride4.json,inception_v3=bench-profiles/inception_v3-random-patch16-stride4.json
    status=0
    {
        echo "gpu-check $(date -u +%FT%TZ) on $(hostname)"
        nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
        echo "library path: ${LD_LIBRARY_PATH:-(empty)}"
        missing=$(LD_LIBRARY_PATH="$PWD:$LD_LIBRARY_PATH" ldd ./libonnxruntime_providers_cuda.so | grep "not found" || true)
        echo "CUDA provider's libraries: ${missing:-all found}"
        for lib in libcudnn.so.9 libcufft.so.12; do   # opened by the provider when used, so ldd does not list them
            has_lib "$lib" || echo "not found: $lib"
        done
        timeout 420 ./Krypton.Bench --device cuda --verify --models resnet18,vgg16,inception_v3 --modes naive,exact,approx,exact-tf32,exact-fp16 \
            --quality-profiles "$profiles" --images samples/fashion-mnist --stride 4 --batch 128 --pytorch --json "$out/gpu-bench.json"
    } 2>&1 | tee "$out/gpu-check.txt" || status=1
    grep -q "verify: all PASS" "$out/gpu-check.txt" || status=1
    rm -rf "$work"
    echo "results in $out (exit $status)"
    exit $status
    ;;
*)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
