"""The keyed-hash green-list watermark: fixed vectors, calibration on random token streams,
the exact binomial test, verdicts, and sealed keys."""

from __future__ import annotations

import hashlib
import math
import random

import pytest

from tekisei.provenance import (
    MIN_TOKENS,
    GreenList,
    SealError,
    Verdict,
    WatermarkParams,
    binomial_tail,
    detect,
    new_secret,
    seal,
    unseal,
    verdict,
)

KEY = b"tekisei-test-key-0123456789abcdef"
VOCAB = 49_152


def test_green_lists_are_fixed_vectors_on_every_platform() -> None:
    green = GreenList(KEY)
    # the seed is BLAKE2b-64 keyed with the secret over the little-endian uint32 context
    expected = hashlib.blake2b((42).to_bytes(4, "little"), key=KEY, digest_size=8).digest()
    assert int(green.seed([42])) == int.from_bytes(expected, "little") == 5539505626766459994
    mask = green.mask([42], 1000)
    assert hashlib.sha256(mask.tobytes()).hexdigest() == (
        "9bf194cd7aaf914577e9ad023b4ce96d711c345e5e177c98263103476bf49e8b"
    )
    assert int(mask.sum()) == 222
    assert int(green.mask([7, 9], VOCAB).sum()) == 12286  # a quarter, as γ = 0.25 says
    assert [green.is_green([42], t) for t in range(1000)] == mask.tolist()
    other = GreenList(b"another-key-0123456789abcdefghij")
    assert (other.mask([42], 1000) != mask).sum() > 200


def test_uniform_random_streams_are_not_detected_999_times_in_1000() -> None:
    green = GreenList(KEY)
    rng = random.Random(20261126)
    extreme = 0
    for _ in range(1000):
        ids = [rng.randrange(VOCAB) for _ in range(200)]
        if abs(detect(ids, green).z) >= 4:
            extreme += 1
    assert extreme <= 1


def test_a_stream_biased_towards_green_is_detected() -> None:
    green = GreenList(KEY)
    rng = random.Random(7)
    ids = [rng.randrange(VOCAB)]
    for _ in range(120):
        mask = green.mask([ids[-1]], VOCAB)
        pool = mask.nonzero()[0] if rng.random() < 0.6 else range(VOCAB)
        ids.append(int(rng.choice(list(pool))))
    found = detect(ids, green, key_id="wk-test")
    assert found.verdict is Verdict.WATERMARK_DETECTED and found.z > 4
    assert found.p_value < 1e-6 and found.key_id == "wk-test"
    assert detect(ids, GreenList(b"z" * 32)).verdict is Verdict.NOT_DETECTED


def test_repeated_context_token_pairs_count_once() -> None:
    green = GreenList(KEY)
    scored, _ = green.count([5, 6] * 100)
    assert scored == 2  # (5, 6) and (6, 5)


def test_the_binomial_tail_is_exact() -> None:
    n, p = 30, 0.25
    for k in (0, 5, 12, 30):
        brute = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1))
        assert binomial_tail(n, k, p) == pytest.approx(brute, rel=1e-9)
    assert binomial_tail(10, 11, p) == 0.0


def test_verdicts_and_the_bonferroni_correction() -> None:
    assert verdict(MIN_TOKENS - 1, 9.0) is Verdict.INSUFFICIENT_TEXT
    assert verdict(100, 4.0) is Verdict.WATERMARK_DETECTED
    assert verdict(100, 3.0) is Verdict.INCONCLUSIVE
    assert verdict(100, 1.0) is Verdict.NOT_DETECTED
    # z just over 4 with ten keys tried: the corrected p-value is too large to claim
    assert verdict(100, 4.1, corrected_p=2e-4) is Verdict.INCONCLUSIVE
    green = GreenList(KEY, WatermarkParams(gamma=0.25))
    ids = [1, 2, 3] * 5
    assert detect(ids, green, keys_tried=3).keys_tried == 3


def test_sealed_secrets_open_only_with_the_same_deployment_secret() -> None:
    secret, master = new_secret(), b"m" * 32
    sealed = seal(secret, master, "wk-1")
    assert unseal(sealed, master, "wk-1") == secret
    with pytest.raises(SealError, match="TEKISEI_SECRET_KEY"):
        unseal(sealed, b"n" * 32, "wk-1")
    with pytest.raises(SealError):
        unseal(sealed, master, "wk-2")  # bound to its key id
    with pytest.raises(ValueError, match="16 bytes"):
        GreenList(b"short")
