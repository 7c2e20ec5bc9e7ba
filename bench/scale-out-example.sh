#!/usr/bin/env bash
# docs/scale-out.md's worked example: the 40 shipped tuning images, demo model, patch 16, stride 16,
# in one process (2 threads) and as a Slurm array of 4 one-thread tasks with its merge job, with a
# merge --status 40 s in. Needs a Slurm cluster (deploy/slurm/single-node.sh starts one here).
# Usage: bench/scale-out-example.sh [WORK_DIR]   (about 4 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=${1:-/tmp/krypton-scale-out}
rm -rf "$work" && mkdir -p "$work"
dotnet build src/Krypton.Cli -c Release -v q -nologo >/dev/null
cp -r src/Krypton.Cli/bin/Release/net10.0 "$work/bin"    # a copy: a rebuild while the tasks run cannot touch it
K="dotnet $work/bin/Krypton.Cli.dll"
images=$repo/samples/fashion-mnist-tuning
cd "$work"
grep -m1 "model name" /proc/cpuinfo
$K explain --input "$images" --stride 16 --dry-run | tail -3
s=$(date +%s.%N); $K explain --input "$images" --stride 16 --threads 2 --out whole --quiet; e=$(date +%s.%N)
echo "single process, 2 threads: $(echo "$e - $s" | bc) s"
s=$(date +%s.%N)
KRYPTON="$K" KRYPTON_SBATCH_OPTIONS="--cpus-per-task=1" "$repo/deploy/slurm/explain-array.sbatch" "$images" "$work/sharded" 4 --stride 16
sleep 40; echo "--status after 40 s:"; $K merge sharded --status || true
while [ -n "$(squeue -h)" ]; do sleep 1; done; e=$(date +%s.%N)
echo "slurm array of 4 (1 thread each) + merge: $(echo "$e - $s" | bc) s"
cat sharded/slurm-merge-*.out
