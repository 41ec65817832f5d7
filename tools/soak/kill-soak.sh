#!/usr/bin/env bash
# Kill soak (issue #12): train a small run once uninterrupted, then N times: start the same run in a fresh folder,
# kill it at a random moment (kill -9 or SIGTERM, chosen at random), resume it with `train --resume` (killing the
# resumed run too, with probability 1/3, once more), and check that the final result is bit-identical to the
# uninterrupted run (per-epoch losses/metrics/learning rates, test metrics, model.npz bytes), that no temporary file is
# left in the run folder or the feature cache, and that no JVM crash log (hs_err_pid*.log) was written.
#
# usage: tools/soak/kill-soak.sh [N=20] [WORK=/tmp/tempora-soak] [SEED=1]
# Every iteration uses its own feature cache, so kills also land in feature extraction. Runs take ~1 min each on
# 2 cores; run it alone (see BENCHMARKS.md).
set -u
N=${1:-20}
WORK=${2:-/tmp/tempora-soak}
SEED=${3:-1}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T="$ROOT/tempora"
ARGS=(--preset demo --data synthetic --epochs 3 --seed 7 -q
      --set data.synthetic.classes=4 --set data.synthetic.clips_per_class=40 --set train.batch_size=16
      --set backbone.dim=48 --set backbone.depth=1 --set backbone.heads=2)
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK" || exit 1
RANDOM=$SEED

fingerprint() {  # losses, metrics, lr per epoch (no times), test metrics, model bytes
  /usr/bin/python3 - "$1" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
rows = json.load(open(d + "/metrics.json"))
keep = [{k: v for k, v in r.items() if "second" not in k and "per_s" not in k} for r in rows]
run = json.load(open(d + "/run.json"))
print(json.dumps(keep, sort_keys=True), json.dumps(run["test"], sort_keys=True),
      hashlib.sha256(open(d + "/model.npz", "rb").read()).hexdigest())
PY
}

temps() {  # temporary files tempora's AtomicFiles would have made, anywhere under $1
  find "$1" -regextype posix-extended -regex '.*/\..+\.([0-9a-f]{16}|[0-9]+)\.tmp' 2>/dev/null | wc -l
}

echo "reference run"
start=$(date +%s.%N)
"$T" train "${ARGS[@]}" --out ref --cache cache-ref > ref.log 2>&1 || { echo "reference failed"; cat ref.log; exit 1; }
want=$(fingerprint ref)
# the kill moments are drawn over a warm run's duration (the first run also filled the OS's and the JIT's caches)
start=$(date +%s.%N)
"$T" train "${ARGS[@]}" --out ref2 --cache cache-ref2 > ref2.log 2>&1 || { echo "second reference failed"; cat ref2.log; exit 1; }
total=$(echo "$(date +%s.%N) - $start" | bc)
[ "$(fingerprint ref2)" == "$want" ] || { echo "two uninterrupted runs differ"; exit 1; }
echo "reference: ${total}s (two uninterrupted runs, identical)"

phase() {  # where a killed run stood: what its folder says
  local d=$1
  if [ ! -f "$d/config.yaml" ]; then echo "before the run folder"
  elif [ ! -f "$d/checkpoints/last.json" ]; then echo "before the first checkpoint"
  else /usr/bin/python3 -c "
import json,sys
s=json.load(open('$d/checkpoints/last.json'))
p=s.get('epoch_progress')
if s.get('phase_finished'): print('after training' + (' (finished)' if __import__('os').path.exists('$d/model.json') else ''))
elif p: print('in epoch %d, step %d' % (s['epochs_done'] + 1, p['steps']))
else: print('after epoch %d' % s['epochs_done'])"
  fi
}

kill_at() {  # $1 run folder, $2 cache, $3 extra args: runs the command and kills it at a random moment of its run
  # The moment is a uniform fraction of how long the command takes now (the machine's load changes): an attempt that
  # finishes before its kill measures that time and is redone on a fresh copy, so every point really interrupts.
  local limit=$total sig delay pid jvm rc t0 tries=0
  while :; do
    tries=$((tries + 1))
    delay=$(echo "scale=3; $(( RANDOM % 1000 )) * $limit / 1000" | bc)
    if (( RANDOM % 2 )); then sig=KILL; else sig=TERM; fi
    rm -rf "$1.try" && cp -a "$1" "$1.try" 2>/dev/null || mkdir -p "$1.try.none"
    t0=$(date +%s.%N)
    "$T" train "${ARGS[@]}" --out "$1" --cache "$2" $3 > "$1.log" 2>&1 &
    pid=$!
    sleep "$delay"
    if [ "$sig" == TERM ]; then
      kill -s TERM "$pid" 2>/dev/null          # as timeout(1) or a CI runner does: the launcher forwards it to the JVM
    else
      jvm=""                                   # kill -9 the JVM itself (the launcher waits for it)
      while [ -z "$jvm" ] && kill -0 "$pid" 2>/dev/null; do jvm=$(pgrep -P "$pid" -f tempora.jar) || sleep 0.1; done
      [ -n "$jvm" ] && kill -s KILL $jvm 2>/dev/null
    fi
    wait "$pid"; rc=$?
    if [ $rc -ne 0 ] || [ $tries -ge 5 ]; then break; fi
    # finished before the kill: put the folder back as it was and aim inside the measured duration
    limit=$(echo "$(date +%s.%N) - $t0" | bc)
    rm -rf "$1"; if [ -d "$1.try" ]; then mv "$1.try" "$1"; fi
    [ -z "$3" ] && rm -rf "$2"                 # a first run starts with a cold cache again
  done
  rm -rf "$1.try" "$1.try.none"
  echo "$sig after ${delay}s -> exit $rc"
}

pass=0
for i in $(seq 1 "$N"); do
  d=run$i; c=cache$i
  first="$(kill_at "$d" "$c" "") [$(phase "$d")]"
  second=""
  if (( RANDOM % 3 == 0 )) && [ -d "$d" ]; then second="; resumed run: $(kill_at "$d" "$c" --resume) [$(phase "$d")]"; fi
  if [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ]; then
    "$T" train "${ARGS[@]}" --out "$d" --cache "$c" --resume > "$d.resume.log" 2>&1; rc=$?
  else  # killed before the folder was made: start it again
    "$T" train "${ARGS[@]}" --out "$d" --cache "$c" > "$d.resume.log" 2>&1; rc=$?
  fi
  got=$( [ $rc -eq 0 ] && fingerprint "$d" || echo "resume exit $rc")
  left=$(( $(temps "$d") + $(temps "$c") ))
  crash=$(ls hs_err_pid*.log "$ROOT"/hs_err_pid*.log 2>/dev/null | wc -l)
  if [ "$got" == "$want" ] && [ "$left" -eq 0 ] && [ "$crash" -eq 0 ]; then ok=PASS; pass=$((pass + 1)); else ok=FAIL; fi
  echo "$i: $first$second; resume exit $rc; temp files $left; crash logs $crash: $ok"
  [ "$ok" == FAIL ] && { tail -3 "$d.log" "$d.resume.log"; }
  rm -rf "$c"
done
echo "kill soak: $pass/$N identical to the uninterrupted run"
[ "$pass" -eq "$N" ]
