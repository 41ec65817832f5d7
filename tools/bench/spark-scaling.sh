#!/usr/bin/env bash
# Spark scaling (BENCHMARKS.md "Spark scaling", docs/scale.md): featurisation and tagging of the same archive, in one
# run, by the single-process CLI (tempora fbank: one thread; tempora classify --threads 1) and by tempora spark on
# local[1] and local[2]. Prints a Markdown table of wall seconds and clips/s (JVM and Spark start-up included: each
# row is one command as a user runs it; the tiny run shows how large that fixed cost is).
#
# usage: tools/bench/spark-scaling.sh SRC N OUT [MODEL]
#   SRC    a folder of class folders of audio (e.g. /work/data/kws35: <word>/*.wav); read only
#   N      clips to take (the first N, class by class); the archive is N symlinks in OUT/archive, split 80/10/10
#          into the 'folders' layout, so featurize reads it as 'tempora train' would
#   OUT    a new or empty scratch folder for everything written
#   MODEL  a run folder to tag with (default: a tiny demo model trained in OUT/model, ~30 s)
# Run it alone on the machine (every row uses all the cores it is given), from a worktree at a fixed commit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
t="$here/tempora"
src="$1"; n="$2"; out="$3"; model="${4:-}"
if [ -e "$out" ] && [ -n "$(ls -A "$out" 2>/dev/null)" ]; then echo "spark-scaling: $out is not empty" >&2; exit 2; fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
arch="$out/archive"
# the first N clips of SRC's class folders (sorted), as symlinks; split by position: 8 train, 1 valid, 1 test of every 10
i=0
while IFS= read -r f; do
  cls="$(basename "$(dirname "$f")")"
  case $((i % 10)) in 8) sp=valid ;; 9) sp=test ;; *) sp=train ;; esac
  mkdir -p "$arch/$sp/$cls"
  ln -s "$f" "$arch/$sp/$cls/$(basename "$f")"
  i=$((i + 1))
  [ "$i" -ge "$n" ] && break
done < <(find "$src" -mindepth 2 -maxdepth 2 -path "$src/_*" -prune -o -type f \( -name '*.wav' -o -name '*.flac' \) -print | LC_ALL=C sort)
echo "archive: $i clips from $src in $arch" >&2
if [ -z "$model" ]; then
  model="$out/model"
  "$t" train --preset demo --data synthetic --epochs 1 --set data.synthetic.classes=3 --set data.synthetic.clips_per_class=8 \
      --set backbone.dim=16 --set backbone.depth=1 --set backbone.heads=2 --cache "$out/train-cache" --out "$model" -q >&2
fi
"$t" spark --help > /dev/null   # builds the jars before anything is timed
rows=()
timed() {   # name, clips, command...
  local name="$1" clips="$2"; shift 2
  local s e
  s=$(date +%s.%N)
  "$@" > "$out/$name.log" 2>&1 || { echo "spark-scaling: $name failed (see $out/$name.log)" >&2; exit 1; }
  e=$(date +%s.%N)
  rows+=("$(awk -v n="$name" -v c="$clips" -v s="$s" -v e="$e" 'BEGIN { printf "| %s | %d | %.1f | %.1f |", n, c, e - s, c / (e - s) }')")
}
timed "featurize: CLI (tempora fbank, 1 thread)" "$i" "$t" fbank "$arch" --target-frames 100 --out "$out/fbank-npy"
timed "featurize: spark local[1]" "$i" "$t" spark featurize --master 'local[1]' "$arch" --preset demo --out "$out/cache-1"
timed "featurize: spark local[2]" "$i" "$t" spark featurize --master 'local[2]' "$arch" --preset demo --out "$out/cache-2"
timed "tag: CLI (tempora classify --threads 1)" "$i" "$t" classify --model "$model" --threads 1 --json "$arch"
timed "tag: spark local[1]" "$i" "$t" spark tag --master 'local[1]' --model "$model" "$arch" --out "$out/tags-1"
timed "tag: spark local[2]" "$i" "$t" spark tag --master 'local[2]' --model "$model" "$arch" --out "$out/tags-2"
echo "| job | clips | wall s | clips/s |"
echo "|---|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo "($(date -u +%FT%TZ), $(nproc) cores, commit $(git -C "$here" rev-parse --short HEAD))"
