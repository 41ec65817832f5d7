#!/usr/bin/env python3
"""Where a DiffRes run spends its output frames (BENCHMARKS §12d/§12f).

    tools/bench/diffres-frames.py RUN [RUN ...]

Reads the explanations a run saved of its fixed test clips (`eval.explain_clips`, RUN/explain/epoch-NNN.json) at the
first and the last saved epoch. For every clip it counts the output frames (the sum of the normalised scores, which
is what the warp gives each input frame) that go to three parts of the input:

  pad    the frames after the audio (AST's zero padding), if any
  loud   the loudest quarter of the audio frames (by mean log-mel over the bins)
  quiet  the quietest quarter of the audio frames

and prints them next to the uniform share (a quarter of the audio frames times t/T), one Markdown row per run and
epoch with the three clips' values. Reads only JSON; classifies nothing.
"""
import json
import os
import sys


def parts(e):
    frames, bins, out = e["frames"], e["bins"], e["outFrames"]
    valid = e["summary"]["validFrames"]
    score, x = e["score"], e["input"]
    energy = [sum(x[i * bins:(i + 1) * bins]) / bins for i in range(valid)]
    order = sorted(range(valid), key=lambda i: energy[i])
    q = max(1, valid // 4)
    quiet = sum(score[i] for i in order[:q])
    loud = sum(score[i] for i in order[-q:])
    pad = sum(score[valid:])
    return pad, loud, quiet, q * out / frames, (frames - valid) * out / frames


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    print("| run | epoch | output frames on padding (uniform) | on the loudest quarter | on the quietest quarter | uniform quarter |")
    print("|---|---|---|---|---|---|")
    for run in sys.argv[1:]:
        d = os.path.join(run, "explain")
        if not os.path.isdir(d):
            sys.exit(f"{run}: no explain/ folder (train with eval.explain_clips > 0 on a DiffRes model)")
        files = sorted(f for f in os.listdir(d) if f.startswith("epoch-") and f.endswith(".json"))
        if not files:
            sys.exit(f"{d}: no epoch-NNN.json")
        for f in (files[0], files[-1]) if len(files) > 1 else files:
            with open(os.path.join(d, f)) as fh:
                clips = json.load(fh)
            rows = [parts(c["explanation"]) for c in clips]
            fmt = lambda k: " / ".join(f"{r[k]:.1f}" for r in rows)
            print(f"| {run} | {int(f[6:9])} | {fmt(0)} ({fmt(4)}) | {fmt(1)} | {fmt(2)} | {fmt(3)} |")


if __name__ == "__main__":
    main()
