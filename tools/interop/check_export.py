#!/usr/bin/python3
"""Checks that PyTorch loads what `tempora export` writes (issue #15), and records what it computed.

    /usr/bin/python3 tools/interop/check_export.py EXPORT.pth EXPORT.safetensors [--write]

Both files are `tempora export` of the bundle `tempora import` makes from the AST fixture
(src/test/resources/interop/ast/yuangong.pth, with --set backbone.heads=4). The script

- loads the .pth with `torch.load(path, weights_only=True)` (PyTorch's restricted unpickler: only tensors, storages
  and OrderedDicts), and the .safetensors by hand from the format's description (the safetensors package is not
  needed);
- loads each state_dict with strict=True into an nn.Module laid out with the parameter names of YuanGongND's
  ASTModel (v.cls_token, v.dist_token, v.pos_embed, v.patch_embed.proj, v.blocks.N.{norm1, attn.qkv, attn.proj, norm2,
  mlp.fc1, mlp.fc2}, v.norm, mlp_head.0, mlp_head.1; without DataParallel's module.), so every key and shape must
  match the reference layout;
- runs the fixture's input through the loaded weights with the float64 AST forward of make_fixtures.py and prints the
  logits and their largest difference from the fixture's reference logits.

With --write it records the files' SHA-256, the PyTorch version and the logits in
src/test/resources/interop/export/pytorch.json; TorchSaveExportTest exports the same bundle again, requires the same
bytes (so these are the files PyTorch loaded) and the same logits within 1e-4.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import make_fixtures as mf  # noqa: E402  (the float64 AST forward and the fixture geometry)

FIXTURE = os.path.join(ROOT, "src", "test", "resources", "interop", "ast")
OUT = os.path.join(ROOT, "src", "test", "resources", "interop", "export", "pytorch.json")


class Block(torch.nn.Module):
    def __init__(self, d, mlp):
        super().__init__()
        self.norm1 = torch.nn.LayerNorm(d)
        self.attn = torch.nn.Module()
        self.attn.qkv = torch.nn.Linear(d, 3 * d)
        self.attn.proj = torch.nn.Linear(d, d)
        self.norm2 = torch.nn.LayerNorm(d)
        self.mlp = torch.nn.Module()
        self.mlp.fc1 = torch.nn.Linear(d, mlp)
        self.mlp.fc2 = torch.nn.Linear(mlp, d)


class AstLayout(torch.nn.Module):
    """The parameters of YuanGongND's ASTModel (timm's names), without its unused v.head / v.head_dist."""

    def __init__(self, geo):
        super().__init__()
        d = geo["dim"]
        rows = (geo["mel"] - geo["patch"]) // geo["fstride"] + 1
        cols = (geo["frames"] - geo["patch"]) // geo["tstride"] + 1
        self.v = torch.nn.Module()
        self.v.cls_token = torch.nn.Parameter(torch.zeros(1, 1, d))
        self.v.dist_token = torch.nn.Parameter(torch.zeros(1, 1, d))
        self.v.pos_embed = torch.nn.Parameter(torch.zeros(1, rows * cols + 2, d))
        self.v.patch_embed = torch.nn.Module()
        self.v.patch_embed.proj = torch.nn.Conv2d(1, d, geo["patch"], stride=(geo["fstride"], geo["tstride"]))
        self.v.blocks = torch.nn.ModuleList(Block(d, geo["mlp"]) for _ in range(geo["depth"]))
        self.v.norm = torch.nn.LayerNorm(d)
        self.mlp_head = torch.nn.Sequential(torch.nn.LayerNorm(d), torch.nn.Linear(d, geo["classes"]))


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", v
        b, e = v["data_offsets"]
        a = np.frombuffer(data[8 + n + b:8 + n + e], dtype="<f4").reshape(v["shape"])
        out[k] = torch.from_numpy(a.copy())
    return out, header.get("__metadata__", {})


def logits_of(sd, geo, x):
    model = AstLayout(geo)
    model.load_state_dict(sd, strict=True)   # every key and shape of the reference layout, nothing else
    return mf.ast_forward(model.state_dict(), x, geo)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pth")
    ap.add_argument("safetensors")
    ap.add_argument("--write", action="store_true", help="record the result in " + os.path.relpath(OUT, ROOT))
    a = ap.parse_args()
    torch.set_num_threads(1)
    geo = mf.GEOMETRY
    x = torch.from_numpy(np.load(os.path.join(FIXTURE, "input.npy")))
    ref = torch.from_numpy(np.load(os.path.join(FIXTURE, "logits.npy"))).double()

    sd = torch.load(a.pth, weights_only=True)
    assert type(sd).__name__ == "OrderedDict", type(sd)
    assert all(t.dtype == torch.float32 for t in sd.values())
    lp = logits_of(sd, geo, x)
    st, meta = read_safetensors(a.safetensors)
    ls = logits_of(st, geo, x)
    same = all(torch.equal(sd[k], st[k]) for k in sd) and list(sd) == list(st)
    dp = float((lp - ref).abs().max())
    ds = float((ls - ref).abs().max())
    print("torch %s: %s loaded with weights_only=True (%d tensors, strict load into the YuanGongND layout)" % (torch.__version__, a.pth, len(sd)))
    print("logits (pth):         %s" % np.array2string(lp.numpy(), precision=6))
    print("logits (safetensors): %s" % np.array2string(ls.numpy(), precision=6))
    print("max |diff| from the fixture's reference logits: pth %.3g, safetensors %.3g; the two files hold identical tensors: %s"
          % (dp, ds, same))
    if dp > 1e-4 or ds > 1e-4 or not same:
        sys.exit(1)
    if a.write:
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        with open(OUT, "w") as f:
            json.dump({"torch": torch.__version__,
                       "loaded_with": "torch.load(path, weights_only=True); load_state_dict(strict=True) into the YuanGongND layout",
                       "pth_sha256": sha256(a.pth), "safetensors_sha256": sha256(a.safetensors),
                       "tensors": list(sd),
                       "logits_pth": lp.tolist(), "logits_safetensors": ls.tolist(),
                       "max_diff_from_reference": {"pth": dp, "safetensors": ds},
                       "safetensors_metadata_keys": sorted(meta)}, f, indent=1)
            f.write("\n")
        print("wrote " + os.path.relpath(OUT, ROOT))


if __name__ == "__main__":
    main()
