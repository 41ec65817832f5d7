#!/usr/bin/env python3
"""Training-step parity fixtures: 20 AdamW steps of tempora's models, re-built in PyTorch.

For each of four tiny models (AST with square patches, AST with FFTP tokens, DiffRes + AST, Audio Mamba v2) this
script builds a PyTorch module with exactly tempora's state_dict keys, draws its initial weights, runs STEPS
optimiser steps of torch.optim.AdamW on fixed batches (no augmentation, no dropout, no mixup, no noise, constant
learning rate) and writes, under OUT/<model>/:

  init.npz    the initial state_dict (float32; BatchNorm's num_batches_tracked int64) that tempora loads
  final.npz   the state_dict after the last step (parameters and BatchNorm buffers)
  case.json   the tempora config overrides, input sizes, normalisation, optimiser settings, the batch of each step,
              the loss of each step (task loss + DiffRes guide loss, as tempora's Trainer adds them), the guide
              loss of each step, the gradient norm of each step and which parameters get weight decay

and the batches shared by all models to OUT/batches.npz (int8 codes q, x = q/8 - 6, and int64 labels).

The model code mirrors tempora's Java sources and docs/reference-spec (it is not taken from any other project):
AST (timm-style pre-norm blocks, cls + dist tokens, mean of both, LayerNorm + Linear head), Audio Mamba (middle
class token, RMSNorm, bidirectional "v2" mixer with the sequential selective scan), DiffRes (the convolutional
estimator with BatchNorm in train mode, score normalisation, the O(T) warp, avg / reference max-pool / resolution
encoding channels and the guide loss). Convolutions are written as unfold + matmul so that no oneDNN kernel is
involved on either side.

By default the reference runs in float64 (initial weights and inputs are float32 values, so both sides start from
the same numbers): it is then the exact-arithmetic trajectory up to ~1e-15, and the deviation of tempora's float32
run from it is tempora's own float32 error. --dtype float32 runs the PyTorch mirror in float32 instead;
--noise prints how far the float32 and float64 PyTorch runs drift apart (the float32 noise floor that the
tolerances of TrainingParityTest are set against); --adam-form eps-inside prints how far AdamW with ε added before
the bias correction of v (DJL's fused update as tempora called it before) lands from torch.optim.AdamW.

DiffRes training is chaotic in float32 near its branch points (docs/engine.md, "Training-step parity with
PyTorch"), so its case centres the estimator's conv biases on the first batch, tempers the last block and uses a
smaller learning rate; case.json records how close every branch decision came to its threshold over the 20 steps.

    /usr/bin/python3 tools/parity/train_parity.py                      # regenerate src/test/resources/parity
    /usr/bin/python3 tools/parity/train_parity.py --noise --out /tmp/p # also measure float32 vs float64
"""

import argparse
import json
import math
import os
import platform

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FRAMES, BINS, CLASSES, BATCH = 64, 32, 4, 4
DISTINCT_BATCHES, STEPS = 5, 20
NORM_MEAN, NORM_STD = -6.0, 4.0          # tempora normalises (x - mean) / (2 std) = (x + 6) / 8
Q_SCALE, Q_OFFSET = 0.125, -6.0          # batches are stored as int8 codes q: x = q * 0.125 - 6 (exact in float32)
SILENT_CODE = -128                       # x = -22 in every bin: the batch-minimum energy, DiffRes's "empty" frames
BETAS, EPS, WEIGHT_DECAY = (0.9, 0.999), 1e-8, 0.05
SEED = 20240611

# name -> model; tempora_sets() turns each into the --set overrides that build the same model in tempora
MODELS = {
    # AST, square 8x8 patches overlapping in both axes (stride 6): 5 x 10 = 50 tokens, 2 blocks
    "ast-square": dict(backbone="ast", dim=16, depth=2, heads=2, tokens="square", patch=(8, 8), stride=(6, 6),
                       lr=1e-3, clip=0.0),
    # AST, FFTP tokens (all 32 mel bins x 8 frames, stride 4): 15 tokens; global-norm clipping at 0.5 (always active)
    "ast-fftp": dict(backbone="ast", dim=16, depth=1, heads=2, tokens="fftp", patch=(BINS, 8), stride=(BINS, 4),
                     lr=1e-3, clip=0.5),
    # DiffRes (delta 0.5: 64 -> 32 frames, channels avg, max (reference grouping), pos) + AST on 8x8 patches
    "diffres-ast": dict(backbone="ast", dim=16, depth=1, heads=2, tokens="square", patch=(8, 8), stride=(8, 8),
                        resolution=0.5, channels=("avg", "max", "pos"), maxpool="reference",
                        estimator_gain=0.5, estimator_offset=-3.0, estimator_active=0.9, lr=1e-4, clip=0.0),
    # Audio Mamba, bidirectional v2, 2 layers, 8x8 patches: 4 x 8 = 32 tokens + the middle class token
    "aum": dict(backbone="aum", dim=16, depth=2, bimamba="v2", tokens="square", patch=(8, 8), stride=(8, 8),
                lr=1e-3, clip=0.0),
}


def tempora_sets(cfg):
    """The tempora config overrides (ConfigLoader --set syntax, on the defaults) of a model description."""
    sets = [f"backbone.kind={cfg['backbone']}", f"backbone.dim={cfg['dim']}", f"backbone.depth={cfg['depth']}"]
    if cfg["backbone"] == "ast":
        sets.append(f"backbone.heads={cfg['heads']}")
    else:
        sets += ["backbone.size=micro", f"backbone.bimamba={cfg['bimamba']}", "backbone.scan=auto"]
    if cfg["tokens"] == "fftp":
        sets += ["tokens.kind=fftp", f"tokens.fftp_width={cfg['patch'][1]}", f"tokens.fftp_stride={cfg['stride'][1]}"]
    else:
        sets += ["tokens.kind=square", f"tokens.patch=[{cfg['patch'][0]}, {cfg['patch'][1]}]",
                 f"tokens.stride=[{cfg['stride'][0]}, {cfg['stride'][1]}]"]
    if cfg.get("resolution") is None:
        sets.append("resolution.kind=none")
    else:
        sets += ["resolution.kind=diffres", f"resolution.reduction={cfg['resolution']}",
                 f"resolution.channels=[{', '.join(cfg['channels'])}]", "resolution.learn_pos_emb=false",
                 f"resolution.maxpool={cfg['maxpool']}"]
    sets += ["train.optimizer=adamw", f"train.lr={cfg['lr']}", f"train.weight_decay={WEIGHT_DECAY}",
             f"train.betas=[{BETAS[0]}, {BETAS[1]}]", f"train.eps={EPS}", f"train.grad_clip={cfg['clip']}",
             "train.loss=ce", "train.schedule.kind=constant", "train.schedule.warmup_steps=0",
             "augment.freqm=0", "augment.timem=0", "augment.mixup=0.0", "augment.noise=false",
             "augment.specmask_ratio=0.0"]
    return sets


# ----------------------------------------------------------------------------------------------- batches

def make_batches(rng):
    """DISTINCT_BATCHES batches of BATCH log-mel clips [T, F] as int8 codes, with labels.

    Class c has energy in its own band of 8 mel bins, with a class-specific temporal pattern, over a noise floor;
    some clips end in digital silence (all bins at the code SILENT_CODE), which DiffRes's guide loss treats as empty.
    """
    q = np.zeros((DISTINCT_BATCHES, BATCH, FRAMES, BINS), np.int8)
    y = np.zeros((DISTINCT_BATCHES, BATCH), np.int64)
    t = np.arange(FRAMES)[:, None]
    f = np.arange(BINS)[None, :]
    for s in range(DISTINCT_BATCHES):
        labels = rng.permutation(CLASSES)[:BATCH] if BATCH <= CLASSES else rng.randint(0, CLASSES, BATCH)
        for b in range(BATCH):
            c = int(labels[b])
            x = -11.0 + 1.5 * rng.randn(FRAMES, BINS) - 0.05 * f
            band = (f >= 8 * c) & (f < 8 * c + 8)
            phase = rng.uniform(0, 2 * math.pi)
            envelope = {0: np.ones_like(t, dtype=float),
                        1: 0.5 + 0.5 * np.sin(2 * math.pi * t / 16 + phase),
                        2: (t % 12 < 4).astype(float),
                        3: np.clip(t / FRAMES + 0.2 * np.sin(t / 5 + phase), 0, 1)}[c]
            x = x + band * (7.0 * envelope + rng.uniform(0, 2))
            codes = np.clip(np.round((x - Q_OFFSET) / Q_SCALE), -127, 127).astype(np.int8)
            tail = int(rng.choice([0, 0, 6, 10, 14]))
            if tail:
                codes[FRAMES - tail:, :] = SILENT_CODE
            q[s, b] = codes
            y[s, b] = c
    return q, y


def decode(q):
    return q.astype(np.float32) * np.float32(Q_SCALE) + np.float32(Q_OFFSET)


# ----------------------------------------------------------------------------------------------- layers

def conv2d(x, w, b, stride):
    """Conv2d without padding as unfold + matmul: x [B, C, H, W], w [O, C, kh, kw]."""
    o, c, kh, kw = w.shape
    cols = F.unfold(x, (kh, kw), stride=stride)                      # [B, C·kh·kw, L]
    y = torch.matmul(w.reshape(o, -1), cols) + b.reshape(1, o, 1)    # [B, O, L]
    nh = (x.shape[2] - kh) // stride[0] + 1
    nw = (x.shape[3] - kw) // stride[1] + 1
    return y.reshape(x.shape[0], o, nh, nw)


def conv1d_same(x, w, b, padding):
    """Conv1d, stride 1, symmetric zero padding, as unfold + matmul: x [B, C, L], w [O, C, k]."""
    o, c, k = w.shape
    xp = F.pad(x, (padding, padding))
    cols = xp.unfold(2, k, 1)                                        # [B, C, L', k]
    cols = cols.permute(0, 2, 1, 3).reshape(x.shape[0], -1, c * k)   # [B, L', C·k]
    return (torch.matmul(cols, w.reshape(o, c * k).t()) + b).transpose(1, 2)


def depthwise_causal_conv(x, w, b):
    """Mamba's causal depthwise conv: left padding k-1, x [B, E, L], w [E, 1, k]."""
    k = w.shape[2]
    cols = F.pad(x, (k - 1, 0)).unfold(2, k, 1)                      # [B, E, L, k]
    return (cols * w.reshape(1, w.shape[0], 1, k)).sum(-1) + b.reshape(1, -1, 1)


class ConvParams(nn.Module):
    """Holds a convolution's weight and bias under PyTorch's names."""

    def __init__(self, weight, bias):
        super().__init__()
        self.weight = nn.Parameter(weight)
        self.bias = nn.Parameter(bias)


class PatchEmbed(nn.Module):
    """tempora's PatchEmbed: Conv2d over [B, C, F, T], tokens time-fastest; key proj.weight / proj.bias."""

    def __init__(self, rng, cin, patch, stride, dim):
        super().__init__()
        fan_in = cin * patch[0] * patch[1]
        bound = 1 / math.sqrt(fan_in)
        self.stride = stride
        self.proj = ConvParams(uniform(rng, bound, dim, cin, *patch), uniform(rng, bound, dim))

    def forward(self, x):
        img = x.transpose(1, 2).unsqueeze(1) if x.dim() == 3 else x.transpose(2, 3)
        y = conv2d(img, self.proj.weight, self.proj.bias, self.stride)
        return y.flatten(2).transpose(1, 2)


def uniform(rng, bound, *shape):
    return torch.from_numpy(rng.uniform(-bound, bound, shape).astype(np.float32))


def trunc_normal(rng, std, *shape):
    v = rng.randn(*shape) * std
    while True:
        bad = np.abs(v) > 2
        if not bad.any():
            break
        v[bad] = rng.randn(int(bad.sum())) * std
    return torch.from_numpy(v.astype(np.float32))


def linear(rng, fan_in, fan_out, bias=True, scheme="xavier"):
    m = nn.Linear(fan_in, fan_out, bias=bias)
    with torch.no_grad():
        if scheme == "xavier":
            m.weight.copy_(uniform(rng, math.sqrt(6.0 / (fan_in + fan_out)), fan_out, fan_in))
            if bias:
                m.bias.copy_(uniform(rng, 0.02, fan_out))   # small non-zero biases, so every bias path is exercised
        else:  # PyTorch default
            bound = 1 / math.sqrt(fan_in)
            m.weight.copy_(uniform(rng, bound, fan_out, fan_in))
            if bias:
                m.bias.copy_(uniform(rng, bound, fan_out))
    return m


def layer_norm(rng, dim, eps):
    m = nn.LayerNorm(dim, eps=eps)
    with torch.no_grad():   # perturbed from (1, 0), so that the affine parameters are not a trivial fixed point
        m.weight.copy_(torch.from_numpy((1 + rng.uniform(-0.1, 0.1, dim)).astype(np.float32)))
        m.bias.copy_(uniform(rng, 0.05, dim))
    return m


# ----------------------------------------------------------------------------------------------- AST

class Attention(nn.Module):
    def __init__(self, rng, dim, heads):
        super().__init__()
        self.heads, self.hd = heads, dim // heads
        self.scale = self.hd ** -0.5
        self.qkv = linear(rng, dim, 3 * dim)
        self.proj = linear(rng, dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        t = self.qkv(x).reshape(b, n, 3, self.heads, self.hd).permute(2, 0, 3, 1, 4)
        q, k, v = t[0] * self.scale, t[1], t[2]
        a = torch.softmax(q @ k.transpose(-2, -1), dim=-1)
        return self.proj((a @ v).transpose(1, 2).reshape(b, n, d))


class Mlp(nn.Module):
    def __init__(self, rng, dim, hidden):
        super().__init__()
        self.fc1 = linear(rng, dim, hidden)
        self.fc2 = linear(rng, hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))   # exact (erf) GELU


class Block(nn.Module):
    def __init__(self, rng, dim, heads):
        super().__init__()
        self.norm1 = layer_norm(rng, dim, 1e-6)
        self.attn = Attention(rng, dim, heads)
        self.norm2 = layer_norm(rng, dim, 1e-6)
        self.mlp = Mlp(rng, dim, 4 * dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class Vit(nn.Module):
    def __init__(self, rng, cfg, cin, tokens):
        super().__init__()
        d = cfg["dim"]
        self.cls_token = nn.Parameter(trunc_normal(rng, 0.02, 1, 1, d))
        self.pos_embed = nn.Parameter(trunc_normal(rng, 0.02, 1, tokens + 2, d))
        self.dist_token = nn.Parameter(trunc_normal(rng, 0.02, 1, 1, d))
        self.patch_embed = PatchEmbed(rng, cin, cfg["patch"], cfg["stride"], d)
        self.blocks = nn.ModuleList([Block(rng, d, cfg["heads"]) for _ in range(cfg["depth"])])
        self.norm = layer_norm(rng, d, 1e-6)


class Ast(nn.Module):
    """AST: [cls, dist] + patches + pos → blocks → LayerNorm → (h_cls + h_dist)/2 → mlp_head (LN 1e-5, Linear)."""

    def __init__(self, rng, cfg, cin, tokens):
        super().__init__()
        self.v = Vit(rng, cfg, cin, tokens)
        self.mlp_head = nn.Sequential(layer_norm(rng, cfg["dim"], 1e-5), linear(rng, cfg["dim"], CLASSES, scheme="torch"))

    def forward(self, x):
        p = self.v.patch_embed(x)
        b, _, d = p.shape
        h = torch.cat([self.v.cls_token.expand(b, 1, d), self.v.dist_token.expand(b, 1, d), p], 1) + self.v.pos_embed
        for blk in self.v.blocks:
            h = blk(h)
        h = self.v.norm(h)
        return self.mlp_head((h[:, 0] + h[:, 1]) / 2)


# ----------------------------------------------------------------------------------------------- Audio Mamba

class RmsNorm(nn.Module):
    def __init__(self, rng, dim, eps=1e-5):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.from_numpy((1 + rng.uniform(-0.1, 0.1, dim)).astype(np.float32)))

    def forward(self, x):
        return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class MambaMixer(nn.Module):
    """ViM's bidirectional "v2" mixer: shared in/out projections, a conv, x/dt projections, A and D per direction;
    the backward branch runs on the time-flipped in_proj output; the two gated outputs are averaged."""

    def __init__(self, rng, dim, n_layer, d_state=16, d_conv=4, expand=2):
        super().__init__()
        e = expand * dim
        self.e, self.n, self.r = e, d_state, (dim + 15) // 16
        a_log = torch.log(torch.arange(1, d_state + 1, dtype=torch.float32)).repeat(e, 1)
        self.A_log = nn.Parameter(a_log + uniform(rng, 0.05, e, d_state))
        self.D = nn.Parameter(1 + uniform(rng, 0.1, e))
        self.A_b_log = nn.Parameter(a_log + uniform(rng, 0.05, e, d_state))
        self.D_b = nn.Parameter(1 + uniform(rng, 0.1, e))
        self.in_proj = linear(rng, dim, 2 * e, bias=False, scheme="torch")
        self.conv1d = ConvParams(uniform(rng, 1 / math.sqrt(d_conv), e, 1, d_conv), uniform(rng, 1 / math.sqrt(d_conv), e))
        self.x_proj = linear(rng, e, self.r + 2 * d_state, bias=False, scheme="torch")
        self.dt_proj = self._dt_proj(rng)
        self.conv1d_b = ConvParams(uniform(rng, 1 / math.sqrt(d_conv), e, 1, d_conv), uniform(rng, 1 / math.sqrt(d_conv), e))
        self.x_proj_b = linear(rng, e, self.r + 2 * d_state, bias=False, scheme="torch")
        self.dt_proj_b = self._dt_proj(rng)
        self.out_proj = linear(rng, e, dim, bias=False, scheme="torch")
        with torch.no_grad():
            self.out_proj.weight.div_(math.sqrt(n_layer))

    def _dt_proj(self, rng):
        m = nn.Linear(self.r, self.e)
        dt = np.maximum(1e-4, np.exp(rng.uniform(math.log(1e-3), math.log(1e-1), self.e)))
        with torch.no_grad():
            m.weight.copy_(uniform(rng, self.r ** -0.5, self.e, self.r))
            m.bias.copy_(torch.from_numpy((dt + np.log(-np.expm1(-dt))).astype(np.float32)))   # softplus⁻¹(dt)
        return m

    def branch(self, xz, conv, x_proj, dt_proj, a_log, d):
        e, n, r = self.e, self.n, self.r
        length = xz.shape[2]
        x, z = xz[:, :e], xz[:, e:]
        u = F.silu(depthwise_causal_conv(x, conv.weight, conv.bias))          # [B, E, L]
        x_dbl = x_proj(u.transpose(1, 2))                                     # [B, L, R + 2n]
        delta = F.softplus(torch.matmul(x_dbl[..., :r], dt_proj.weight.t()).transpose(1, 2)
                           + dt_proj.bias.reshape(1, e, 1))                   # [B, E, L]
        bm = x_dbl[..., r:r + n].transpose(1, 2)                              # [B, n, L]
        cm = x_dbl[..., r + n:].transpose(1, 2)
        a = -torch.exp(a_log)                                                 # [E, n]
        h = None
        ys = []
        for step in range(length):   # the reference's sequential scan
            dl = delta[:, :, step].unsqueeze(-1)                              # [B, E, 1]
            inp = dl * u[:, :, step].unsqueeze(-1) * bm[:, :, step].unsqueeze(1)
            h = inp if h is None else torch.exp(dl * a) * h + inp             # [B, E, n]
            ys.append((h * cm[:, :, step].unsqueeze(1)).sum(-1))              # [B, E]
        y = torch.stack(ys, 2) + u * d.reshape(1, e, 1)
        return y * F.silu(z)

    def forward(self, hidden):
        xz = self.in_proj(hidden).transpose(1, 2)                             # [B, 2E, L]
        f = self.branch(xz, self.conv1d, self.x_proj, self.dt_proj, self.A_log, self.D)
        b = self.branch(xz.flip(2), self.conv1d_b, self.x_proj_b, self.dt_proj_b, self.A_b_log, self.D_b)
        return self.out_proj(((f + b.flip(2)) / 2).transpose(1, 2))


class MambaLayer(nn.Module):
    def __init__(self, rng, dim, depth):
        super().__init__()
        self.mixer = MambaMixer(rng, dim, depth)
        self.norm = RmsNorm(rng, dim)


class PosEmbedHolder(nn.Module):
    def __init__(self, table):
        super().__init__()
        self.pos_embed = nn.Parameter(table)


class AudioMamba(nn.Module):
    """AuM: patches → cls at index N//2 (its pos-embed row first) → add/RMSNorm/mixer blocks → norm_f → head."""

    def __init__(self, rng, cfg, cin, tokens):
        super().__init__()
        d = cfg["dim"]
        self.cls_token = nn.Parameter(trunc_normal(rng, 0.02, 1, 1, d))
        self.head = nn.Linear(d, CLASSES)
        with torch.no_grad():
            self.head.weight.copy_(trunc_normal(rng, 0.2, CLASSES, d))
            self.head.bias.copy_(uniform(rng, 0.02, CLASSES))
        self.layers = nn.ModuleList([MambaLayer(rng, d, cfg["depth"]) for _ in range(cfg["depth"])])
        self.norm_f = RmsNorm(rng, d)
        self.patch_embed = PatchEmbed(rng, cin, cfg["patch"], cfg["stride"], d)
        self.pos_embed = PosEmbedHolder(trunc_normal(rng, 0.02, 1, tokens + 1, d))

    def forward(self, x):
        p = self.patch_embed(x)
        b, n, d = p.shape
        with_pos = torch.cat([self.cls_token.expand(b, 1, d), p], 1) + self.pos_embed.pos_embed
        mid = n // 2
        h = torch.cat([with_pos[:, 1:mid + 1], with_pos[:, 0:1], with_pos[:, mid + 1:]], 1)
        residual, hidden = None, h
        for layer in self.layers:
            residual = hidden if residual is None else residual + hidden
            hidden = layer.mixer(layer.norm(residual))
        residual = residual + hidden
        return self.head(self.norm_f(residual[:, mid]))


# ----------------------------------------------------------------------------------------------- DiffRes

EPS_LOG = 1e-12
RESCALE_MIN, RESCALE_MAX = 1e-4, 1 - 1e-4


def sinusoid_table(frames, bins):
    """pydiffres's PositionalEncoding table in float32: P[j, 2k] = sin(j·w_k), P[j, 2k+1] = cos(j·w_k)."""
    position = torch.arange(frames, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, bins, 2, dtype=torch.float32) * (-math.log(10000.0) / bins))
    p = torch.zeros(frames, bins)
    p[:, 0::2] = torch.sin(position * div)
    p[:, 1::2] = torch.cos(position * div)
    return p.unsqueeze(0)


def channel_plan(bins):
    if bins in (40, 64):
        return [bins, bins, bins // 2, bins // 4, bins // 4, 1]
    plan, c = [bins], bins
    while c // 2 >= 8:
        c //= 2
        plan.append(c)
    return plan + [1]


class Conv1dSame(nn.Module):
    def __init__(self, rng, cin, cout, k=5, padding=2):
        super().__init__()
        bound = 1 / math.sqrt(cin * k)
        self.padding = padding
        self.weight = nn.Parameter(uniform(rng, bound, cout, cin, k))
        self.bias = nn.Parameter(uniform(rng, bound, cout))

    def forward(self, x):
        return conv1d_same(x, self.weight, self.bias, self.padding)


class EstimatorBlock(nn.Module):
    """u = BN1(ReLU(conv1(x))); out = BN2(ReLU(conv2(u))) + u (ReLU before BatchNorm, residual u)."""

    def __init__(self, rng, cin, cout, gain=1.0):
        super().__init__()
        self.cnn1 = Conv1dSame(rng, cin, cout)
        self.batch_norm1 = nn.BatchNorm1d(cout)
        self.cnn2 = Conv1dSame(rng, cout, cout)
        self.batch_norm2 = nn.BatchNorm1d(cout)
        for bn in (self.batch_norm1, self.batch_norm2):
            with torch.no_grad():
                bn.weight.copy_(torch.from_numpy((gain * (1 + rng.uniform(-0.1, 0.1, cout))).astype(np.float32)))
                bn.bias.copy_(uniform(rng, 0.05, cout))

    def forward(self, x):
        u = self.batch_norm1(F.relu(self.cnn1(x)))
        return self.batch_norm2(F.relu(self.cnn2(u))) + u


class Estimator(nn.Module):
    def __init__(self, rng, bins, last_gain, last_offset):
        super().__init__()
        plan = channel_plan(bins)
        n = len(plan) - 1
        self.blks = nn.ModuleList([EstimatorBlock(rng, plan[i], plan[i + 1], last_gain if i == n - 1 else 1.0)
                                   for i in range(n)])
        with torch.no_grad():   # the logit is batch_norm2 + batch_norm1 of the last block: shift it by last_offset
            for bn in (self.blks[-1].batch_norm1, self.blks[-1].batch_norm2):
                bn.bias.add_(last_offset / 2)

    def forward(self, x):
        for b in self.blks:
            x = b(x)
        return x

    @torch.no_grad()
    def centre_biases(self, x, active):
        """Data-dependent bias init on the batch x [B, F, T] (raw log-mel, float32): each conv bias is set so that its
        channel's pre-activation has the given fraction of positions above 0. With the default init on raw log-mel
        (values near -11), many channels start dead or nearly dead (a few tiny activations that BatchNorm then
        scales up by up to 1/sqrt(eps)); their gradients are then rounding-dominated and Adam turns them into
        full-size steps of either sign, so two float32 runs part ways within a few steps. Centred channels keep
        the 20-step trajectory well conditioned (see --noise)."""
        def centre(conv, inp):
            pre = conv1d_same(inp, conv.weight, torch.zeros_like(conv.bias), conv.padding)
            flat = pre.transpose(0, 1).reshape(pre.shape[1], -1)
            # plus 1e-3 std, so that no pre-activation sits exactly on the ReLU's kink
            conv.bias.copy_((-torch.quantile(flat, 1 - active, dim=1) + 1e-3 * flat.std(dim=1)).float())

        for b in self.blks:
            centre(b.cnn1, x)
            u = b.batch_norm1(F.relu(b.cnn1(x)))
            centre(b.cnn2, u)
            x = b.batch_norm2(F.relu(b.cnn2(u))) + u
        self.reset_running_stats()

    def reset_running_stats(self):
        for m in self.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.reset_running_stats()


class DiffRes(nn.Module):
    """DiffRes with frozen resolution-encoding table (a buffer), channels [avg, max (reference grouping), pos]."""

    def __init__(self, rng, frames, bins, reduction, channels=("avg", "max", "pos"), maxpool="reference", last_gain=1.0,
                 last_offset=0.0, centre=None):
        super().__init__()
        self.margins = {}
        self.reduction = reduction
        self.channels = list(channels)
        assert maxpool == "reference", "only pydiffres's grouping (tempora's default) is mirrored"
        self.out = int(frames * (1 - reduction))
        self.register_buffer("pos_emb", sinusoid_table(frames, bins))
        self.model = Estimator(rng, bins, last_gain, last_offset)
        if centre is not None:
            self.model.centre_biases(centre[0].transpose(1, 2), centre[1])

    def margin(self, name, value):
        """Keeps the smallest distance of a branch decision from its threshold over the whole run."""
        value = float(value)
        self.margins[name] = min(value, self.margins.get(name, math.inf))

    def score_norm(self, raw):
        t = self.out
        s = raw / raw.sum(1, keepdim=True) * t
        mx = s.max(1, keepdim=True).values
        self.margin("rescale: |max s - 1|", (mx - 1).abs().min())
        top2 = s.detach().topk(2, dim=1).values
        self.margin("rescale: relative gap of the two largest s", ((top2[:, 0] - top2[:, 1]) / top2[:, 0]).min())
        rescaled = (mx >= 1).to(s.dtype)
        if not bool(rescaled.any()):
            return s
        s = s / (mx * rescaled + (1 - rescaled))            # samples whose max is ≥ 1 are divided by it
        deficit = t - s.sum(1)
        inside = ((s > RESCALE_MIN) & (s < RESCALE_MAX)).to(s.dtype)
        near = torch.minimum((s - RESCALE_MIN).abs(), (s - RESCALE_MAX).abs())
        self.margin("push set: |s - bounds|", near[s != 1].min())   # s = max/max is exactly 1 everywhere
        headroom = (1 - s) * inside
        hsum = headroom.sum(1)
        coef = []
        for i in range(s.shape[0]):
            if bool(rescaled[i]):
                self.margin("push: |deficit - 1|", (deficit[i] - 1).abs())
            if not bool(deficit[i] >= 1):
                coef.append(torch.zeros((), dtype=s.dtype))
                continue
            alpha = deficit[i] / hsum[i]
            self.margin("push: |alpha - 1|", (alpha - 1).abs())
            if not bool(alpha <= 1) or not bool(torch.isfinite(alpha)):
                coef.append(torch.ones((), dtype=s.dtype))  # α = min(1, ·) clips to the constant 1: no gradient
            else:
                coef.append(alpha)
        return s + headroom * torch.stack(coef).unsqueeze(1)

    def warp(self, s):
        """Dense W [B, T, t] from the O(T) overlap form: frame j covers [c_{j-1}, c_j]; it overlaps cell
        k = floor(c_{j-1}) by a and, when it crosses k+1, cell k+1 by b = s - a."""
        t = self.out
        bsz, frames = s.shape
        c = torch.cumsum(s, 1)
        interior = c[:, :-1].detach()          # the last boundary is t (or below): its kink is harmless, see docs
        self.margin("warp: |c_j - nearest integer|", (interior - torch.round(interior)).abs().min())
        prev = torch.cat([torch.zeros_like(c[:, :1]), c[:, :-1]], 1)
        k = torch.floor(prev.detach())
        cross = c.detach() > k + 1
        head = (k + 1) - prev
        a = torch.where(cross, head, s).clamp(0, 1)
        b = torch.where(cross, s - head, torch.zeros_like(s)).clamp(0, 1)
        cell_a = torch.where(k < t, k, torch.full_like(k, -1)).long()
        cell_b = torch.where(cross & (k + 1 < t), k + 1, torch.full_like(k, -1)).long()
        iota = torch.arange(t).reshape(1, 1, t)
        oh_a = (cell_a.unsqueeze(2) == iota).to(s.dtype)
        oh_b = (cell_b.unsqueeze(2) == iota).to(s.dtype)
        return a.unsqueeze(2) * oh_a + b.unsqueeze(2) * oh_b, a, b, cell_a, cell_b

    def max_pool(self, a, b, cell_a, cell_b, linear):
        """pydiffres's odd/even scatter max: per parity p, sc = row sums of W over columns ≡ p; groups from the
        float32 cumulative sum of sc with the 0.01 shift; the first frame with the largest E·sc (> 0) wins."""
        t = self.out
        bsz, frames, bins = linear.shape
        out = torch.zeros(bsz, t, bins, dtype=linear.dtype)
        for p in (0, 1):
            sc = a * ((cell_a >= 0) & (cell_a % 2 == p)).to(a.dtype) + b * ((cell_b >= 0) & (cell_b % 2 == p)).to(a.dtype)
            n_groups = (t + 1) // 2 if p == 0 else t // 2
            if n_groups == 0:
                continue
            cum = torch.cumsum(sc.detach().float(), 1).numpy()          # the reference casts to float32 here
            frac = cum - np.floor(cum)
            self.margin("max-pool groups: |frac(c) - 0.01|", float(np.abs(frac - np.float32(0.01)).min()))
            cum = np.where(frac < np.float32(0.01), cum - np.float32(0.01), cum).astype(np.float32)
            group = np.clip(np.floor(cum).astype(np.int64), 0, max(n_groups, 1) - 1)
            values = linear * sc.unsqueeze(2)                             # [B, T, F]
            vals = values.detach().numpy()
            for bi in range(bsz):
                for g in range(n_groups):
                    members = np.nonzero(group[bi] == g)[0]
                    if members.size == 0:
                        continue
                    block = vals[bi, members]                             # [m, F]
                    win = members[np.argmax(block, axis=0)]               # first maximum per bin
                    best = block.max(axis=0)
                    if members.size > 1:   # exact ties (equal frames) are resolved alike everywhere: first wins
                        top2 = np.sort(block, axis=0)[-2:]
                        gap = (top2[1] - top2[0]) / top2[1]
                        if (gap > 0).any():
                            self.margin("max-pool winner: relative gap", float(gap[gap > 0].min()))
                    hit = torch.from_numpy((best > 0).astype(np.float64)).to(linear.dtype)
                    picked = values[bi, torch.from_numpy(win), torch.arange(bins)]
                    out[bi, 2 * g + p] = picked * hit
        return torch.log(out * (1.0 / (1.0 - self.reduction)) + EPS_LOG)

    def guide(self, linear, s):
        bsz, frames = s.shape
        e = linear.mean(2).detach().float()                               # frame energy, compared in float32
        threshold = e.min() + np.float32(1e-6)
        empty = e < threshold
        limit = np.float32((1 - self.reduction) * 0.5)
        inv = torch.zeros(bsz, dtype=s.dtype)
        for bi in range(bsz):
            count = int(empty[bi].sum())
            if count == 0:
                continue
            g = float(s[bi].detach()[empty[bi]].double().mean())
            self.margin("guide: |g_b - (1 - delta)/2|", abs(g - float(limit)))
            if np.float32(g) > limit:
                inv[bi] = 1.0 / count
        return ((s * empty.to(s.dtype)).sum(1) * inv).sum() / bsz

    def forward(self, x):
        bsz, frames, bins = x.shape
        logits = self.model(x.transpose(1, 2))
        raw = torch.sigmoid(logits.reshape(bsz, frames))
        s = self.score_norm(raw)
        w, a, b, cell_a, cell_b = self.warp(s)
        linear = torch.exp(x)
        wt = w.transpose(1, 2)
        avg = torch.log(wt @ linear + EPS_LOG)
        out = {"avg": avg, "pos": wt @ self.pos_emb.to(x.dtype)}
        if "max" in self.channels:
            out["max"] = self.max_pool(a, b, cell_a, cell_b, linear)
        return torch.stack([out[c] for c in self.channels], 1), self.guide(linear, s)


# ----------------------------------------------------------------------------------------------- pipeline

class Pipeline(nn.Module):
    """TemporaModel: resolution stage (keys under resolution.) → (x − mean)/(2 std) on log-mel channels → backbone
    (keys at the top level)."""

    def __init__(self, name, rng, first_batch):
        super().__init__()
        cfg = MODELS[name]
        self.resolution = (DiffRes(rng, FRAMES, BINS, cfg["resolution"], cfg["channels"], cfg["maxpool"],
                                   cfg["estimator_gain"], cfg["estimator_offset"],
                                   (first_batch, cfg["estimator_active"]))
                           if cfg.get("resolution") is not None else None)
        frames = self.resolution.out if self.resolution is not None else FRAMES
        cin = len(self.resolution.channels) if self.resolution is not None else 1
        (pf, pt), (sf, st) = cfg["patch"], cfg["stride"]
        tokens = ((BINS - pf) // sf + 1) * ((frames - pt) // st + 1)
        self.backbone = (Ast if cfg["backbone"] == "ast" else AudioMamba)(rng, cfg, cin, tokens)

    def state(self):
        out = {}
        if self.resolution is not None:
            out.update({"resolution." + k: v for k, v in self.resolution.state_dict().items()})
        out.update(self.backbone.state_dict())
        return out

    def params(self):
        out = {}
        if self.resolution is not None:
            out.update({"resolution." + k: v for k, v in self.resolution.named_parameters()})
        out.update(dict(self.backbone.named_parameters()))
        return out

    def forward(self, x):
        div = 2.0 * NORM_STD
        if self.resolution is None:
            return self.backbone((x - NORM_MEAN) / div), None
        feats, guide = self.resolution(x)
        log_mel = [c != "pos" for c in self.resolution.channels]
        n = len(log_mel)
        scale = torch.tensor([1 / div if m else 1.0 for m in log_mel], dtype=x.dtype).reshape(1, n, 1, 1)
        shift = torch.tensor([-NORM_MEAN / div if m else 0.0 for m in log_mel], dtype=x.dtype).reshape(1, n, 1, 1)
        return self.backbone(feats * scale + shift), guide


def decays(params):
    """tempora's weight-decay rule: Linear and convolution weights decay; biases, norms, tokens, positional
    embeddings, A_log and D do not."""
    return {k: (k.endswith("weight") and v.dim() >= 2) for k, v in params.items()}


# ----------------------------------------------------------------------------------------------- training

class EpsInsideAdamW:
    """AdamW with ε added to √v before the bias correction of v, i.e. lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε) (the form of
    DJL's fused adamUpdate, which tempora used before it passed ε·√(1−β₂ᵗ)); for --adam-form eps-inside only."""

    def __init__(self, groups, lr):
        self.groups, self.lr, self.t, self.state = groups, lr, 0, {}

    def zero_grad(self):
        for g in self.groups:
            for p in g["params"]:
                p.grad = None

    @torch.no_grad()
    def step(self):
        self.t += 1
        b1, b2 = BETAS
        corrected = self.lr * math.sqrt(1 - b2 ** self.t) / (1 - b1 ** self.t)
        for g in self.groups:
            for p in g["params"]:
                m, v = self.state.setdefault(p, (torch.zeros_like(p), torch.zeros_like(p)))
                p.mul_(1 - self.lr * g["weight_decay"])
                m.mul_(b1).add_(p.grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(p.grad, p.grad, value=1 - b2)
                p.sub_(corrected * m / (v.sqrt() + EPS))


def train(name, dtype, q, y, adam_form="torch"):
    rng = np.random.RandomState(SEED + sorted(MODELS).index(name))
    model = Pipeline(name, rng, torch.from_numpy(decode(q[0])))
    init = {k: v.detach().clone() for k, v in model.state().items()}
    model = model.to(dtype)
    for k, v in model.state().items():   # num_batches_tracked stays int64
        assert v.dtype in (dtype, torch.int64), (k, v.dtype)
    model.train()
    params = model.params()
    flags = decays(params)
    groups = [{"params": [p for k, p in params.items() if flags[k]], "weight_decay": WEIGHT_DECAY},
              {"params": [p for k, p in params.items() if not flags[k]], "weight_decay": 0.0}]
    lr = MODELS[name]["lr"]
    opt = torch.optim.AdamW(groups, lr=lr, betas=BETAS, eps=EPS) if adam_form == "torch" else EpsInsideAdamW(groups, lr)
    clip = MODELS[name]["clip"]
    losses, guides, norms, order = [], [], [], []
    for step in range(STEPS):
        s = step % DISTINCT_BATCHES
        order.append(s)
        x = torch.from_numpy(decode(q[s])).to(dtype)
        target = F.one_hot(torch.from_numpy(y[s]), CLASSES).to(dtype)
        logits, guide = model(x)
        loss = -(torch.log_softmax(logits, -1) * target).sum(1).mean()
        if guide is not None:
            loss = loss + guide
        opt.zero_grad()
        loss.backward()
        norm = math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in params.values() if p.grad is not None))
        if clip > 0:
            torch.nn.utils.clip_grad_norm_([p for p in params.values()], clip)
        opt.step()
        losses.append(float(loss))
        guides.append(float(guide) if guide is not None else 0.0)
        norms.append(norm)
    final = {k: v.detach().clone() for k, v in model.state().items()}
    margins = dict(model.resolution.margins) if model.resolution is not None else {}
    return dict(init=init, final=final, losses=losses, guides=guides, norms=norms, order=order, decay=flags,
                margins=margins)


# ----------------------------------------------------------------------------------------------- output

def save_npz(path, arrays, compress=False):
    """numpy .npz; float tensors as float32, integer ones as int64, 0-d shapes kept."""
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        (np.savez_compressed if compress else np.savez)(fh, **arrays)
    os.replace(tmp, path)


def as_numpy(state):
    out = {}
    for k, v in state.items():
        out[k] = v.numpy().astype(np.int64) if v.dtype == torch.int64 else v.double().numpy().astype(np.float32)
    return out


def max_dev(a, b):
    worst, where = 0.0, None
    for k in a:
        if a[k].dtype == torch.int64:
            continue
        d = float((a[k].double() - b[k].double()).abs().max())
        if d > worst:
            worst, where = d, k
    return worst, where


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "src", "test", "resources", "parity"))
    ap.add_argument("--models", nargs="*", default=list(MODELS))
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--noise", action="store_true", help="also run the other precision and print the drift")
    ap.add_argument("--adam-form", choices=["torch", "eps-inside"], default="torch",
                    help="also run AdamW with eps inside the bias correction and print how far it lands (diagnosis)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    dtype = torch.float64 if args.dtype == "float64" else torch.float32
    os.makedirs(args.out, exist_ok=True)
    q, y = make_batches(np.random.RandomState(SEED))
    save_npz(os.path.join(args.out, "batches.npz"), {"q": q, "y": y}, compress=True)
    for name in args.models:
        r = train(name, dtype, q, y)
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        save_npz(os.path.join(d, "init.npz"), as_numpy(r["init"]), compress=True)
        save_npz(os.path.join(d, "final.npz"), as_numpy(r["final"]), compress=True)
        case = {
            "model": name,
            "generator": "tools/parity/train_parity.py",
            "reference_dtype": args.dtype,
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "sets": tempora_sets(MODELS[name]),
            "input": {"frames": FRAMES, "bins": BINS, "classes": CLASSES, "batch": BATCH,
                      "norm_mean": NORM_MEAN, "norm_std": NORM_STD},
            "batches": {"file": "../batches.npz", "decode": {"scale": Q_SCALE, "offset": Q_OFFSET}},
            "optimizer": {"kind": "adamw (torch.optim.AdamW)", "lr": MODELS[name]["lr"], "betas": list(BETAS), "eps": EPS,
                          "weight_decay": WEIGHT_DECAY, "grad_clip": MODELS[name]["clip"], "schedule": "constant"},
            "steps": STEPS,
            "batch_of_step": r["order"],
            "loss": r["losses"],
            "guide_loss": r["guides"],
            "grad_norm": r["norms"],
            "decision_margins": {k: float(f"{v:.3g}") for k, v in sorted(r["margins"].items())},
            "decay": sorted(k for k, v in r["decay"].items() if v),
            "no_decay": sorted(k for k, v in r["decay"].items() if not v),
        }
        with open(os.path.join(d, "case.json"), "w") as fh:
            json.dump(case, fh, indent=1)
            fh.write("\n")
        nparams = sum(v.numel() for v in r["init"].values())
        print(f"{name}: {nparams} values, loss {r['losses'][0]:.5f} -> {r['losses'][-1]:.5f}, "
              f"grad norm {r['norms'][0]:.3g} -> {r['norms'][-1]:.3g}, guide {r['guides'][0]:.4f} -> {r['guides'][-1]:.4f}")
        if args.adam_form != "torch":
            other = train(name, dtype, q, y, args.adam_form)
            dl = max(abs(a - b) for a, b in zip(r["losses"], other["losses"]))
            dp, where = max_dev(r["final"], other["final"])
            print(f"  AdamW with eps inside vs torch.optim.AdamW: max |Δloss| {dl:.3g}, max |Δparam| {dp:.3g} ({where})")
        if args.noise:
            other = train(name, torch.float32 if dtype == torch.float64 else torch.float64, q, y)
            dl = max(abs(a - b) for a, b in zip(r["losses"], other["losses"]))
            dp, where = max_dev(r["final"], other["final"])
            print(f"  float32 vs float64 PyTorch: max |Δloss| {dl:.3g}, max |Δparam| {dp:.3g} ({where})")


if __name__ == "__main__":
    main()
