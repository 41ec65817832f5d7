#!/usr/bin/env bash
# BENCHMARKS.md §0b: the DiffRes rows of §6 re-run after the convolution fix, with the baseline and avg pooling on the
# same build. Single seed (0); same budgets as tools/bench/tables.sh. Finished runs are skipped (restartable).
#   tools/bench/diffres-rerun.sh DATA_ROOT OUT_ROOT      DATA_ROOT holds kws35/ and instruments/ (../shared/data)
# Run it alone on the machine: s/epoch is part of the result.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
t="$here/tempora"; data="$1"; out="$2"; mkdir -p "$out"
FFTP=(--set tokens.kind=fftp --set tokens.fftp_width=8 --set tokens.fftp_stride=4)
run() { local name="$1" ds="$2"; shift 2
  if grep -q '"status" : "finished"' "$out/$name/run.json" 2>/dev/null; then echo "skip $name"; return; fi
  echo "== $(date +%T) $name"; "$t" train --data "$ds" --out "$out/$name" --overwrite -q "$@" > "$out/$name.log" 2>&1 || echo "FAILED $name"
  echo "   $(date +%T) done"; }
K=(--preset ast-kws "${FFTP[@]}" --epochs 8 --set features.target_frames=128 --set data.train_fraction=0.5)
I=(--preset ast-kws "${FFTP[@]}" --epochs 6 --set features.target_frames=400 --set augment.noise=false)
DR=(--set resolution.kind=diffres)
run kws-baseline "$data/kws35" "${K[@]}"
run kws-diffres-0.5 "$data/kws35" "${K[@]}" "${DR[@]}" --set resolution.reduction=0.5
run kws-avgpool-0.5 "$data/kws35" "${K[@]}" --set resolution.kind=avgpool --set resolution.reduction=0.5
run kws-diffres-0.25 "$data/kws35" "${K[@]}" "${DR[@]}" --set resolution.reduction=0.25
run kws-diffres-0.75 "$data/kws35" "${K[@]}" "${DR[@]}" --set resolution.reduction=0.75
run kws-diffres-0.5-avg "$data/kws35" "${K[@]}" "${DR[@]}" --set resolution.reduction=0.5 --set 'resolution.channels=[avg]'
run inst-baseline "$data/instruments" "${I[@]}"
run inst-diffres-0.5 "$data/instruments" "${I[@]}" "${DR[@]}" --set resolution.reduction=0.5
run inst-avgpool-0.5 "$data/instruments" "${I[@]}" --set resolution.kind=avgpool --set resolution.reduction=0.5
