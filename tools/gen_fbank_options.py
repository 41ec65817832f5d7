#!/usr/bin/python3
"""Golden outputs of torchaudio.compliance.kaldi.fbank for the options the shared fixtures do not cover.

Input: the shared ast_chirp_noise_1s waveform (already in src/test/resources/fixtures/fbank). Output: one .npy
per option set plus cases.json, into src/test/resources/fixtures/fbank-options/. Run with Debian's
/usr/bin/python3 (python3-torch 1.13.1, python3-torchaudio 0.13.1):

    /usr/bin/python3 tools/gen_fbank_options.py
"""
import json
import pathlib

import numpy as np
import torch
import torchaudio
from torchaudio.compliance import kaldi

root = pathlib.Path(__file__).resolve().parent.parent / "src/test/resources/fixtures"
wave = np.load(root / "fbank/ast_chirp_noise_1s/waveform.npy")
out = root / "fbank-options"
out.mkdir(parents=True, exist_ok=True)

base = dict(htk_compat=True, use_energy=False, window_type="hanning", num_mel_bins=128, dither=0.0,
            frame_shift=10.0, sample_frequency=16000.0)
cases = {
    "blackman": dict(window_type="blackman"),
    "rectangular": dict(window_type="rectangular"),
    "no_snip_edges": dict(snip_edges=False),
    "no_snip_edges_shift_4ms": dict(snip_edges=False, frame_shift=4.0),
    "no_preemphasis": dict(preemphasis_coefficient=0.0),
    "no_dc_removal": dict(remove_dc_offset=False),
    "magnitude": dict(use_power=False),
    "linear_energies": dict(use_log_fbank=False),
    "band_50_7000": dict(low_freq=50.0, high_freq=7000.0),
    "high_freq_negative": dict(high_freq=-400.0),
    "frame_50ms": dict(frame_length=50.0),
    "subtract_mean": dict(subtract_mean=True),
    "no_pow2_frame_20ms": dict(frame_length=20.0, round_to_power_of_two=False),
}
meta = {"reference": f"torchaudio {torchaudio.__version__} / torch {torch.__version__}",
        "input": "fbank/ast_chirp_noise_1s/waveform.npy", "base_args": base, "cases": {}}
x = torch.from_numpy(wave)[None, :]
for name, extra in cases.items():
    args = dict(base, **extra)
    y = kaldi.fbank(x, **args).numpy().astype(np.float32)
    np.save(out / f"{name}.npy", y)
    meta["cases"][name] = {"args": extra, "shape": list(y.shape)}
(out / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")
print("wrote", len(cases), "cases to", out)
