#!/usr/bin/env python3
"""Writes examples/layer_64x256.npy: a float32 weight matrix of 64 outputs
× 256 inputs, normal with σ = 0.02 (a typical LLM projection's scale), from a
fixed seed, for `lutforge run-layer`. Pure Python: no numpy needed.

    python3 scripts/make_example_layer.py
"""
import pathlib
import random
import struct

ROWS, COLS, SEED, SIGMA = 64, 256, 2026, 0.02


def npy_f32(rows, cols, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    # Magic (6) + version (2) + length (2) + header + newline, padded to 64 bytes.
    pad = 64 - (10 + len(header) + 1) % 64
    header = header + " " * pad + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1") + struct.pack(
        "<%df" % len(values), *values
    )


def main():
    rng = random.Random(SEED)
    values = [rng.gauss(0.0, SIGMA) for _ in range(ROWS * COLS)]
    out = pathlib.Path(__file__).resolve().parent.parent / "examples" / "layer_64x256.npy"
    out.write_bytes(npy_f32(ROWS, COLS, values))
    print(f"wrote {out} ({ROWS} × {COLS} float32)")


if __name__ == "__main__":
    main()
