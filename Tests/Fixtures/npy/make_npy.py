#!/usr/bin/env python3
"""Writes the tiny .npy fixtures for Tests/ZooCoreTests/NPYTests.swift (numpy only; deterministic).

Run from anywhere: python3 Tests/Fixtures/npy/make_npy.py
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, array, version=None):
    path = os.path.join(HERE, name)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)
    return path


def main():
    f32 = (np.arange(24, dtype=np.float32) * 0.5 - 3.0).reshape(2, 3, 4)
    save("f32_2x3x4.npy", f32)                                       # version 1.0 (numpy's default)
    save("f32_2x3x4_v2.npy", f32, version=(2, 0))
    save("f32_2x3x4_v3.npy", f32, version=(3, 0))
    save("f16_5.npy", np.array([1.0, -2.5, 65504.0, 2.0**-24, -0.0], dtype=np.float16))
    save("u8_2x2.npy", np.array([[0, 255], [7, 128]], dtype=np.uint8))
    save("scalar_0d.npy", np.array(3.5, dtype=np.float32))            # shape ()
    save("empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))
    save("f8_3.npy", np.array([0.1, -1e300, 2.0**-149], dtype=np.float64))
    save("i8_3.npy", np.array([1, -(2**62), 2**40], dtype=np.int64))
    save("i4_3.npy", np.array([7, -(2**31), 2**31 - 1], dtype=np.int32))
    save("f4_be_3.npy", np.array([1.5, -2.0, 1e-30], dtype=">f4"))    # big-endian
    save("bool_4.npy", np.array([True, False, False, True]))
    save("fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    save("complex_2.npy", np.array([1 + 2j, 3 - 4j], dtype=np.complex64))  # unsupported dtype

    # Truncated: the f32 [2,3,4] file (96 data bytes) with its last 10 bytes cut.
    full = open(os.path.join(HERE, "f32_2x3x4.npy"), "rb").read()
    with open(os.path.join(HERE, "truncated_f32_2x3x4.npy"), "wb") as f:
        f.write(full[:-10])


if __name__ == "__main__":
    main()
