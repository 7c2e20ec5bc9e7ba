#!/bin/bash
# Start-up of `krypton explain` (issue 16, item 5): load, plan, compile, whole command and peak RSS
# from each run's explanation.json and /usr/bin/time, at stride 32 so that the start-up shows.
# OLD and NEW are two krypton binaries (OLD optional: a build of an earlier commit); NEW runs first
# on an empty weight folder ("first"), then again on the same folder ("second"); the variants
# alternate, ROUNDS rounds. Usage: NEW=path/to/krypton [OLD=path/to/krypton] bench/startup.sh
set -u
NEW=${NEW:-src/Krypton.Cli/bin/Release/net10.0/krypton}
OLD=${OLD:-}
ROUNDS=${ROUNDS:-2}
O=$(mktemp -d)
trap 'rm -rf "$O"' EXIT
one() { # label binary cache args...
  local label=$1 bin=$2 cache=$3; shift 3
  rm -rf "$O/out"
  KRYPTON_CACHE=$cache /usr/bin/time -f "%e %M" -o "$O/time" "$bin" explain --stride 32 --threads 2 --out "$O/out" -q "$@" > "$O/log" 2>&1 \
    || { echo "$label FAILED"; cat "$O/log"; return; }
  python3 - "$label" "$O" <<'PY'
import json, sys
label, o = sys.argv[1], sys.argv[2]
t = json.load(open(f"{o}/out/explanation.json"))["timings_seconds"]
wall, peak = open(f"{o}/time").read().split()[-2:]
print(f"{label:28s} load {t['load']:.2f} plan {t['plan']:.2f} compile {t['compile']:.2f} | load+plan+compile {t['load']+t['plan']+t['compile']:.2f}"
      f" | unoccluded {t['unoccluded']:.2f} sweep {t['sweep']:.2f} render {t['render_outputs']:.2f} | command {t['command']:.2f} wall {wall} | peak {int(peak)/1e6:.2f} GB", flush=True)
PY
}
for round in $(seq 1 "$ROUNDS"); do
  for args in "demo:" "resnet18:--arch resnet18" "vgg16:--arch vgg16" "vgg16-int8:--arch vgg16 --precision int8" "inception_v3:--arch inception_v3"; do
    name=${args%%:*}; a=${args#*:}
    [ -n "$OLD" ] && one "$name old r$round" "$OLD" "$O/cache-old" $a
    rm -rf "$O/cache-new"
    one "$name new first r$round" "$NEW" "$O/cache-new" $a
    one "$name new second r$round" "$NEW" "$O/cache-new" $a
  done
done
