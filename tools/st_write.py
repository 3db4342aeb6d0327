# SPDX-License-Identifier: MIT
"""Minimal safetensors writer for the golden-data generators (no third-party package needed)."""
import json
import struct

import numpy as np

_DT = {np.float32: "F32", np.float64: "F64", np.int32: "I32", np.int64: "I64", np.bool_: "BOOL"}


def write(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        raw = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": _DT[arr.dtype.type], "shape": list(arr.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
