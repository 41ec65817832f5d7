#!/usr/bin/env python3
"""Test top-1 of kws35 runs broken down by TTS engine (BENCHMARKS §12).

    tools/bench/by-engine.py DATA RUN [RUN ...]

Classifies every clip of DATA/testing_list.txt with each RUN (`tempora classify --json -k 1`), joins the clip's
speaker (the file name before `_nohash`) with DATA/speakers.csv, and prints a Markdown table: one row per engine,
one column per run, plus the mean ± sample std over the runs when there are several (e.g. the seeds of a grid row).
"""
import csv
import json
import os
import statistics
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    data, runs = sys.argv[1], sys.argv[2:]
    with open(os.path.join(data, "speakers.csv"), newline="") as f:
        engine = {r["speaker_id"]: r["engine"] for r in csv.DictReader(f)}
    with open(os.path.join(data, "testing_list.txt")) as f:
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
                cell[0] += r["top"][0]["label"] == truth
                cell[1] += 1
    engines = sorted({e for per in acc.values() for e in per if e != "all"}) + ["all"]
    head = "| engine (test clips) | " + " | ".join("/".join(os.path.normpath(r).split(os.sep)[-2:]) for r in runs)
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
