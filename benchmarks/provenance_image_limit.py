"""What refusing an oversized image from its header saves: an 8000×8000 PNG (about
190 KB compressed) is refused by reading its IHDR, where decoding it (the first step of
any watermark check) costs its full pixel buffer. Both measured in the same run; the
memory is the decoder's peak resident growth in a child process.

Run: ``PYTHONPATH=src python benchmarks/provenance_image_limit.py``
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import zlib
from contextlib import suppress

from tekisei.errors import InvalidInputError
from tekisei.services.image_inputs import refuse_oversized

DECODE = """
import resource, sys, time
import numpy as np, cv2
data = sys.stdin.buffer.read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
took = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(took, (after - before) / 1024, "x".join(map(str, image.shape)))
"""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(side: int = 8000) -> bytes:
    """A side×side RGB PNG of black rows, compressed row by row."""
    packer = zlib.compressobj(9)
    row = bytes(1 + side * 3)
    pixels = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", pixels)
        + _chunk(b"IEND", b"")
    )


def main() -> None:
    data = huge_png()
    rounds = 1000
    start = time.perf_counter()
    for _ in range(rounds):
        with suppress(InvalidInputError):
            refuse_oversized(data, 4096 * 4096)
    header_s = (time.perf_counter() - start) / rounds
    env = dict(os.environ, OPENCV_IO_MAX_IMAGE_PIXELS=str(2**31))
    out = subprocess.run(
        [sys.executable, "-c", DECODE], input=data, capture_output=True, env=env, check=True
    ).stdout.decode()
    decode_s, peak_mb, shape = out.split(" ", 2)
    print(f"8000×8000 PNG: {len(data):,} bytes")
    print(f"refused from the header: {header_s * 1e6:.1f} µs per request")
    print(f"decoded by OpenCV: {float(decode_s):.2f} s, +{float(peak_mb):.0f} MB resident {shape}")
    print(f"ratio decode ÷ header:   {float(decode_s) / header_s:,.0f} ×")


if __name__ == "__main__":
    main()
