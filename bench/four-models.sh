#!/bin/bash
# Issue 16, item 6: naive float32, exact float32, exact int8 and the tuned settings (`--quality 0.9`
# with each model's profile) as whole `krypton explain` commands, one after the other, patch 16,
# stride 4, 2 threads: VGG16, ResNet18, InceptionV3 (random weights, seed 0, KRYPTON's grid, as
# their profiles were tuned) on t10k-00002-trouser (their profiles' held-out image), then the demo
# model (real weights, full grid) on t10k-00032-dress (the first of its profile's held-out images).
# Prints each run's sweep, load + plan + compile, command and peak RSS, and the SSIM of the int8
# and tuned maps against the exact float32 map. Usage: [K=path/to/krypton] bench/four-models.sh
set -u
K=${K:-src/Krypton.Cli/bin/Release/net10.0/krypton}
O=$(mktemp -d)
trap 'rm -rf "$O"' EXIT
run() { # name args...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$O/$name.time" "$K" explain --threads 2 --stride 4 --out "$O/$name" -q "$@" > "$O/$name.log" 2>&1 \
    || { echo "$name FAILED"; cat "$O/$name.log"; return; }
  python3 - "$O" "$name" <<'PY'
import json, sys
o, n = sys.argv[1], sys.argv[2]
wall, rss = open(f"{o}/{n}.time").read().split()[-2:]
e = json.load(open(f"{o}/{n}/explanation.json")); t = e["timings_seconds"]; p = e["plan"]
print(f"{n}: {p['method']} tau {p['tau']} {p['precision']} drill {p['drill_down']} positions {p['positions']}: sweep {t['sweep']:.2f} s,"
      f" load+plan+compile {t['load']+t['plan']+t['compile']:.2f} s, command {t['command']:.2f} s, wall {wall} s, peak {int(rss)/1e6:.2f} GB", flush=True)
PY
}
ssim() { echo "$1 vs $2: $("$K" ssim "$O/$2/heatmap.npy" "$O/$1/heatmap.npy" 2>&1 | tail -1)"; }
IMG=samples/fashion-mnist-tuning/t10k-00002-trouser.png
for m in resnet18 vgg16 inception_v3; do
  run $m-naive --arch $m --grid krypton --input $IMG --mode naive
  run $m-exact --arch $m --grid krypton --input $IMG
  run $m-int8 --arch $m --grid krypton --input $IMG --precision int8
  run $m-tuned --arch $m --grid krypton --input $IMG --quality 0.9 --profile bench/profiles/$m-random-patch16-stride4.json
  ssim $m-int8 $m-exact; ssim $m-tuned $m-exact
done
IMG=samples/fashion-mnist-tuning/t10k-00032-dress.png
run demo-naive --input $IMG --mode naive
run demo-exact --input $IMG
run demo-int8 --input $IMG --precision int8
run demo-tuned --input $IMG --quality 0.9
ssim demo-int8 demo-exact; ssim demo-tuned demo-exact
