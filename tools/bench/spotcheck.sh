#!/usr/bin/env bash
# Spot-check (BENCHMARKS §0f): re-runs three §0d rows on the current build, with the flags of
# tools/bench/engine-rerun.sh, and compares them with an earlier run of the same rows.
# usage: tools/bench/spotcheck.sh DATA_ROOT OUT EARLIER   (EARLIER: a folder holding the same three runs)
# Run it alone on the machine; launch it from a worktree at a fixed commit (./tempora rebuilds when sources change).
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
t="$here/tempora"; data="$1"; out="$2"; earlier="$3"; mkdir -p "$out"
FFTP=(--set tokens.kind=fftp --set tokens.fftp_width=8 --set tokens.fftp_stride=4)
AUM=(--set backbone.kind=aum --set backbone.size=micro --set backbone.bimamba=v2 --set backbone.scan=sequential)
Q=(--preset ast-kws --epochs 8 --set data.train_fraction=0.25)
K=(--preset ast-kws "${FFTP[@]}" --epochs 8 --set features.target_frames=128 --set data.train_fraction=0.5)
run() { local name="$1"; shift; echo "== $(date +%T) $name"; "$t" train --data "$data/kws35" --out "$out/$name" --overwrite -q "$@" > "$out/$name.log" 2>&1 || echo "FAILED $name"; }
run aum-fftp "${Q[@]}" "${AUM[@]}" "${FFTP[@]}"
run kws-avgpool-0.75 "${K[@]}" --set resolution.kind=avgpool --set resolution.reduction=0.75
run kws-diffres-0.5 "${K[@]}" --set resolution.kind=diffres --set resolution.reduction=0.5
echo "== $(date +%T) done"
for n in aum-fftp kws-avgpool-0.75 kws-diffres-0.5; do
  /usr/bin/python3 - "$out/$n" "$earlier/$n" "$n" <<'PY'
import json, sys
a, b, n = sys.argv[1:]
ra, rb = json.load(open(a + "/run.json")), json.load(open(b + "/run.json"))
ma, mb = json.load(open(a + "/metrics.json")), json.load(open(b + "/metrics.json"))
keys = ["epoch", "train_loss", "valid_loss", "valid_top1", "lr"]
same = len(ma) == len(mb) and all(x.get(k) == y.get(k) for x, y in zip(ma, mb) for k in keys)
print(f"{n}: test top-1 now {ra['test']['top1']!r}, §0f {rb['test']['top1']!r}; test metrics equal: {ra['test'] == rb['test']}; every epoch's losses/top-1/lr equal: {same}")
PY
done
