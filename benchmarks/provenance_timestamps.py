"""What an RFC 3161 time-stamp from the deployment's own responder adds to signing an
image: C2PA signing of the same picture without a time-stamp (the ideal), with the own
responder started on a loopback port for each signing (what ``tekisei provenance
sign-image`` does), and with one responder kept running (what a server does).

    .venv/bin/python benchmarks/provenance_timestamps.py [ROUNDS]

Prints the median milliseconds per signing and each ratio to the signing without a
time-stamp. Only the signing is timed (no watermark, no database).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from tekisei.provenance import DeploymentPki, sign_image
from tekisei.services import timestamps


def _picture() -> bytes:
    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (384, 512, 3), dtype=np.uint8)
    ok, encoded = cv2.imencode(".png", image)
    assert ok
    return bytes(encoded.tobytes())


def _median_ms(rounds: int, sign: Callable[[], bytes]) -> float:
    sign()  # warm up: the library, the key, the first connection
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        sign()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(rounds: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        master = bytes(32)  # a fixed master key: the benchmark keeps nothing
        deployment = DeploymentPki(data_dir / "pki", master)
        deployment.create_root()
        signer = deployment.issue(1, "ベンチマーク株式会社")
        picture = _picture()

        def plain() -> bytes:
            return sign_image(picture, signer, generator="g", system="s")

        def loopback_each() -> bytes:
            with timestamps.time_stamp_url("own", data_dir, master=master) as url:
                return sign_image(picture, signer, generator="g", system="s", time_stamp_url=url)

        with timestamps.time_stamp_url("own", data_dir, master=master) as kept_url:

            def kept() -> bytes:
                return sign_image(
                    picture, signer, generator="g", system="s", time_stamp_url=kept_url
                )

            results = {
                "no time-stamp": _median_ms(rounds, plain),
                "own responder, started per signing": _median_ms(rounds, loopback_each),
                "own responder, kept running": _median_ms(rounds, kept),
            }
    ideal = results["no time-stamp"]
    print(f"{'signing':40} {'median ms':>10} {'× ideal':>8}")
    for name, ms in results.items():
        print(f"{name:40} {ms:10.1f} {ms / ideal:8.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
