#!/usr/bin/env python3
"""Writes the small tensor files under testbench/tests/data/ that
testbench/tests/tensor_fixtures.rs reads: files written by numpy and by the
safetensors library themselves, with arange-based values so the tests can
check exact numbers.

    python3 -m venv /tmp/tvenv && /tmp/tvenv/bin/pip install numpy safetensors ml_dtypes
    /tmp/tvenv/bin/python scripts/make_tensor_fixtures.py

Every file is read back with numpy or safetensors before the script ends.
The values are fixed; the order of keys in a .safetensors header may differ
between runs.
"""
import pathlib

import ml_dtypes
import numpy as np
from safetensors.numpy import load_file, save_file

OUT = pathlib.Path(__file__).resolve().parent.parent / "testbench" / "tests" / "data"


def npy_files():
    """name -> array, each saved with numpy.save."""
    return {
        # numpy's default dtype; (i - 5) / 10 is not exact in float32.
        "f64_3x4.npy": (np.arange(12, dtype=np.float64).reshape(3, 4) - 5) * 0.1,
        # Halves: (i - 2) * 0.25, exact.
        "f16_2x3.npy": ((np.arange(6).reshape(2, 3) - 2) * 0.25).astype(np.float16),
        # Fortran order: logical [[0, 1, 2], [3, 4, 5]], stored column by column.
        "f32_fortran_2x3.npy": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        # Big-endian float32, i + 0.5.
        "f32_big_endian_2x2.npy": (np.arange(4, dtype=np.float32).reshape(2, 2) + 0.5).astype(">f4"),
        # 1-D: read as one row.
        "f32_1d_5.npy": np.arange(5, dtype=np.float32) * 2,
        # 3-D: refused.
        "f32_3d_2x3x4.npy": np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    }


def safetensors_files():
    """name -> (tensors, metadata), each saved with safetensors.numpy.save_file."""
    return {
        "multi.safetensors": (
            {
                "layer.weight": np.arange(12, dtype=np.float32).reshape(3, 4) - 6,
                "layer.bias": np.arange(4, dtype=np.float32) * 0.5,
                "layer.scale": (np.arange(4).reshape(2, 2) + 1).astype(np.float16) * np.float16(0.125),
            },
            {"format": "np", "written_by": "make_tensor_fixtures.py"},
        ),
        "bf16_2x4.safetensors": (
            {"w": ((np.arange(8, dtype=np.float32).reshape(2, 4) - 3) * 0.375).astype(ml_dtypes.bfloat16)},
            None,
        ),
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for name, array in npy_files().items():
        np.save(OUT / name, array)
        back = np.load(OUT / name)
        assert back.dtype == array.dtype and np.array_equal(back, array), name
        if "fortran" in name:
            assert back.flags.f_contiguous and not back.flags.c_contiguous, name
        print(f"wrote {name}: {array.dtype.str} {array.shape}")
    for name, (tensors, metadata) in safetensors_files().items():
        save_file(tensors, OUT / name, metadata=metadata)
        back = load_file(OUT / name)
        assert back.keys() == tensors.keys(), name
        for key, array in tensors.items():
            assert back[key].dtype == array.dtype and np.array_equal(back[key], array), (name, key)
        print(f"wrote {name}: {', '.join(f'{k} {v.dtype} {v.shape}' for k, v in tensors.items())}")


if __name__ == "__main__":
    main()
