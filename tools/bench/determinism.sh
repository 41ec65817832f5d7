#!/usr/bin/env bash
# Same seed, same result, under load: N identical demo trainings while a CPU burner competes for both cores; every
# run's losses, validation accuracies and test metrics must be identical (timings are not compared) and no optimiser
# step may be skipped (BENCHMARKS.md "Determinism under load").
#   tools/bench/determinism.sh OUT_ROOT [N=10] [EXTRA TRAIN ARGS...]
# Extra arguments go to every `tempora train`, e.g. `--set resolution.kind=diffres --set 'resolution.channels=[logavg]'`
# to cover a resampler the demo preset does not use.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$1"; n="${2:-10}"; shift; [ $# -gt 0 ] && shift
[[ $n =~ ^[0-9]+$ ]] || { echo "usage: $0 OUT_ROOT [N] [EXTRA TRAIN ARGS...] (N is a number of runs, got '$n')" >&2; exit 2; }
mkdir -p "$out"
burn() { while :; do sha256sum /dev/zero >/dev/null 2>&1 & wait; done; }
burn & b1=$!; burn & b2=$!
trap 'kill $b1 $b2 2>/dev/null; pkill -f "sha256sum /dev/zero" 2>/dev/null || true' EXIT
for i in $(seq 1 "$n"); do
  "$here/tempora" train --preset demo --data synthetic --epochs 3 --seed 1 --set data.synthetic.clips_per_class=40 \
    "$@" --out "$out/run$i" --overwrite -q > "$out/run$i.log" 2>&1
  skipped=$(python3 -c "import csv; print(int(sum(float(r.get('skipped_steps') or 0) for r in csv.DictReader(open('$out/run$i/metrics.csv')))))")
  echo "run $i: skipped steps $skipped"
done
python3 - "$out" "$n" <<'PY'
import csv, json, sys, hashlib, os
root, n = sys.argv[1], int(sys.argv[2])
sigs = {}
for i in range(1, n + 1):
    d = os.path.join(root, f"run{i}")
    rows = list(csv.DictReader(open(os.path.join(d, "metrics.csv"))))
    test = json.load(open(os.path.join(d, "run.json"))).get("test", {})
    keep = [(r["epoch"], r["train_loss"], r["valid_loss"], r["valid_top1"]) for r in rows]
    keep.append(tuple(f"{k}={test[k]}" for k in sorted(test) if isinstance(test[k], (int, float))))
    h = hashlib.sha256(repr(keep).encode()).hexdigest()[:16]
    sigs.setdefault(h, []).append(i)
    print(f"run {i}: result {h}  test top1 {test.get('top1')}  last train loss {rows[-1]['train_loss']}")
print(f"distinct results: {len(sigs)} of {n} runs", sigs)
PY
