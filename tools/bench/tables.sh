#!/usr/bin/env bash
# Runs the comparison tables recorded in BENCHMARKS.md, one training run after another (the machine must be otherwise
# idle: timings are part of the results). Finished runs are skipped, so the script can be restarted.
#
#   tools/bench/tables.sh DATA_ROOT OUT_ROOT TABLE...      TABLE: diffres-kws diffres-instruments fftp-kws
#                                                          fftp-mixtures fftp-sweep c2f-kws c2f-instruments
# DATA_ROOT holds kws35/, instruments/, mixtures/ built by ../shared/data/make-all.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$1"; out="$2"; shift 2
t="$here/tempora"

# train NAME DATASET_DIR OUT_DIR ARGS... — one run, skipped when already finished
train() {
  local name="$1" ds="$2" dir="$3"; shift 3
  if grep -q '"status" : "finished"' "$dir/$name/run.json" 2>/dev/null; then echo "skip $dir/$name"; return; fi
  mkdir -p "$dir"
  echo "== $(date +%T) $dir/$name: $*"
  "$t" train --data "$ds" --out "$dir/$name" --overwrite -q "$@" > "$dir/$name.log" 2>&1 || { echo "FAILED $dir/$name (see $dir/$name.log)"; tail -3 "$dir/$name.log"; }
}

# compare DIR BASELINE — the table of every finished run in DIR against BASELINE, as Markdown
compare() {
  local dir="$1" base="$2"
  local runs=()
  for r in "$dir"/*/; do r="${r%/}"; [ "$r" != "$dir/$base" ] && [ -f "$r/run.json" ] && runs+=("$r"); done
  "$t" compare --baseline "$dir/$base" "${runs[@]}" > "$dir/table.md" 2>/dev/null && cat "$dir/table.md"
}

# the comparison backbone: CPU-sized AST on full-frequency temporal patches (square patches barely learn speech
# from scratch in these budgets: see BENCHMARKS.md)
FFTP=(--set tokens.kind=fftp --set tokens.fftp_width=8 --set tokens.fftp_stride=4)

for table in "$@"; do
  case "$table" in
    diffres-kws|diffres-instruments)
      if [ "$table" = diffres-kws ]; then ds="$data/kws35"; E=8; F=128; extra=(); else ds="$data/instruments"; E=10; F=400; extra=(--set augment.noise=false); fi
      d="$out/$table"
      train baseline "$ds" "$d" --preset ast-kws "${FFTP[@]}" --epochs $E --set features.target_frames=$F "${extra[@]}"
      for delta in 0.25 0.5 0.75; do
        for kind in diffres avgpool maxpool avgmax uniform spectral; do
          train "$kind-$delta" "$ds" "$d" --preset ast-kws "${FFTP[@]}" --epochs $E --set features.target_frames=$F "${extra[@]}" \
            --set resolution.kind=$kind --set resolution.reduction=$delta
        done
        # true Fshift: features recomputed with the hop x 1/(1-δ), t = int(T(1-δ)) frames
        shift=$(python3 -c "print(10/(1-$delta))"); frames=$(python3 -c "print(int($F*(1-$delta)))")
        train "fshift-$delta" "$ds" "$d" --preset ast-kws "${FFTP[@]}" --epochs $E --set features.frame_shift_ms=$shift \
          --set features.target_frames=$frames "${extra[@]}" --set augment.timem=$(python3 -c "print(round(24*(1-$delta)))")
      done
      if [ "$table" = diffres-kws ]; then
        train diffres-1ms "$ds" "$d" --preset diffres-1ms "${FFTP[@]}" --epochs $E
      fi
      compare "$d" baseline ;;
    fftp-kws|fftp-mixtures)
      if [ "$table" = fftp-kws ]; then ds="$data/kws35"; E=8; common=(); sq=(--set tokens.stride=[10,10]);
      else ds="$data/mixtures"; E=6; common=(--set features.target_frames=500 --set data.train_fraction=0.5 --set augment.noise=false --set train.loss=bce); sq=(--set tokens.stride=[10,10]); fi
      d="$out/$table"
      SM=(--set augment.freqm=0 --set augment.timem=0 --set augment.specmask_ratio=0.2 --set augment.specmask_lambda=0.6)
      AUM=(--set backbone.kind=aum --set backbone.size=micro --set backbone.bimamba=v2 --set backbone.scan=sequential)
      train ast-square "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${sq[@]}"
      train ast-square-specmask "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${sq[@]}" "${SM[@]}"
      train ast-fftp "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${FFTP[@]}"
      train ast-fftp-specmask "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${FFTP[@]}" "${SM[@]}"
      train aum-square "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${AUM[@]}" --set tokens.stride=[16,16]
      train aum-square-specmask "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${AUM[@]}" --set tokens.stride=[16,16] "${SM[@]}"
      train aum-fftp "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${AUM[@]}" "${FFTP[@]}"
      train aum-fftp-specmask "$ds" "$d" --preset ast-kws --epochs $E "${common[@]}" "${AUM[@]}" "${FFTP[@]}" "${SM[@]}"
      compare "$d" ast-square ;;
    fftp-sweep)
      ds="$data/kws35"; E=8; d="$out/$table"
      for ws in 4:4 4:2 8:8 8:4 16:16 16:8; do
        w=${ws%:*}; s=${ws#*:}
        train "fftp-w$w-s$s" "$ds" "$d" --preset ast-kws --epochs $E --set tokens.kind=fftp --set tokens.fftp_width=$w --set tokens.fftp_stride=$s
      done
      for rl in 0.1:0.6 0.2:0.6 0.3:0.6 0.2:0.3 0.2:1.0; do
        r=${rl%:*}; l=${rl#*:}
        train "specmask-r$r-l$l" "$ds" "$d" --preset ast-kws --epochs $E "${FFTP[@]}" --set augment.freqm=0 --set augment.timem=0 \
          --set augment.specmask_ratio=$r --set augment.specmask_lambda=$l
      done
      compare "$d" fftp-w8-s4 ;;
    c2f-kws|c2f-instruments)
      if [ "$table" = c2f-kws ]; then ds="$data/kws35"; E=12; F=128; extra=(); else ds="$data/instruments"; E=12; F=400; extra=(--set augment.noise=false); fi
      d="$out/$table"
      base=(--preset ast-kws "${FFTP[@]}" --epochs $E --set features.target_frames=$F --set eval.test_each_epoch=true "${extra[@]}")
      train baseline "$ds" "$d" "${base[@]}"
      for p in "fshift 4->1" "fshift 2->1" "avgpool 4->1" "avgpool 2->1" "maxpool 4->1" "maxpool 2->1" "patch-bl 4->1" "patch-pi 4->1" \
               "patch-bl 2->1" "patch-pi 2->1"; do
        name=$(echo "$p" | tr ' >' '_' | tr -d '-' ); train "$name" "$ds" "$d" "${base[@]}" --phases "$p @25%"
      done
      for p in "fshift 4->2->1" "avgpool 4->2->1" "patch-pi 4->2->1"; do
        name=$(echo "$p" | tr ' >' '_' | tr -d '-'); train "$name" "$ds" "$d" "${base[@]}" --phases "$p @30%"
      done
      train fshift_4_1_plateau "$ds" "$d" "${base[@]}" --phases "fshift 4->1 @50%" --set train.phase_switch=plateau --set train.phase_patience=1
      compare "$d" baseline ;;
    *) echo "unknown table $table"; exit 2 ;;
  esac
done
