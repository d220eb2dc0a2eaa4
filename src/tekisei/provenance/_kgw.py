"""The keyed-hash green-list text watermark (KGW family) and its detector.

At each generation step the previous ``context`` token ids and the secret key give a
seed (BLAKE2b, keyed); a vocabulary id is *green* when a 64-bit mix of the seed and the
id falls below γ·2⁶⁴. Generation adds δ to the green logits; detection counts green
tokens among the unique (context, token) pairs of a text and tests the count against
the binomial(n, γ) a text without the watermark follows. Everything is numpy and
integer arithmetic, so the green lists are the same on every platform and detection
needs no model, only the key and the generator's tokenizer.
"""

from __future__ import annotations

import hashlib
import math
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, Field

SCHEME = "keyed-kgw-v1"
_PHI = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        out: np.ndarray = x ^ (x >> np.uint64(31))
        return out


class Verdict(StrEnum):
    """What a detection concludes."""

    WATERMARK_DETECTED = "watermark_detected"
    INCONCLUSIVE = "inconclusive"
    NOT_DETECTED = "not_detected"
    INSUFFICIENT_TEXT = "insufficient_text"
    NO_KEYS = "no_keys"
    """Nothing was checked: the service holds no watermark key to check against."""


MIN_TOKENS = 50
DETECT_Z = 4.0
INCONCLUSIVE_Z = 2.0
P_AT_DETECT_Z = 0.5 * math.erfc(DETECT_Z / math.sqrt(2))
"""The one-sided normal tail at z = 4 (about 3.2e-5)."""


class WatermarkParams(BaseModel):
    """The scheme's parameters: green-list share γ, logit bias δ, context width h."""

    gamma: float = Field(default=0.25, gt=0, lt=1)
    delta: float = Field(default=2.0, gt=0, le=20)
    context: int = Field(default=1, ge=1, le=8)


class Detection(BaseModel):
    """The detector's finding for one text and one key."""

    scheme: str = SCHEME
    key_id: str | None = None
    tokens_scored: int
    green: int
    z: float
    p_value: float
    """One-sided exact binomial p-value (Bonferroni-corrected when several keys were tried)."""
    keys_tried: int = 1
    verdict: Verdict


class GreenList:
    """The green lists of one secret key."""

    def __init__(self, secret: bytes, params: WatermarkParams | None = None) -> None:
        if len(secret) < 16:
            raise ValueError("a watermark key is at least 16 bytes")
        self.params = params or WatermarkParams()
        self._secret = secret
        self._threshold = np.uint64(int(self.params.gamma * 2**64) - 1)

    def seed(self, context: list[int]) -> np.uint64:
        """The keyed seed of a context (little-endian uint32 ids, BLAKE2b-64 with the key)."""
        data = np.asarray(context, dtype="<u4").tobytes()
        digest = hashlib.blake2b(data, key=self._secret[:64], digest_size=8).digest()
        return np.uint64(int.from_bytes(digest, "little"))

    def mask(self, context: list[int], vocab_size: int) -> np.ndarray:
        """Which of the ids 0..vocab_size-1 are green after ``context`` (bool array)."""
        ids = np.arange(vocab_size, dtype=np.uint64)
        with np.errstate(over="ignore"):
            return _mix64(self.seed(context) ^ (ids * _PHI)) <= self._threshold

    def is_green(self, context: list[int], token: int) -> bool:
        """Whether ``token`` is green after ``context``."""
        with np.errstate(over="ignore"):
            value = np.array([self.seed(context) ^ (np.uint64(token) * _PHI)], dtype=np.uint64)
        return bool(_mix64(value)[0] <= self._threshold)

    def count(self, ids: list[int]) -> tuple[int, int]:
        """(scored, green) over the unique (context, token) pairs of ``ids``."""
        h = self.params.context
        seen: set[tuple[int, ...]] = set()
        green = 0
        for i in range(h, len(ids)):
            pair = tuple(ids[i - h : i + 1])
            if pair in seen:
                continue
            seen.add(pair)
            green += self.is_green(list(pair[:-1]), pair[-1])
        return len(seen), green


def binomial_tail(n: int, k: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space (exact, no SciPy)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    logs = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
        + i * math.log(p) + (n - i) * math.log1p(-p)
        for i in range(k, n + 1)
    ]  # fmt: skip
    top = max(logs)
    return min(1.0, math.exp(top) * sum(math.exp(v - top) for v in logs))


def verdict(tokens_scored: int, z: float, corrected_p: float | None = None) -> Verdict:
    """Under 50 scored tokens: insufficient text; z ≥ 4: detected (and, when several keys
    were tried, a Bonferroni-corrected p-value no larger than one key's at z = 4);
    2 ≤ z < 4: inconclusive; otherwise not detected."""
    if tokens_scored < MIN_TOKENS:
        return Verdict.INSUFFICIENT_TEXT
    if z >= DETECT_Z and (corrected_p is None or corrected_p <= P_AT_DETECT_Z):
        return Verdict.WATERMARK_DETECTED
    if z >= INCONCLUSIVE_Z:
        return Verdict.INCONCLUSIVE
    return Verdict.NOT_DETECTED


def detect(
    ids: list[int], green_list: GreenList, key_id: str | None = None, keys_tried: int = 1
) -> Detection:
    """Test token ids for the watermark of one key. With ``keys_tried`` > 1 the p-value is
    Bonferroni-corrected (× keys tried) and must also pass, so that trying many keys
    does not raise false positives."""
    gamma = green_list.params.gamma
    scored, green = green_list.count(ids)
    if scored == 0:
        z = 0.0
        p_value = 1.0
    else:
        z = (green - gamma * scored) / math.sqrt(scored * gamma * (1 - gamma))
        p_value = min(1.0, binomial_tail(scored, green, gamma) * keys_tried)
    return Detection(
        key_id=key_id,
        tokens_scored=scored,
        green=green,
        z=round(z, 4),
        p_value=p_value,
        keys_tried=keys_tried,
        verdict=verdict(scored, z, p_value if keys_tried > 1 else None),
    )


P_BANDS: tuple[tuple[float, str], ...] = (
    (1e-6, "p < 0.000001"),
    (1e-4, "p < 0.0001"),
    (1e-2, "p < 0.01"),
    (5e-2, "p < 0.05"),
)


def p_band(p_value: float) -> str:
    """A coarse band for a p-value, which is all the public verifier shows (exact scores
    would help attackers learn the green lists)."""
    for limit, label in P_BANDS:
        if p_value < limit:
            return label
    return "p ≥ 0.05"
