#!/usr/bin/env python3
"""Square-patch AST learning curve in PyTorch, side by side with tempora's (issue #10, item 5).

tempora's side, org.tempora.tools.SquareAstCurve (test scope), writes a folder with everything both sides need:

  init.npz              initial state dict (tempora's keys)
  train_x.npy, train_y.npy, valid_x.npy, valid_y.npy
                        clips as the backbone sees them (already normalised (x - mean)/(2 std)), float32 [N, T, F],
                        and int64 labels
  order.npy             int64 [steps, batch]: the train_x rows of every step
  lr.npy                float32 [steps]: tempora's LrSchedule for the preset, per step
  meta.json             model shape, optimiser constants, clipping, the weight-decay split, eval batch size
  tempora_curve.csv     step,lr,train_loss,step_seconds,valid_loss,valid_top1 (from tempora's Trainer.step)

This script trains the PyTorch mirror of tempora's AST (tools/parity/train_parity.py's modules: pre-norm blocks,
cls + dist tokens, mean of both, LayerNorm + Linear head; patch embedding as unfold + matmul) in float32 from
init.npz, on the same batches with the same learning rates, with torch.optim.AdamW (or Adam, as meta.json says),
global-norm clipping as the preset says, no augmentation and no dropout, and writes torch_curve.csv with the same
columns (plus torch_grad_norm.npy: the global gradient norm of every step before clipping).

    /usr/bin/python3 tools/parity/square_ast_curve.py train DIR [--steps N]   # N <= the folder's steps
    /usr/bin/python3 tools/parity/square_ast_curve.py compare DIR [--every E]  # the two curves side by side
    /usr/bin/python3 tools/parity/square_ast_curve.py time DIR [--steps 3]     # time a few steps, write nothing
"""

import argparse
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_parity as tp  # noqa: E402  (the mirror's modules)

COLUMNS = ["step", "lr", "train_loss", "step_seconds", "valid_loss", "valid_top1", "aux_loss", "activeness",
           "score_std", "with_empty"]


def load_meta(folder):
    with open(os.path.join(folder, "meta.json")) as fh:
        return json.load(fh)


class LoggedDiffRes(tp.DiffRes):
    """The mirror's DiffRes, also keeping the last training step's activeness: pydiffres's definition (tempora's
    logged value: the summed std of the non-empty frames' scores over the samples that have empty frames, / B) and
    the plain mean over all samples of the std of their scores (every clip counts, silent frames or not)."""

    def guide(self, linear, s):
        loss = super().guide(linear, s)
        with torch.no_grad():
            e = linear.mean(2).float()
            empty = e < e.min() + np.float32(1e-6)
            total = 0.0
            for bi in range(s.shape[0]):
                keep = s[bi][~empty[bi]].double()
                if bool(empty[bi].any()) and keep.numel() > 1:
                    total += float(keep.std())
            self.activeness = total / s.shape[0]
            self.score_std = float(s.double().std(1).mean())
            self.with_empty = float(empty.any(1).double().mean())
        return loss


class Pipeline(torch.nn.Module):
    """tempora's TemporaModel: DiffRes (keys under resolution.) on raw log-mel, then (x - mean)/(2 std) on the log-mel
    channels, then the AST (keys at the top level); without DiffRes the inputs come normalised."""

    def __init__(self, meta, classes, frames, bins):
        super().__init__()
        m, r = meta["model"], meta.get("resolution")
        self.resolution = None
        if r is not None:
            assert r["kind"] == "diffres" and not r["learn_pos_emb"] and r["maxpool"] == "reference", r
            self.resolution = LoggedDiffRes(np.random.RandomState(0), frames, bins, r["reduction"], r["channels"])
            frames = self.resolution.out
            self.div = float(np.float32(meta["input"]["norm_std"] * 2.0))
            self.mean = float(meta["input"]["norm_mean"])
        cin = len(r["channels"]) if r is not None else 1
        (pf, pt), (sf, st) = m["patch"], m["stride"]
        tokens = ((bins - pf) // sf + 1) * ((frames - pt) // st + 1)
        assert tokens + 2 == m["tokens"], (tokens, m["tokens"])
        cfg = dict(dim=m["dim"], depth=m["depth"], heads=m["heads"], patch=tuple(m["patch"]), stride=tuple(m["stride"]))
        tp.CLASSES = classes   # the mirror's head width is a module constant; the weights are replaced below anyway
        self.backbone = tp.Ast(np.random.RandomState(0), cfg, cin, tokens)
        self.guide = None

    def forward(self, x):
        if self.resolution is None:
            return self.backbone(x)
        feats, self.guide = self.resolution(x)
        log_mel = [c != "pos" for c in self.resolution.channels]
        n = len(log_mel)
        scale = torch.tensor([1 / self.div if k else 1.0 for k in log_mel], dtype=x.dtype).reshape(1, n, 1, 1)
        shift = torch.tensor([-self.mean / self.div if k else 0.0 for k in log_mel], dtype=x.dtype).reshape(1, n, 1, 1)
        return self.backbone(feats * scale + shift)


def build_model(folder, meta):
    """The mirror (AST, or DiffRes + AST) with tempora's keys, loaded (strictly) from init.npz, in float32."""
    m = meta["model"]
    assert m["mlp_hidden"] == 4 * m["dim"], "the mirror's MLP is 4x wide"
    model = Pipeline(meta, meta["input"]["classes"], meta["input"]["frames"], meta["input"]["bins"])
    init = np.load(os.path.join(folder, "init.npz"))
    state = {k: torch.from_numpy(np.array(init[k], dtype=np.float32)) for k in init.files}
    mine = {(k if k.startswith("resolution.") else k[len("backbone."):]): v for k, v in model.state_dict().items()}
    # BatchNorm's num_batches_tracked counter is PyTorch's alone (it only matters for momentum=None)
    counters = {k for k in mine if k.endswith("num_batches_tracked")}
    missing = (set(mine) ^ set(state)) - counters
    assert not missing, f"state dict keys differ: {sorted(missing)}"
    for k, v in mine.items():
        if k in state:
            assert tuple(v.shape) == tuple(state[k].shape), (k, v.shape, state[k].shape)
    if model.resolution is not None:
        model.resolution.load_state_dict({k[len("resolution."):]: (state[k] if k in state else mine[k])
                                          for k in mine if k.startswith("resolution.")}, strict=True)
    model.backbone.load_state_dict({k: state[k] for k in mine if not k.startswith("resolution.")}, strict=True)
    return model.float()


def named_parameters(model):
    """Parameters under tempora's names (the parity mirror's rule: resolution.* then the backbone's own keys)."""
    return tp.Pipeline.params(model)


def make_optimizer(model, meta):
    t = meta["train"]
    params = named_parameters(model)
    decay = set(meta["decay"])
    assert decay | set(meta["no_decay"]) == set(params), "weight-decay split does not cover the model's parameters"
    betas, eps, wd = tuple(t["betas"]), t["eps"], t["weight_decay"]
    if t["optimizer"] == "adamw":
        groups = [{"params": [p for k, p in params.items() if k in decay], "weight_decay": wd},
                  {"params": [p for k, p in params.items() if k not in decay], "weight_decay": 0.0}]
        return torch.optim.AdamW(groups, lr=t["lr"], betas=betas, eps=eps), list(params.values())
    if t["optimizer"] == "adam":   # tempora's coupled L2 applies to every parameter
        return torch.optim.Adam(list(params.values()), lr=t["lr"], betas=betas, eps=eps, weight_decay=wd), list(params.values())
    raise SystemExit(f"unknown optimizer {t['optimizer']}")


def cross_entropy(logits, labels):
    """tempora's Losses.crossEntropy: mean_b(-sum_c onehot * log_softmax)."""
    target = F.one_hot(labels, logits.shape[1]).to(logits.dtype)
    return -(torch.log_softmax(logits, -1) * target).sum(1).mean()


@torch.no_grad()
def validate(model, x, y, batch):
    """Mean loss (per-batch means weighted by batch size, as tempora's Evaluator) and top-1 (first maximum)."""
    total, correct = 0.0, 0
    for s in range(0, len(y), batch):
        xb, yb = x[s:s + batch], y[s:s + batch]
        logits = model(xb)
        total += float(cross_entropy(logits, yb)) * len(yb)
        correct += int((logits.argmax(1) == yb).sum())
    return total / len(y), correct / len(y)


def load_data(folder):
    arrays = {n: np.load(os.path.join(folder, n + ".npy")) for n in
              ("train_x", "train_y", "valid_x", "valid_y", "order", "lr")}
    out = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items() if k != "lr"}
    out["lr"] = arrays["lr"]
    assert out["train_x"].dtype == torch.float32 and out["train_y"].dtype == torch.int64
    return out


def train(folder, steps=None, threads=2, write=True):
    torch.set_num_threads(threads)
    meta = load_meta(folder)
    d = load_data(folder)
    total = len(d["lr"])
    steps = total if steps is None else min(steps, total)
    every = meta["train"]["eval_every"]
    clip = meta["train"]["grad_clip"]
    eval_batch = meta["train"]["eval_batch_size"]
    model = build_model(folder, meta)
    opt, params = make_optimizer(model, meta)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; AST dim {meta['model']['dim']} depth "
          f"{meta['model']['depth']} heads {meta['model']['heads']}, {sum(p.numel() for p in params) / 1e6:.3f} M "
          f"parameters; {len(d['train_y'])} train / {len(d['valid_y'])} valid clips; {steps} of {total} steps",
          flush=True)
    rows, norms = [], []
    out = open(os.path.join(folder, "torch_curve.csv"), "w", newline="") if write else None
    w = csv.writer(out) if out else None
    if w:
        w.writerow(COLUMNS)
    if write:   # timing runs (write=False) skip validation
        model.eval()
        vl, vt = validate(model, d["valid_x"], d["valid_y"], eval_batch)
        print(f"step 0: valid loss {vl:.4f} top-1 {100 * vt:.2f} %", flush=True)
        w.writerow([0, "", "", "", f"{vl:.8f}", f"{vt:.6f}", "", "", "", ""])
        out.flush()
    model.train()
    window, seconds = 0.0, 0.0
    for s in range(steps):
        idx = d["order"][s]
        xb, yb = d["train_x"][idx], d["train_y"][idx]
        lr = float(d["lr"][s])
        t0 = time.perf_counter()
        for g in opt.param_groups:
            g["lr"] = lr
        loss = cross_entropy(model(xb), yb)
        if model.guide is not None:
            loss = loss + model.guide
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = float(torch.nn.utils.clip_grad_norm_(params, clip if clip > 0 else math.inf))
        opt.step()
        secs = time.perf_counter() - t0
        seconds += secs
        value = float(loss)
        window += value
        norms.append(norm)
        vl_s = vt_s = ""
        if write and ((s + 1) % every == 0 or s + 1 == steps):
            model.eval()
            vl, vt = validate(model, d["valid_x"], d["valid_y"], eval_batch)
            model.train()
            n = every if (s + 1) % every == 0 else (s + 1) % every
            extra = (f", activeness {model.resolution.activeness:.4f} (score std, all clips, {model.resolution.score_std:.4f})"
                     if model.resolution is not None else "")
            print(f"step {s + 1}: lr {lr:.3g}, train loss (mean of last {n}) {window / n:.4f}, valid loss {vl:.4f} "
                  f"top-1 {100 * vt:.2f} %, grad norm {norm:.3g}, {seconds / (s + 1):.3f} s/step{extra}", flush=True)
            window = 0.0
            vl_s, vt_s = f"{vl:.8f}", f"{vt:.6f}"
        rows.append((s + 1, value, secs))
        r = model.resolution
        diff = [f"{float(model.guide):.8f}", f"{r.activeness:.8f}", f"{r.score_std:.8f}", f"{r.with_empty:.6f}"] if r else [""] * 4
        if w:
            w.writerow([s + 1, f"{lr:.9g}", f"{value:.8f}", f"{secs:.4f}", vl_s, vt_s] + diff)
            out.flush()
    if out:
        out.close()
        np.save(os.path.join(folder, "torch_grad_norm.npy"), np.array(norms, dtype=np.float32))
        print(f"wrote {os.path.join(folder, 'torch_curve.csv')}")
    return rows


def read_curve(path):
    with open(path) as fh:
        r = list(csv.DictReader(fh))
    def num(v):
        return float(v) if v not in ("", None) else None
    return {int(row["step"]): {k: num(v) for k, v in row.items() if k != "step"} for row in r}


def compare(folder, every=None):
    """Every E steps: mean train loss over the last E steps, valid loss and top-1, tempora next to PyTorch."""
    a = read_curve(os.path.join(folder, "tempora_curve.csv"))
    b = read_curve(os.path.join(folder, "torch_curve.csv"))
    meta = load_meta(folder)
    every = every or meta["train"]["eval_every"]
    last = min(max(a), max(b))
    steps = [s for s in range(1, last + 1) if s in a and s in b and a[s]["train_loss"] is not None]
    print(f"{folder}: tempora {max(a)} steps, torch {max(b)} steps; compared up to {last}")
    if steps:
        dev = [abs(a[s]["train_loss"] - b[s]["train_loss"]) for s in steps]
        first = next((s for s, d in zip(steps, dev) if d > 1e-3), None)
        print(f"per-step |train loss difference|: step 1 {dev[0]:.2e}, max over steps 1-10 {max(dev[:10]):.2e}, "
              f"first step above 1e-3: {first if first is not None else 'none'}")
        ta = [a[s]["step_seconds"] for s in steps[1:] or steps]
        tb = [b[s]["step_seconds"] for s in steps[1:] or steps]
        print(f"median step time: tempora {np.median(ta):.3f} s, torch {np.median(tb):.3f} s")
    print(f"{'step':>6} {'lr':>9} | {'train loss (mean of window)':^27} | {'valid loss':^17} | {'valid top-1 %':^15}")
    print(f"{'':>6} {'':>9} | {'tempora':>13} {'torch':>13} | {'tempora':>8} {'torch':>8} | {'tempora':>7} {'torch':>7}")

    def fmt(v, f):
        return format(v, f) if v is not None else "-"
    marks = [0] + [s for s in range(every, last + 1, every)]
    if last not in marks:
        marks.append(last)
    diffres = any(a[s].get("activeness") is not None for s in a)
    prev = 0
    for m in marks:
        win = [s for s in range(prev + 1, m + 1) if s in a and s in b]
        la = np.mean([a[s]["train_loss"] for s in win]) if win else None
        lb = np.mean([b[s]["train_loss"] for s in win]) if win else None
        va, vb = a.get(m, {}), b.get(m, {})
        ta = va.get("valid_top1")
        tb = vb.get("valid_top1")
        lr = va.get("lr")
        line = (f"{m:>6} {fmt(lr, '9.3g'):>9} | {fmt(la, '13.4f'):>13} {fmt(lb, '13.4f'):>13} | "
                f"{fmt(va.get('valid_loss'), '8.4f'):>8} {fmt(vb.get('valid_loss'), '8.4f'):>8} | "
                f"{fmt(None if ta is None else 100 * ta, '7.2f'):>7} {fmt(None if tb is None else 100 * tb, '7.2f'):>7}")
        if diffres and win:   # activeness: mean over the window, both sides; score std: PyTorch side only
            aa = np.mean([a[s]["activeness"] for s in win])
            ab = np.mean([b[s]["activeness"] for s in win])
            sa = np.mean([a[s]["score_std"] for s in win]) if a[win[0]].get("score_std") is not None else float("nan")
            sb = np.mean([b[s]["score_std"] for s in win])
            line += f" | activeness {aa:.4f} {ab:.4f} | score std {sa:.4f} {sb:.4f}"
        print(line)
        prev = m


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train the PyTorch mirror, write torch_curve.csv")
    t.add_argument("folder")
    t.add_argument("--steps", type=int, default=None, help="stop after this many steps (default: all in lr.npy)")
    t.add_argument("--threads", type=int, default=2)
    c = sub.add_parser("compare", help="print tempora_curve.csv and torch_curve.csv side by side")
    c.add_argument("folder")
    c.add_argument("--every", type=int, default=None, help="window / row spacing (default: meta eval_every)")
    m = sub.add_parser("time", help="time a few training steps (nothing written)")
    m.add_argument("folder")
    m.add_argument("--steps", type=int, default=3)
    m.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if a.cmd == "train":
        train(a.folder, a.steps, a.threads)
    elif a.cmd == "compare":
        compare(a.folder, a.every)
    else:
        rows = train(a.folder, a.steps, a.threads, write=False)
        for s, loss, secs in rows:
            print(f"step {s}: loss {loss:.6f}, {secs:.3f} s")


if __name__ == "__main__":
    main()
