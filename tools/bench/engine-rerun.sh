#!/usr/bin/env bash
# BENCHMARKS.md §0d: the rows of §5 and §6 that §0b did not re-run, on one build after the convolution and the
# garbage-collection fixes; two §0b rows repeated to show whether the GC fault touched them. Single seed (0), the
# budgets of tools/bench/tables.sh. Finished runs are skipped (restartable).
#   tools/bench/engine-rerun.sh DATA_ROOT OUT_ROOT      DATA_ROOT holds kws35/ and instruments/ (../shared/data)
# Run it alone on the machine: s/epoch is part of the result.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
t="$here/tempora"; data="$1"; out="$2"; mkdir -p "$out"
FFTP=(--set tokens.kind=fftp --set tokens.fftp_width=8 --set tokens.fftp_stride=4)
AUM=(--set backbone.kind=aum --set backbone.size=micro --set backbone.bimamba=v2 --set backbone.scan=sequential)
run() { local name="$1" ds="$2"; shift 2
  if grep -q '"status" : "finished"' "$out/$name/run.json" 2>/dev/null; then echo "skip $name"; return; fi
  echo "== $(date +%T) $name"; "$t" train --data "$ds" --out "$out/$name" --overwrite -q "$@" > "$out/$name.log" 2>&1 || echo "FAILED $name"
  echo "   $(date +%T) done"; }
# fshift at δ: hop 10/(1-δ) ms, t = int(F(1-δ)) frames, time masks scaled (as tables.sh)
fshift() { local d="$1" F="$2"
  echo "--set features.frame_shift_ms=$(python3 -c "print(10/(1-$d))") --set features.target_frames=$(python3 -c "print(int($F*(1-$d)))") --set augment.timem=$(python3 -c "print(round(24*(1-$d)))")"; }
Q=(--preset ast-kws --epochs 8 --set data.train_fraction=0.25)                     # §5 fftp-kws budget
K=(--preset ast-kws "${FFTP[@]}" --epochs 8 --set features.target_frames=128 --set data.train_fraction=0.5)   # §6 kws35
I=(--preset ast-kws "${FFTP[@]}" --epochs 6 --set features.target_frames=400 --set augment.noise=false)      # §6 instruments
# §5: Audio Mamba (depthwise conv1d in every layer)
run aum-fftp "$data/kws35" "${Q[@]}" "${AUM[@]}" "${FFTP[@]}"
run aum-square "$data/kws35" "${Q[@]}" "${AUM[@]}" --set tokens.stride=[16,16]
# §0b rows repeated on this build: identical metrics mean the GC fault did not touch them
run kws-diffres-0.5 "$data/kws35" "${K[@]}" --set resolution.kind=diffres --set resolution.reduction=0.5
run inst-diffres-0.5 "$data/instruments" "${I[@]}" --set resolution.kind=diffres --set resolution.reduction=0.5
# §6 rows not in §0b
run kws-diffres-0.5-avgmax "$data/kws35" "${K[@]}" --set resolution.kind=diffres --set resolution.reduction=0.5 --set 'resolution.channels=[avg,max]'
for k in maxpool avgmax uniform spectral; do
  run "kws-$k-0.5" "$data/kws35" "${K[@]}" --set resolution.kind=$k --set resolution.reduction=0.5
done
# shellcheck disable=SC2046
run kws-fshift-0.5 "$data/kws35" "${K[@]}" $(fshift 0.5 128)
run kws-avgpool-0.25 "$data/kws35" "${K[@]}" --set resolution.kind=avgpool --set resolution.reduction=0.25
run kws-avgpool-0.75 "$data/kws35" "${K[@]}" --set resolution.kind=avgpool --set resolution.reduction=0.75
run inst-maxpool-0.5 "$data/instruments" "${I[@]}" --set resolution.kind=maxpool --set resolution.reduction=0.5
# shellcheck disable=SC2046
run inst-fshift-0.5 "$data/instruments" "${I[@]}" $(fshift 0.5 400)
run kws-diffres-1ms "$data/kws35" --preset diffres-1ms "${FFTP[@]}" --epochs 8 --set data.train_fraction=0.5
