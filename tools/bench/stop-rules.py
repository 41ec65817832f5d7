#!/usr/bin/env python3
"""Replays stopping rules over grid rows trained under the budget rule with eval.test_each_epoch (BENCHMARKS §12h).

    tools/bench/stop-rules.py GRID_DIR BASELINE_ROW ROW

For each seed and rule (patience, min_delta, floor), finds the epoch the convergence rule of docs/training.md
(PhaseControl.convergedAt, replayed here over metrics.json) would stop after, the best validation epoch up to it (what
best.npz holds: any increase counts) and that epoch's test top-1, then prints mean ± std over seeds and the paired
difference ROW - BASELINE_ROW. Patience 0 = the whole budget. For a coarse-to-fine ROW the rule and the best epoch
see only the final phase, as in training, and the time includes the coarse phases.
"""
import json, statistics as st, sys

RULES = [(5, 0.002, 0), (5, 0.002, 20), (5, 0.002, 30), (10, 0.002, 0), (0, 0.002, 0)]


def replay(valid, patience, min_delta, floor):
    best, since, sel, selv = None, 0, 0, -1.0
    for i, v in enumerate(valid):
        if v > selv:
            selv, sel = v, i
        if best is None or (v > best and v - best >= min_delta):
            best, since = v, 0
        else:
            since += 1
        if patience and since >= patience and i + 1 >= floor:
            return i, sel
    return len(valid) - 1, sel


def seeds(grid, row):
    out = {}
    for s in range(100):
        try:
            run = json.load(open(f'{grid}/{row}/seed-{s}/run.json'))
            m = json.load(open(f'{grid}/{row}/seed-{s}/metrics.json'))
        except FileNotFoundError:
            break
        if run.get('status') != 'finished':
            continue
        out[s] = m
    return out


def fmt(x):
    return f'{st.mean(x):.2f} ± {st.stdev(x):.2f}' if len(x) > 1 else f'{x[0]:.2f} (n 1)' if x else '–'


grid, base, row = sys.argv[1:4]
data = {r: seeds(grid, r) for r in (base, row)}
for rule in RULES:
    res = {}
    for r, runs in data.items():
        for s, m in runs.items():
            # coarse-to-fine runs: the rule and the best-epoch choice see only the final phase (PhaseControl.finalStop);
            # the time counts every epoch before the stop, coarse phases included
            k = sum(1 for e in m if e['phase'] < m[-1]['phase'])
            stop, sel = replay([e['valid_top1'] for e in m[k:]], *rule)
            stop, sel = stop + k, sel + k
            lr = [e['lr'] for e in m]
            res[(r, s)] = (stop + 1, sel + 1, m[sel]['test_top1'] * 100, lr[stop] / max(lr), sum(e['seconds'] for e in m[:stop + 1]) / 60)
            print(f'{r} seed {s} rule {rule}: stop {stop + 1}, best {sel + 1}, test {res[(r, s)][2]:.2f}, '
                  f'lr {res[(r, s)][3]:.0%} of peak, {res[(r, s)][4]:.1f} train min')
    common = sorted(set(data[base]) & set(data[row]))
    a = [res[(row, s)][2] for s in common]
    b = [res[(base, s)][2] for s in common]
    d = [x - y for x, y in zip(a, b)]
    if not common:
        print(f'rule {rule}: {row} {fmt([res[(row, s)][2] for s in sorted(data[row])])} (no {base} runs to pair with)\n')
    else:
        print(f'rule {rule}: {base} {fmt(b)}, {row} {fmt(a)}, paired {fmt(d)} ({sum(x > 0 for x in d)}/{sum(x < 0 for x in d)})\n')
