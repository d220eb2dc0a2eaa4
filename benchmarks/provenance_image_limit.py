"""What refusing an oversized image from its header saves: an 8000×8000 PNG (about
190 KB compressed) is refused by reading its IHDR, where decoding it (the first step of
any watermark check) costs its full pixel buffer. Both measured in the same run; the
memory is the decoder's peak resident growth in a child process.

Run: ``PYTHONPATH=src python benchmarks/provenance_image_limit.py``
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from tekisei.errors import InvalidInputError  # noqa: E402
from tekisei.services.image_inputs import refuse_oversized  # noqa: E402
from tests.provenance.test_image_headers import huge_png  # noqa: E402

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


def main() -> None:
    data = huge_png()
    rounds = 1000
    start = time.perf_counter()
    for _ in range(rounds):
        try:
            refuse_oversized(data, 4096 * 4096)
        except InvalidInputError:
            pass
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
