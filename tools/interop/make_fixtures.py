#!/usr/bin/python3
"""Fixtures for tempora's PyTorch interop (issue #15): checkpoint readers and AST key maps.

Writes src/test/resources/interop/ (run from the repository root with Debian's PyTorch):

    /usr/bin/python3 tools/interop/make_fixtures.py            # readers/, ast/, aum/ and deit/
    /usr/bin/python3 tools/interop/make_fixtures.py --check    # regenerate into a temp folder and compare

readers/  small safetensors and torch.save files, good and bad, with readers.json listing for each file the
          tensors a reader must return (float32 bit patterns, so the Java test compares exactly) or the words its
          error must contain. safetensors files are written by hand from the format's description (8-byte
          little-endian header length, JSON header {name: {dtype, shape, data_offsets}}, raw little-endian bytes):
          the safetensors package is not needed.
ast/      a small AST (dim 64, depth 2, 4 heads, 128 frames x 128 mel bins, 16x16 patches, stride 10) with random
          weights, saved in the YuanGongND layout (torch.save of a DataParallel state_dict, module.v.*) and in the
          Hugging Face transformers layout (safetensors + config.json), with input features and the logits of a
          float64 reference forward written here from the AST paper / ViT structure.
deit/     an ImageNet DeiT checkpoint in timm's layout with the real deit_base_distilled_patch16_384 geometry (RGB 16x16
          patches, a 24x24 position grid, cls and dist tokens) at width 16 and depth 2, nested under 'model' as the
          official DeiT release stores it; the AST that AST's constructor builds from it (kernel summed over RGB, the
          position grid cut or stretched to the audio grid) for 128 mel bins x 100 frames (cut) and x 256 frames
          (stretched), with a random mlp_head (exported, head.pth) and the float64 logits of that AST.
aum/      a small Audio Mamba (dim 32, depth 2, bidirectional v2, 16x16 patches with stride 16 over 128 x 128, 4 classes)
          with random weights, saved as AuM's training script saves it (torch.save of a DataParallel state_dict), with
          input features and the logits of the project's PyTorch AuM mirror (tools/parity/train_parity.py) in float64.

Everything is seeded; a second run writes the same bytes.
"""
import argparse
import collections
import json
import math
import os
import struct
import sys
import tempfile
import zipfile

import numpy as np
import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(ROOT, "src", "test", "resources", "interop")

# ----------------------------------------------------------------------------------------------------------------
# safetensors, by hand

ST_DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
             torch.float64: "F64"}


def random_blocks(sd, prefix, depth, d, m, r):
    """Random weights of `depth` timm/DeiT encoder blocks under `prefix` (the order of draws is the fixtures')."""
    for i in range(depth):
        p = prefix + "blocks.%d." % i
        sd[p + "norm1.weight"] = 1 + r(d, scale=0.1)
        sd[p + "norm1.bias"] = r(d, scale=0.1)
        sd[p + "attn.qkv.weight"] = r(3 * d, d, scale=d ** -0.5)
        sd[p + "attn.qkv.bias"] = r(3 * d, scale=0.1)
        sd[p + "attn.proj.weight"] = r(d, d, scale=d ** -0.5)
        sd[p + "attn.proj.bias"] = r(d, scale=0.1)
        sd[p + "norm2.weight"] = 1 + r(d, scale=0.1)
        sd[p + "norm2.bias"] = r(d, scale=0.1)
        sd[p + "mlp.fc1.weight"] = r(m, d, scale=d ** -0.5)
        sd[p + "mlp.fc1.bias"] = r(m, scale=0.1)
        sd[p + "mlp.fc2.weight"] = r(d, m, scale=m ** -0.5)
        sd[p + "mlp.fc2.bias"] = r(d, scale=0.1)


def tensor_bytes(t):
    """Raw little-endian bytes of a contiguous tensor (bfloat16 through its int16 view)."""
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def safetensors_bytes(tensors, metadata=None, header_override=None):
    """tensors: ordered {name: tensor}; returns the file's bytes. header_override(header) may corrupt the header."""
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        b = tensor_bytes(t)
        header[name] = {"dtype": ST_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    if header_override is not None:
        header_override(header)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)  # pad so the data starts 8-byte aligned
    return struct.pack("<Q", len(h)) + h + b"".join(blobs)


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


def torch_save(obj, path, **kw):
    torch.save(obj, path, **kw)


def f32_bits(t):
    """float32 bit patterns (as unsigned ints) of a tensor's values converted to float32, row-major."""
    a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
    return [int(x) for x in a.view("<u4").reshape(-1)]


def expect_tensors(d):
    return {"tensors": {k: {"shape": list(v.shape), "bits": f32_bits(v)} for k, v in d.items()}}


def expect_error(*words):
    return {"error": list(words)}


# ----------------------------------------------------------------------------------------------------------------
# readers/


class Hostile:
    """An object whose unpickling would run a shell command (pickle calls what __reduce__ names)."""

    def __init__(self, fn, arg):
        self.fn = fn
        self.arg = arg

    def __reduce__(self):
        return (self.fn, (self.arg,))


def make_readers(out):
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(15)
    expected = collections.OrderedDict()

    def rnd(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=g).to(dtype)

    # --- safetensors: float32 with metadata, a scalar and an empty tensor
    st = collections.OrderedDict([("a", rnd(2, 3)), ("b", rnd(4)), ("scalar", torch.tensor(0.25)),
                                  ("empty", torch.zeros(0, 3))])
    write_bytes(os.path.join(out, "f32.safetensors"), safetensors_bytes(st, {"format": "pt"}))
    expected["f32.safetensors"] = expect_tensors(st)

    # --- float16 and bfloat16, with the special values a converter gets wrong: -0, subnormals, the largest
    #     finite value, infinities, a NaN
    specials = [0.0, -0.0, 1.0, -2.5, 65504.0, 2.0 ** -24, 3 * 2.0 ** -24, 2.0 ** -14, 2.0 ** -15, float("inf"),
                float("-inf"), float("nan"), 1 / 3]
    half = collections.OrderedDict([("h", torch.tensor(specials, dtype=torch.float16)), ("h2", rnd(3, 2, dtype=torch.float16))])
    write_bytes(os.path.join(out, "f16.safetensors"), safetensors_bytes(half))
    expected["f16.safetensors"] = expect_tensors(half)
    bspecials = [0.0, -0.0, 1.0, -2.5, 3.0e38, 1.0e-40, 2.0 ** -126, float("inf"), float("-inf"), float("nan"), 1 / 3]
    bf = collections.OrderedDict([("b", torch.tensor(bspecials, dtype=torch.bfloat16)), ("b2", rnd(2, 2, dtype=torch.bfloat16)),
                                  ("f", rnd(3))])
    write_bytes(os.path.join(out, "bf16.safetensors"), safetensors_bytes(bf))
    expected["bf16.safetensors"] = expect_tensors(bf)

    # --- refused dtype, named with its tensor
    write_bytes(os.path.join(out, "int64.safetensors"),
                safetensors_bytes(collections.OrderedDict([("w", rnd(2)), ("steps", torch.tensor([3, 4], dtype=torch.int64))])))
    expected["int64.safetensors"] = expect_error("steps", "I64")

    # --- truncated in the data of its second tensor
    data = safetensors_bytes(collections.OrderedDict([("first", rnd(4)), ("second", rnd(8))]))
    write_bytes(os.path.join(out, "truncated.safetensors"), data[:-12])
    expected["truncated.safetensors"] = expect_error("truncated.safetensors", "second", "truncated")

    # --- offsets that do not match the shape
    def wrong_size(h):
        h["w"]["shape"] = [3, 3]

    write_bytes(os.path.join(out, "bad-shape.safetensors"),
                safetensors_bytes(collections.OrderedDict([("w", rnd(2, 4))]), header_override=wrong_size))
    expected["bad-shape.safetensors"] = expect_error("w", "[3, 3]", "32 bytes")

    # --- overlapping ranges (a polyglot or corrupt file)
    def overlap(h):
        h["v"]["data_offsets"] = [8, 24]

    write_bytes(os.path.join(out, "overlap.safetensors"),
                safetensors_bytes(collections.OrderedDict([("u", rnd(4)), ("v", rnd(4))]), header_override=overlap))
    expected["overlap.safetensors"] = expect_error("v", "overlap")

    # --- a header length past the end of the file
    write_bytes(os.path.join(out, "header-too-long.safetensors"), struct.pack("<Q", 4096) + b'{"a":')
    expected["header-too-long.safetensors"] = expect_error("header-too-long.safetensors", "header")

    # --- torch.save: a module's state_dict (OrderedDict with _metadata, so a BUILD opcode), parameters
    lin = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    with torch.no_grad():
        for p in lin.parameters():
            p.copy_(rnd(*p.shape))
    sd = lin.state_dict()
    torch_save(sd, os.path.join(out, "state-dict.pt"))
    expected["state-dict.pt"] = expect_tensors(sd)

    # --- views: a transpose, a slice with a storage offset, a strided column, two tensors on one storage, and a
    #     Parameter (torch._utils._rebuild_parameter)
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
    views = collections.OrderedDict([
        ("base", base),
        ("transposed", base.t()),
        ("slice", base[1:3, 2:5]),
        ("column", base[:, 4]),
        ("every_other", base.reshape(-1)[1::2]),
        ("param", torch.nn.Parameter(rnd(2, 2))),
    ])
    torch_save(views, os.path.join(out, "views.pt"))
    expected["views.pt"] = expect_tensors(views)

    # --- float16 and bfloat16 storages, one bfloat16 view with an offset
    hb = torch.tensor(bspecials, dtype=torch.bfloat16)
    halves = collections.OrderedDict([("h", torch.tensor(specials, dtype=torch.float16)), ("b", hb), ("b_tail", hb[4:])])
    torch_save(halves, os.path.join(out, "halves.pt"))
    expected["halves.pt"] = expect_tensors(halves)

    # --- nested: a training checkpoint with 'state_dict' (and other plain entries), one with 'model'
    nested = {"epoch": 7, "best_acc": 0.5, "args": {"lr": 1e-3, "layers": [1, 2]}, "state_dict": sd}
    torch_save(nested, os.path.join(out, "nested-state-dict.pt"))
    expected["nested-state-dict.pt"] = expect_tensors(sd)
    torch_save({"model": sd, "step": 100}, os.path.join(out, "nested-model.pt"))
    expected["nested-model.pt"] = expect_tensors(sd)

    # --- DataParallel's module. prefix (the wrapper only renames; it needs no GPU)
    dp = torch.nn.DataParallel(lin).state_dict()
    assert all(k.startswith("module.") for k in dp)
    torch_save(dp, os.path.join(out, "dataparallel.pt"))
    expected["dataparallel.pt"] = expect_tensors(sd)

    # --- hostile pickles: unpickling would call os.system (pickled as posix.system) or builtins.eval
    marker = "/tmp/tempora-interop-pwned"
    torch_save({"w": rnd(2), "x": Hostile(os.system, "touch " + marker)}, os.path.join(out, "hostile-os-system.pt"))
    expected["hostile-os-system.pt"] = expect_error("hostile-os-system.pt", os.system.__module__ + ".system", "not allowed")
    torch_save({"w": rnd(2), "x": Hostile(eval, "__import__('os').system('touch " + marker + "')")},
               os.path.join(out, "hostile-eval.pt"))
    expected["hostile-eval.pt"] = expect_error("hostile-eval.pt", "builtins.eval", "not allowed")

    # --- an int64 tensor: its storage type is outside the allowed globals
    torch_save(collections.OrderedDict([("w", rnd(2)), ("num_batches_tracked", torch.tensor(5))]), os.path.join(out, "int64.pt"))
    expected["int64.pt"] = expect_error("torch.LongStorage", "not allowed")

    # --- truncated (the zip's central directory is gone) and a storage record cut short inside an intact zip
    with open(os.path.join(out, "views.pt"), "rb") as f:
        whole = f.read()
    write_bytes(os.path.join(out, "truncated.pt"), whole[: len(whole) // 2])
    expected["truncated.pt"] = expect_error("truncated.pt")
    short_path = os.path.join(out, "short-storage.pt")
    with zipfile.ZipFile(os.path.join(out, "state-dict.pt")) as src, zipfile.ZipFile(short_path, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            name = info.filename.replace("state-dict/", "short-storage/")
            if name.endswith("/data/0"):
                body = body[:-4]
            zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            dst.writestr(zi, body)
    expected["short-storage.pt"] = expect_error("short-storage.pt", "0.weight", "storage")

    # --- the legacy (pre-1.6) torch.save format, and a file that is neither format
    torch_save(sd, os.path.join(out, "legacy.pt"), _use_new_zipfile_serialization=False)
    expected["legacy.pt"] = expect_error("legacy.pt", "legacy")
    write_bytes(os.path.join(out, "not-a-checkpoint.bin"), b"RIFF\x00\x00\x00\x00WAVEfmt ")
    expected["not-a-checkpoint.bin"] = expect_error("not-a-checkpoint.bin", "not a")

    with open(os.path.join(out, "readers.json"), "w") as f:
        json.dump({"marker": marker, "files": expected}, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------------------------------------------------------
# ast/: the reference forward (float64), written from the AST paper and the ViT/DeiT structure


GEOMETRY = dict(dim=64, depth=2, heads=4, mlp=256, frames=128, mel=128, patch=16, fstride=10, tstride=10, classes=5)


def ast_weights(g, geo):
    """A random AST state_dict in tempora's (AST/timm) names, float32 values exactly representable in float16 (so
    the Hugging Face copy can be stored as float16 without changing a value)."""
    d, m = geo["dim"], geo["mlp"]
    fdim = (geo["mel"] - geo["patch"]) // geo["fstride"] + 1
    tdim = (geo["frames"] - geo["patch"]) // geo["tstride"] + 1
    n = fdim * tdim + 2

    def r(*shape, scale):
        return (torch.randn(*shape, generator=g) * scale).to(torch.float16).to(torch.float32)

    sd = collections.OrderedDict()
    sd["v.cls_token"] = r(1, 1, d, scale=0.5)
    sd["v.pos_embed"] = r(1, n, d, scale=0.5)
    sd["v.dist_token"] = r(1, 1, d, scale=0.5)
    sd["v.patch_embed.proj.weight"] = r(d, 1, geo["patch"], geo["patch"], scale=1 / geo["patch"])
    sd["v.patch_embed.proj.bias"] = r(d, scale=0.1)
    random_blocks(sd, "v.", geo["depth"], d, m, r)
    sd["v.norm.weight"] = 1 + r(d, scale=0.1)
    sd["v.norm.bias"] = r(d, scale=0.1)
    sd["mlp_head.0.weight"] = 1 + r(d, scale=0.1)
    sd["mlp_head.0.bias"] = r(d, scale=0.1)
    sd["mlp_head.1.weight"] = r(geo["classes"], d, scale=d ** -0.5)
    sd["mlp_head.1.bias"] = r(geo["classes"], scale=0.1)
    return collections.OrderedDict((k, v.to(torch.float16).to(torch.float32)) for k, v in sd.items())


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps) * w + b


def ast_forward(sd, x, geo, eps_block=1e-6, eps_head=1e-5):
    """AST forward in float64. x: [B, T, F] normalised features. Patches: the spectrogram as an image [B, 1, F, T]
    (frequency = height), Conv2d 16x16 with strides (fstride, tstride), tokens in the conv output's row-major order
    (frequency outer, time inner); [cls, dist] + patches + pos_embed; pre-norm blocks (LayerNorm, multi-head
    attention with one qkv projection whose rows are q, k, v, residual; LayerNorm, fc1, exact GELU, fc2, residual);
    final LayerNorm; (h_cls + h_dist) / 2; head LayerNorm and Linear."""
    w = {k: v.double() for k, v in sd.items()}
    d, h = geo["dim"], geo["heads"]
    b = x.shape[0]
    img = x.double().transpose(1, 2).unsqueeze(1)
    p = torch.nn.functional.conv2d(img, w["v.patch_embed.proj.weight"], w["v.patch_embed.proj.bias"],
                                   stride=(geo["fstride"], geo["tstride"]))
    tokens = p.flatten(2).transpose(1, 2)
    z = torch.cat([w["v.cls_token"].expand(b, -1, -1), w["v.dist_token"].expand(b, -1, -1), tokens], dim=1) + w["v.pos_embed"]
    n = z.shape[1]
    for i in range(geo["depth"]):
        q = "v.blocks.%d." % i
        y = layer_norm(z, w[q + "norm1.weight"], w[q + "norm1.bias"], eps_block)
        qkv = y @ w[q + "attn.qkv.weight"].t() + w[q + "attn.qkv.bias"]
        qkv = qkv.reshape(b, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        att = torch.softmax(qkv[0] @ qkv[1].transpose(-1, -2) / math.sqrt(d // h), dim=-1)
        o = (att @ qkv[2]).transpose(1, 2).reshape(b, n, d)
        z = z + o @ w[q + "attn.proj.weight"].t() + w[q + "attn.proj.bias"]
        y = layer_norm(z, w[q + "norm2.weight"], w[q + "norm2.bias"], eps_block)
        y = y @ w[q + "mlp.fc1.weight"].t() + w[q + "mlp.fc1.bias"]
        y = 0.5 * y * (1 + torch.erf(y / math.sqrt(2)))
        z = z + y @ w[q + "mlp.fc2.weight"].t() + w[q + "mlp.fc2.bias"]
    z = layer_norm(z, w["v.norm.weight"], w["v.norm.bias"], eps_block)
    pooled = (z[:, 0] + z[:, 1]) / 2
    y = layer_norm(pooled, w["mlp_head.0.weight"], w["mlp_head.0.bias"], eps_head)
    return y @ w["mlp_head.1.weight"].t() + w["mlp_head.1.bias"]


def yuangong_layout(sd, g, geo):
    """The state_dict of YuanGongND/ast's ASTModel inside torch.nn.DataParallel: module.v.* (with timm's unused
    DeiT heads v.head and v.head_dist) and module.mlp_head.*."""
    out = collections.OrderedDict()
    for k, v in sd.items():
        out["module." + k] = v
    d = geo["dim"]
    out["module.v.head.weight"] = torch.randn(8, d, generator=g).to(torch.float16).float()
    out["module.v.head.bias"] = torch.zeros(8)
    out["module.v.head_dist.weight"] = torch.randn(8, d, generator=g).to(torch.float16).float()
    out["module.v.head_dist.bias"] = torch.zeros(8)
    return out


def hf_layout(sd, geo):
    """The state_dict of transformers' ASTForAudioClassification: query/key/value are the thirds of qkv."""
    d = geo["dim"]
    pre = "audio_spectrogram_transformer."
    out = collections.OrderedDict()
    out[pre + "embeddings.cls_token"] = sd["v.cls_token"]
    out[pre + "embeddings.distillation_token"] = sd["v.dist_token"]
    out[pre + "embeddings.position_embeddings"] = sd["v.pos_embed"]
    out[pre + "embeddings.patch_embeddings.projection.weight"] = sd["v.patch_embed.proj.weight"]
    out[pre + "embeddings.patch_embeddings.projection.bias"] = sd["v.patch_embed.proj.bias"]
    for i in range(geo["depth"]):
        t = "v.blocks.%d." % i
        l = pre + "encoder.layer.%d." % i
        for j, name in enumerate(["query", "key", "value"]):
            out[l + "attention.attention.%s.weight" % name] = sd[t + "attn.qkv.weight"][j * d:(j + 1) * d].clone()
            out[l + "attention.attention.%s.bias" % name] = sd[t + "attn.qkv.bias"][j * d:(j + 1) * d].clone()
        out[l + "attention.output.dense.weight"] = sd[t + "attn.proj.weight"]
        out[l + "attention.output.dense.bias"] = sd[t + "attn.proj.bias"]
        out[l + "intermediate.dense.weight"] = sd[t + "mlp.fc1.weight"]
        out[l + "intermediate.dense.bias"] = sd[t + "mlp.fc1.bias"]
        out[l + "output.dense.weight"] = sd[t + "mlp.fc2.weight"]
        out[l + "output.dense.bias"] = sd[t + "mlp.fc2.bias"]
        out[l + "layernorm_before.weight"] = sd[t + "norm1.weight"]
        out[l + "layernorm_before.bias"] = sd[t + "norm1.bias"]
        out[l + "layernorm_after.weight"] = sd[t + "norm2.weight"]
        out[l + "layernorm_after.bias"] = sd[t + "norm2.bias"]
    out[pre + "layernorm.weight"] = sd["v.norm.weight"]
    out[pre + "layernorm.bias"] = sd["v.norm.bias"]
    out["classifier.layernorm.weight"] = sd["mlp_head.0.weight"]
    out["classifier.layernorm.bias"] = sd["mlp_head.0.bias"]
    out["classifier.dense.weight"] = sd["mlp_head.1.weight"]
    out["classifier.dense.bias"] = sd["mlp_head.1.bias"]
    return out


LABELS = ["Speech", "Dog", "Siren", "Rain", "Music"]


def make_ast(out):
    os.makedirs(out, exist_ok=True)
    geo = GEOMETRY
    g = torch.Generator().manual_seed(1504)
    sd = ast_weights(g, geo)
    # normalised input features [B, T, F] (what AST's data loader gives the model: (fbank - mean) / (2 std))
    x = (torch.randn(2, geo["frames"], geo["mel"], generator=g) * 0.5).to(torch.float32)
    logits = ast_forward(sd, x, geo)
    # Hugging Face's AST uses LayerNorm eps 1e-12 everywhere; tempora uses timm's 1e-6 (blocks, final) and 1e-5 (head)
    logits_hf_eps = ast_forward(sd, x, geo, eps_block=1e-12, eps_head=1e-12)
    eps_effect = float((logits - logits_hf_eps).abs().max())
    assert eps_effect < 1e-5, eps_effect

    np.save(os.path.join(out, "input.npy"), x.numpy().astype("<f4"))
    np.save(os.path.join(out, "logits.npy"), logits.numpy().astype("<f4"))

    yg = yuangong_layout(sd, g, geo)
    torch_save(yg, os.path.join(out, "yuangong.pth"))

    hf_dir = os.path.join(out, "hf")
    os.makedirs(hf_dir, exist_ok=True)
    hf = hf_layout(sd, geo)
    # stored as float16: every value above is exactly representable, so the model is the same
    hf16 = collections.OrderedDict((k, v.to(torch.float16)) for k, v in hf.items())
    assert all(torch.equal(hf16[k].float(), hf[k]) for k in hf)
    write_bytes(os.path.join(hf_dir, "model.safetensors"), safetensors_bytes(hf16, {"format": "pt"}))
    config = {
        "architectures": ["ASTForAudioClassification"],
        "model_type": "audio-spectrogram-transformer",
        "hidden_size": geo["dim"], "num_hidden_layers": geo["depth"], "num_attention_heads": geo["heads"],
        "intermediate_size": geo["mlp"], "hidden_act": "gelu", "layer_norm_eps": 1e-12, "qkv_bias": True,
        "patch_size": geo["patch"], "frequency_stride": geo["fstride"], "time_stride": geo["tstride"],
        "max_length": geo["frames"], "num_mel_bins": geo["mel"],
        "id2label": {str(i): l for i, l in enumerate(LABELS)}, "label2id": {l: i for i, l in enumerate(LABELS)},
    }
    with open(os.path.join(hf_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    with open(os.path.join(hf_dir, "preprocessor_config.json"), "w") as f:
        json.dump({"feature_extractor_type": "ASTFeatureExtractor", "num_mel_bins": geo["mel"], "max_length": geo["frames"],
                   "sampling_rate": 16000, "do_normalize": True, "mean": -4.2677393, "std": 4.5689974}, f, indent=1)
        f.write("\n")
    with open(os.path.join(out, "labels.csv"), "w") as f:
        f.write("index,mid,display_name\n")
        for i, l in enumerate(LABELS):
            f.write('%d,/m/%04d,"%s"\n' % (i, i, l))
    with open(os.path.join(out, "case.json"), "w") as f:
        json.dump({"geometry": geo, "tolerance": 1e-4, "reference": "float64 forward of tools/interop/make_fixtures.py",
                   "hf_layer_norm_eps_effect_on_logits": eps_effect,
                   "labels": LABELS}, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------------------------------------------------------
# deit/: timm's distilled DeiT (ImageNet) and the AST built from it, written from the AST paper's description of its
# ImageNet initialisation (reference-spec section 2.4)


DEIT = dict(dim=16, depth=2, heads=2, mlp=64, side=24, patch=16, imagenet_classes=10, classes=3, mel=128, fstride=10, tstride=10)


def deit_weights(g, geo):
    """A random distilled DeiT state_dict in timm's names: [cls, dist] + side*side patch positions, an RGB patch kernel,
    pre-norm blocks, the final norm and the two ImageNet heads (head, head_dist; fewer classes than ImageNet's 1000 to
    keep the file small: AST drops them)."""
    d, m, c = geo["dim"], geo["mlp"], geo["imagenet_classes"]

    def r(*shape, scale):
        return (torch.randn(*shape, generator=g) * scale).to(torch.float32)

    sd = collections.OrderedDict()
    sd["cls_token"] = r(1, 1, d, scale=0.5)
    sd["dist_token"] = r(1, 1, d, scale=0.5)
    sd["pos_embed"] = r(1, 2 + geo["side"] ** 2, d, scale=0.5)
    sd["patch_embed.proj.weight"] = r(d, 3, geo["patch"], geo["patch"], scale=1 / (2 * geo["patch"]))
    sd["patch_embed.proj.bias"] = r(d, scale=0.1)
    random_blocks(sd, "", geo["depth"], d, m, r)
    sd["norm.weight"] = 1 + r(d, scale=0.1)
    sd["norm.bias"] = r(d, scale=0.1)
    sd["head.weight"] = r(c, d, scale=d ** -0.5)
    sd["head.bias"] = r(c, scale=0.1)
    sd["head_dist.weight"] = r(c, d, scale=d ** -0.5)
    sd["head_dist.bias"] = r(c, scale=0.1)
    return sd


def ast_from_deit(deit, head, geo, frames):
    """The AST state_dict (tempora's names, float64) AST's constructor makes from an ImageNet DeiT for 'frames' frames:
    the RGB kernel summed over its input channels (bias kept); the patch positions as a [D, side, side] image (rows =
    frequency, columns = time), first fitted in time (centre columns cut when the audio grid has at most 'side'
    columns, else bilinear to (side, t_dim)), then in frequency (centre rows cut, else bilinear to (f_dim, t_dim)),
    flattened time fastest after the two token rows; the ImageNet heads dropped and 'head' as mlp_head."""
    d, side, k = geo["dim"], geo["side"], geo["patch"]
    fdim = (geo["mel"] - k) // geo["fstride"] + 1
    tdim = (frames - k) // geo["tstride"] + 1
    w = {kk: v.double() for kk, v in deit.items()}
    out = collections.OrderedDict()
    out["v.cls_token"] = w["cls_token"]
    out["v.dist_token"] = w["dist_token"]
    grid = w["pos_embed"][0, 2:, :].t().reshape(1, d, side, side)
    if tdim <= side:
        c0 = side // 2 - tdim // 2
        grid = grid[:, :, :, c0:c0 + tdim]
    else:
        grid = torch.nn.functional.interpolate(grid, size=(side, tdim), mode="bilinear", align_corners=False)
    if fdim <= side:
        r0 = side // 2 - fdim // 2
        grid = grid[:, :, r0:r0 + fdim, :]
    else:
        grid = torch.nn.functional.interpolate(grid, size=(fdim, tdim), mode="bilinear", align_corners=False)
    out["v.pos_embed"] = torch.cat([w["pos_embed"][:, :2, :], grid.reshape(1, d, fdim * tdim).transpose(1, 2)], dim=1)
    out["v.patch_embed.proj.weight"] = w["patch_embed.proj.weight"].sum(dim=1, keepdim=True)
    out["v.patch_embed.proj.bias"] = w["patch_embed.proj.bias"]
    for kk, v in w.items():
        if kk.startswith("blocks.") or kk.startswith("norm."):
            out["v." + kk] = v
    for kk, v in head.items():
        out[kk] = v.double()
    return out, fdim, tdim


def make_deit(out):
    os.makedirs(out, exist_ok=True)
    geo = DEIT
    g = torch.Generator().manual_seed(1506)
    deit = deit_weights(g, geo)
    # the official DeiT release: torch.save({'model': state_dict}); tempora reads the nested dict
    torch_save({"model": deit}, os.path.join(out, "deit.pth"))
    d = geo["dim"]
    head = collections.OrderedDict([
        ("mlp_head.0.weight", 1 + (torch.randn(d, generator=g) * 0.1)),
        ("mlp_head.0.bias", torch.randn(d, generator=g) * 0.1),
        ("mlp_head.1.weight", torch.randn(geo["classes"], d, generator=g) * d ** -0.5),
        ("mlp_head.1.bias", torch.randn(geo["classes"], generator=g) * 0.1)])
    torch_save(head, os.path.join(out, "head.pth"))
    cases = {}
    for frames in (100, 256):
        sd, fdim, tdim = ast_from_deit(deit, head, geo, frames)
        x = (torch.randn(1, frames, geo["mel"], generator=g) * 0.5).to(torch.float32)
        fgeo = dict(dim=d, heads=geo["heads"], depth=geo["depth"], fstride=geo["fstride"], tstride=geo["tstride"])
        logits = ast_forward(sd, x, fgeo)
        np.save(os.path.join(out, "input_t%d.npy" % frames), x.numpy().astype("<f4"))
        np.save(os.path.join(out, "logits_t%d.npy" % frames), logits.numpy().astype("<f4"))
        cases["t%d" % frames] = dict(frames=frames, f_dim=fdim, t_dim=tdim,
                                     time="cut" if tdim <= geo["side"] else "stretched",
                                     frequency="cut" if fdim <= geo["side"] else "stretched")
    with open(os.path.join(out, "case.json"), "w") as f:
        json.dump({"geometry": geo, "cases": cases, "tolerance": 1e-4,
                   "reference": "float64 AST-from-DeiT adaptation and forward of tools/interop/make_fixtures.py"}, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------------------------------------------------------
# aum/: Audio Mamba, with the project's PyTorch mirror of AuM (tools/parity/train_parity.py, checked against AuM's own
# code by the training-parity fixtures) as the reference forward


def make_aum(out):
    os.makedirs(out, exist_ok=True)
    sys.path.insert(0, os.path.join(ROOT, "tools", "parity"))
    sys.dont_write_bytecode = True   # no __pycache__ in the tree
    import train_parity as tp

    rng = np.random.RandomState(1505)
    frames, bins, patch, stride = 128, 128, (16, 16), (16, 16)   # AuM's 16x16 patches with stride 16
    cfg = dict(dim=32, depth=2, patch=patch, stride=stride)
    tokens = ((bins - patch[0]) // stride[0] + 1) * ((frames - patch[1]) // stride[1] + 1)
    model = tp.AudioMamba(rng, cfg, 1, tokens)
    sd = collections.OrderedDict((k, v.detach().clone()) for k, v in model.state_dict().items())
    x = torch.from_numpy((rng.randn(2, frames, bins) * 0.5).astype(np.float32))
    with torch.no_grad():
        logits = model.double()(x.double())   # float64 from the float32 weights
    # AuM's training script saves the DataParallel state_dict
    torch_save(collections.OrderedDict(("module." + k, v) for k, v in sd.items()), os.path.join(out, "aum.pth"))
    np.save(os.path.join(out, "input.npy"), x.numpy().astype("<f4"))
    np.save(os.path.join(out, "logits.npy"), logits.numpy().astype("<f4"))
    with open(os.path.join(out, "case.json"), "w") as f:
        json.dump({"geometry": dict(dim=32, depth=2, bimamba="v2", frames=frames, mel=bins, patch=list(patch), stride=list(stride),
                                    tokens=tokens, classes=tp.CLASSES),
                   "tolerance": 1e-4, "reference": "float64 forward of tools/parity/train_parity.py's AudioMamba (sequential scan)"},
                  f, indent=1)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="regenerate into a temporary folder and compare with --out")
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.check:
        with tempfile.TemporaryDirectory() as tmp:
            make_readers(os.path.join(tmp, "readers"))
            make_ast(os.path.join(tmp, "ast"))
            make_aum(os.path.join(tmp, "aum"))
            make_deit(os.path.join(tmp, "deit"))
            bad = []
            for dirpath, _, files in os.walk(tmp):
                for fn in files:
                    p = os.path.join(dirpath, fn)
                    q = os.path.join(a.out, os.path.relpath(p, tmp))
                    if fn == "legacy.pt":
                        continue  # the legacy format records object ids, different in every run
                    if not os.path.exists(q) or open(p, "rb").read() != open(q, "rb").read():
                        bad.append(os.path.relpath(p, tmp))
            print("differs: " + ", ".join(bad) if bad else "all fixtures reproduce byte for byte")
            sys.exit(1 if bad else 0)
    make_readers(os.path.join(a.out, "readers"))
    make_ast(os.path.join(a.out, "ast"))
    make_aum(os.path.join(a.out, "aum"))
    make_deit(os.path.join(a.out, "deit"))


if __name__ == "__main__":
    main()
