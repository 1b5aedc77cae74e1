#!/usr/bin/env python3
"""Writes the example layers for `lutforge run-layer`, float32 weight
matrices (a row per output), normal with σ = 0.02 (a typical LLM
projection's scale), each from its own fixed seed:
- examples/layer_64x256.npy: 64 outputs × 256 inputs;
- examples/layer_384x384.npy: 384 × 384, the shape of a MiniLM (all-MiniLM-L6)
  query projection.
Pure Python: no numpy needed.

    python3 scripts/make_example_layer.py
"""
import pathlib
import random
import struct

SIGMA = 0.02
LAYERS = [("layer_64x256.npy", 64, 256, 2026), ("layer_384x384.npy", 384, 384, 384)]


def npy_f32(rows, cols, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    # Magic (6) + version (2) + length (2) + header + newline, padded to 64 bytes.
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + struct.pack(
        "<%df" % len(values), *values
    )


def main():
    for name, rows, cols, seed in LAYERS:
        rng = random.Random(seed)
        values = [rng.gauss(0.0, SIGMA) for _ in range(rows * cols)]
        out = pathlib.Path(__file__).resolve().parent.parent / "examples" / name
        out.write_bytes(npy_f32(rows, cols, values))
        print(f"wrote {out} ({rows} × {cols} float32)")


if __name__ == "__main__":
    main()
