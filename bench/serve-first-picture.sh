#!/usr/bin/env bash
# How soon krypton serve shows a first picture: the time from POST /api/jobs to the first batch of
# map values on the event stream, and to the finished map, for the demo at its defaults (patch 16,
# stride 4, exact), on a fresh server (model loaded and program compiled by the first job) and then
# warm (ROUNDS more jobs on the same server). Usage: bench/serve-first-picture.sh [THREADS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
rounds=${2:-3}
port=5099
dotnet build src/Krypton.Cli -c Release -v q -nologo >/dev/null
krypton=src/Krypton.Cli/bin/Release/net10.0/krypton
"$krypton" serve --port "$port" --threads "$threads" >/tmp/krypton-serve-bench.log 2>&1 &
server=$!
# SIGTERM, not SIGINT: a background job of a script ignores SIGINT.
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/models" >/dev/null && break; sleep 0.2; done
grep -m1 "model name" /proc/cpuinfo | sed 's/^.*: /cpu: /'
echo "threads: $threads"
sleep "${WARM_WAIT:-0}"   # seconds for the server's warm-up before the first job (0: submit at once)
for round in $(seq 0 "$rounds"); do
  start=$(date +%s.%N)
  id=$(curl -sf -X POST "http://127.0.0.1:$port/api/jobs" -H 'Content-Type: application/json' -d '{}' | sed -E 's/.*"id":"([0-9a-f]+)".*/\1/')
  first=""
  while IFS= read -r line; do
    case "$line" in
      "event: values") [ -z "$first" ] && first=$(date +%s.%N) ;;
      "event: done") done_at=$(date +%s.%N); break ;;
      "event: failed"|"event: cancelled") echo "job $id did not finish" >&2; exit 1 ;;
    esac
  done < <(curl -sN "http://127.0.0.1:$port/api/jobs/$id/events")
  label=$([ "$round" = 0 ] && echo "fresh server" || echo "warm, job $round")
  awk -v s="$start" -v f="$first" -v d="$done_at" -v l="$label" 'BEGIN { printf "%-16s first values %.2f s, finished map %.2f s\n", l, f - s, d - s }'
done
