#!/usr/bin/env bash
# Same seed, same result, under load: N identical demo trainings while a CPU burner competes for both cores; every
# run's metrics.json must be byte-identical and no optimiser step may be skipped (BENCHMARKS.md "Determinism").
#   tools/bench/determinism.sh OUT_ROOT [N=10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$1"; n="${2:-10}"; mkdir -p "$out"
burn() { while :; do sha256sum /dev/zero >/dev/null 2>&1 & wait; done; }
burn & b1=$!; burn & b2=$!
trap 'kill $b1 $b2 2>/dev/null; pkill -f "sha256sum /dev/zero" 2>/dev/null || true' EXIT
for i in $(seq 1 "$n"); do
  "$here/tempora" train --preset demo --data synthetic --epochs 3 --seed 1 --set data.synthetic.clips_per_class=40 \
    --out "$out/run$i" --overwrite -q > "$out/run$i.log" 2>&1
  skipped=$(python3 -c "import csv; print(int(sum(float(r.get('skipped_steps') or 0) for r in csv.DictReader(open('$out/run$i/metrics.csv')))))")
  echo "run $i: metrics.json sha256 $(sha256sum < "$out/run$i/metrics.json" | cut -c1-16)  skipped steps $skipped  $(tail -1 "$out/run$i.log")"
done
echo "distinct metrics files: $(for i in $(seq 1 "$n"); do sha256sum < "$out/run$i/metrics.json"; done | sort -u | wc -l)"
