#!/usr/bin/env bash
# Cost of the convolution fix (docs/engine.md): the same short trainings with tempora's unfold + matmul convolutions
# and with libtorch's native (oneDNN) convolution, one after another on an otherwise idle machine.
#   tools/bench/conv-cost.sh DATA_ROOT OUT_ROOT        DATA_ROOT holds kws35/ (../shared/data/make-all.sh)
# The native rows skip the engine gate (-Dtempora.engineCheck=off): on a CPU where oneDNN is wrong their accuracy is
# meaningless; only their time is used.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data="$1"; out="$2"; mkdir -p "$out"
FFTP=(--set tokens.kind=fftp --set tokens.fftp_width=8 --set tokens.fftp_stride=4)
AUM=(--set backbone.kind=aum --set backbone.size=micro --set backbone.bimamba=v2 --set backbone.scan=sequential)
common=(--data "$data/kws35" --epochs 3 --set data.train_fraction=0.25 --overwrite -q)
# the machine's other load, sampled every 5 s, so a contended row can be seen (the results need an idle machine)
( while :; do echo "$(date +%T) $(cut -d' ' -f1 /proc/loadavg) $(ps -eo pcpu,comm --sort=-pcpu | sed -n 2,3p | tr -s ' ' | tr '\n' ';')"; sleep 5; done ) > "$out/load.log" &
mon=$!
trap 'kill $mon 2>/dev/null' EXIT
for path in unfold native; do
  opts=""; [ "$path" = native ] && opts="-Dtempora.conv=native -Dtempora.engineCheck=off"
  TEMPORA_JAVA_OPTS="$opts" "$here/tempora" train --preset diffres-0.5 "${FFTP[@]}" "${common[@]}" --out "$out/diffres-$path" > "$out/diffres-$path.log" 2>&1 || echo "diffres-$path failed"
  TEMPORA_JAVA_OPTS="$opts" "$here/tempora" train --preset ast-kws "${FFTP[@]}" "${AUM[@]}" "${common[@]}" --out "$out/aum-$path" > "$out/aum-$path.log" 2>&1 || echo "aum-$path failed"
done
for r in diffres-unfold diffres-native aum-unfold aum-native; do
  python3 - "$out/$r/metrics.csv" "$r" <<'PY'
import csv, sys, statistics
rows = list(csv.DictReader(open(sys.argv[1])))
secs = [float(r["seconds"]) for r in rows if r.get("seconds")]
print(f"{sys.argv[2]:16s} epochs {len(secs)}  s/epoch median {statistics.median(secs):.1f}  all {' '.join(f'{s:.1f}' for s in secs)}")
PY
done
