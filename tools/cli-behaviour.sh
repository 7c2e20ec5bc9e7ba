#!/bin/bash
# Behaviour of the krypton command, for comparing two builds (a refactoring must leave it alone):
# runs a fixed set of commands (every output file kind, the planner, folders and resume, tuning,
# and the errors a user meets) with the build in CLI_DIR, in a scratch folder, and copies what they
# printed and wrote to RESULT_DIR. tools/compare-builds.py then compares two such folders, masking
# timings and the builds' own paths. About a minute on 2 cores.
# usage: tools/cli-behaviour.sh CLI_DIR RESULT_DIR   (CLI_DIR holds Krypton.Cli.dll)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
K="dotnet $(cd "$1" && pwd)/Krypton.Cli.dll"
R=$(mkdir -p "$2" && cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
TINY=$root/tests/Krypton.Tests/TestData/tiny_mixed.onnx
S=$root/samples/fashion-mnist
mkdir imgs && cp $S/t10k-00000-ankle-boot.png $S/t10k-00001-pullover.png $S/t10k-00002-trouser.png imgs/
IMG=imgs/t10k-00000-ankle-boot.png
echo '{"model": "'$TINY'", "input": "'$PWD/$IMG'", "patch": 8, "stride": [4, 4], "fill": "black", "out": "o19"}' > spec.json
i=0
run() { i=$((i+1)); $K "$@" --threads 2 > out$i.txt 2> err$i.txt; echo "exit $?" >> out$i.txt; }
run0() { i=$((i+1)); $K "$@" > out$i.txt 2> err$i.txt; echo "exit $?" >> out$i.txt; }
run explain -q
run explain --model $TINY --input $IMG --patch 8 --stride 4 --out o2 --report r2.html --faithfulness --per-pixel -q
run explain --model $TINY --input $IMG --patch 8 --stride 4 --target top3 --value drop --out o3 -q
run explain --model $TINY --input $IMG --patch 8 --positions "0,0;8,8;20,4" --target 1,3 --out o4 -q
run explain --model $TINY --input $IMG --mode naive --tau 0.5 --out o5 -q
run explain --model $TINY --input $IMG --patch 8 --stride 2 --drill-down 3 --out o6 -q
run explain --model $TINY --input $IMG --patch 8 --stride 2 --tau 0.6 --value logit --out o7 -q
run explain --model $TINY --input $IMG --patch 8 --stride 4 --roi 10,10,20,20 --mode naive --out o8 -q
run explain --quality 0.9 --dry-run
run explain --model $TINY --input $IMG --profile nothing.json --out o10
run explain --model $TINY --input $IMG --positions "0,0" --per-pixel --out o11
run explain --model a.onnx --arch vgg16
run explain --model $TINY --weights w.safetensors
run explain --arch resnet18-fashion-mnist --weights w.safetensors
run explain --arch vgg16 --image-size 96x64
run explain --image-size 96
run explain --model $TINY --input $IMG --mode bogus
run0 analyze --arch vgg16 --patch 16
run explain --spec spec.json -q
run explain --model $TINY --input imgs --patch 8 --stride 4 --out o20 -q
run explain --model $TINY --input imgs --patch 8 --stride 4 --out o20 --resume -q
run explain --model $TINY --input $IMG --patch 8 --stride 4 --fill blur --out o22 -q
run explain --model $TINY --input $IMG --patch 8 --stride 4 --fill baseline:imgs/t10k-00001-pullover.png --out o23 -q
run explain --arch resnet18 --stride 52 --device cuda --out o24
run0 ssim o2/heatmap.npy o22/heatmap.npy
run faithfulness --model $TINY --images imgs --patch 8 --stride 8 -q
run tune --model $TINY --images imgs --patch 8 --stride 4 --taus 1,0.7,0.5 --drill-downs 2:0.25 --out p27.json -q
run explain --model $TINY --input imgs/t10k-00002-trouser.png --patch 8 --stride 4 --quality 0.9 --profile p27.json --dry-run
run explain --model $TINY --input $IMG --patch 8 --stride 4 --quality 0.9 --profile p27.json --out o29 -q
run explain --model $TINY --input $IMG --patch 8 --stride 8 --quality 0.9 --profile p27.json --out o30
run explain --model $TINY --input $IMG --drill-down 3 --roi 0,0,8,8 --out o31
run explain --model $TINY --input $IMG --target 1,2 --drill-down 3 --out o32
run explain --model $TINY --input $IMG --out o2/heatmap.npy
run explain --arch vgg16 --input $IMG --patch 16 --stride 56 --mode naive --out o34 -q
rm -rf "$R" && cp -r "$work" "$R"
