#!/usr/bin/env python3
"""Test top-1 of kws35 runs broken down by TTS engine, or by voice (BENCHMARKS §12, §12k).

    tools/bench/by-engine.py [--voice] [--valid] DATA RUN [RUN ...]

Classifies every clip of DATA/testing_list.txt (--valid: validation_list.txt) with each RUN (`tempora classify
--json -k 1`), joins the clip's speaker (the file name before `_nohash`) with DATA/speakers.csv, and prints a
Markdown table: one row per engine (--voice: per engine and recorded human, e.g. "flite slt"), one column per run,
plus the mean ± sample std over the runs when there are several (e.g. the seeds of a grid row).

A clip longer than the model's input (a 1 s clip and a 96-frame model) is scored by classify in sliding windows; the
first window is what `tempora eval` scores, so that one is counted and the "all" row equals the run's test top-1.
"""
import csv
import json
import os
import statistics
import subprocess
import sys


def main():
    args = sys.argv[1:]
    by_voice, valid = "--voice" in args, "--valid" in args
    args = [a for a in args if a not in ("--voice", "--valid")]
    if len(args) < 2:
        sys.exit(__doc__)
    data, runs = args[0], args[1:]
    with open(os.path.join(data, "speakers.csv"), newline="") as f:
        engine = {r["speaker_id"]: r["engine"] + (" " + r["human"].removeprefix("espeak:") if by_voice else "")
                  for r in csv.DictReader(f)}
    with open(os.path.join(data, "validation_list.txt" if valid else "testing_list.txt")) as f:
        clips = [line.strip() for line in f if line.strip()]
    tempora = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tempora")
    acc = {}  # run -> engine -> [right, total]
    for run in runs:
        out = subprocess.run([tempora, "classify", "--json", "-k", "1", "-m", run] + [os.path.join(data, c) for c in clips],
                             check=True, capture_output=True, text=True).stdout
        per = acc.setdefault(run, {})
        for line in out.splitlines():
            r = json.loads(line)
            rel = os.path.relpath(r["file"], data)
            truth = rel.split("/")[0]
            e = engine[os.path.basename(rel).split("_nohash")[0]]
            for key in (e, "all"):
                cell = per.setdefault(key, [0, 0])
                cell[0] += (r.get("windows") or [r])[0]["top"][0]["label"] == truth
                cell[1] += 1
    engines = sorted({e for per in acc.values() for e in per if e != "all"}) + ["all"]
    head = f"| {'voice' if by_voice else 'engine'} ({'valid' if valid else 'test'} clips) | " + " | ".join("/".join(os.path.normpath(r).split(os.sep)[-2:]) for r in runs)
    print(head + (" | mean ± std |" if len(runs) > 1 else " |"))
    print("|---" * (len(runs) + 1 + (len(runs) > 1)) + "|")
    for e in engines:
        n = acc[runs[0]][e][1]
        vals = [100.0 * acc[r][e][0] / acc[r][e][1] for r in runs]
        row = f"| {e} ({n}) | " + " | ".join(f"{v:.1f}" for v in vals)
        if len(runs) > 1:
            row += f" | {statistics.mean(vals):.1f} ± {statistics.stdev(vals):.1f}"
        print(row + " |")


if __name__ == "__main__":
    main()
