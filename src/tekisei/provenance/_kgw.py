"""The keyed-hash green-list text watermark (KGW family) and its detector.

Two hashing schemes decide which vocabulary ids are *green* at a step:

- ``lefthash`` (scheme ``keyed-kgw-v1``): the previous ``context`` token ids and the
  secret key give a seed (BLAKE2b, keyed); an id is green when a 64-bit mix of the seed
  and the id falls below γ·2⁶⁴. With context 1 an edit changes at most two green
  decisions (the most robust to edits), but the green lists are few (one per previous
  token) and can be learned from a few hundred queries to a public detector.
- ``selfhash`` (scheme ``keyed-kgw-selfhash-v1``; Kirchenbauer et al. 2023b, Algorithm 3):
  each token id has a keyed hash; the seed for a candidate is the minimum of the hashes
  of the previous ``context`` tokens *and the candidate itself*, so the green list
  depends on a window of ``context`` + 1 tokens and on the token being judged. It is
  much harder to learn from queries; each edit can change up to ``context`` + 1 green
  decisions, so it is less robust to edits.

Generation adds δ to the green logits; detection counts green tokens among the unique
(context, token) pairs of a text and tests the count against the binomial(n, γ) a text
without the watermark follows. Everything is integer arithmetic (numpy for whole
vocabularies), so the green lists are the same on every platform and detection needs no
model, only the key and the generator's tokenizer.
"""

from __future__ import annotations

import hashlib
import math
from datetime import date
from enum import StrEnum

import numpy as np
from pydantic import BaseModel, Field

SCHEME = "keyed-kgw-v1"
SELFHASH_SCHEME = "keyed-kgw-selfhash-v1"


class Hashing(StrEnum):
    """How the green list of a step is seeded (see the module)."""

    LEFTHASH = "lefthash"
    SELFHASH = "selfhash"


SCHEMES: dict[str, Hashing] = {SCHEME: Hashing.LEFTHASH, SELFHASH_SCHEME: Hashing.SELFHASH}
"""Scheme names as keys record them, and the hashing each uses."""

_MASK = (1 << 64) - 1
_PHI_INT = 0x9E3779B97F4A7C15
_M1_INT = 0xBF58476D1CE4E5B9
_M2_INT = 0x94D049BB133111EB
_PHI = np.uint64(_PHI_INT)
_M1 = np.uint64(_M1_INT)
_M2 = np.uint64(_M2_INT)


def _mix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on uint64 arrays (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        out: np.ndarray = x ^ (x >> np.uint64(31))
        return out


def _mix_int(x: int) -> int:
    """:func:`_mix64` on one Python int (the same values, without numpy's per-call cost)."""
    x = ((x ^ (x >> 30)) * _M1_INT) & _MASK
    x = ((x ^ (x >> 27)) * _M2_INT) & _MASK
    return x ^ (x >> 31)


class Verdict(StrEnum):
    """What a detection concludes."""

    WATERMARK_DETECTED = "watermark_detected"
    INCONCLUSIVE = "inconclusive"
    NOT_DETECTED = "not_detected"
    INSUFFICIENT_TEXT = "insufficient_text"
    NO_KEYS = "no_keys"
    """Nothing was checked: the service holds no watermark key to check against."""
    KEY_RETIRED = "key_retired"
    """The text carries the watermark of a key its organisation retired: the service no
    longer attributes texts to that key."""


MIN_TOKENS = 50
DETECT_Z = 4.0
INCONCLUSIVE_Z = 2.0
P_AT_DETECT_Z = 0.5 * math.erfc(DETECT_Z / math.sqrt(2))
"""The one-sided normal tail at z = 4 (about 3.2e-5)."""


class WatermarkParams(BaseModel):
    """The scheme's parameters: green-list share γ, logit bias δ, context width h (the
    previous tokens that seed the list) and the hashing scheme (see the module)."""

    gamma: float = Field(default=0.25, gt=0, lt=1)
    delta: float = Field(default=2.0, gt=0, le=20)
    context: int = Field(default=1, ge=1, le=8)
    hashing: Hashing = Hashing.LEFTHASH

    @property
    def scheme(self) -> str:
        """The scheme name a key records (``keyed-kgw-v1`` or ``keyed-kgw-selfhash-v1``)."""
        return SELFHASH_SCHEME if self.hashing is Hashing.SELFHASH else SCHEME


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
    variants_tried: int = 1
    """How many forms of the text were tested (as given, normalised, case restored); the
    p-value is Bonferroni-corrected by keys tried × forms tried."""
    verdict: Verdict
    retired_on: date | None = None
    """With the verdict ``key_retired``: the day the key was retired."""


class GreenList:
    """The green lists of one secret key."""

    def __init__(self, secret: bytes, params: WatermarkParams | None = None) -> None:
        if len(secret) < 16:
            raise ValueError("a watermark key is at least 16 bytes")
        self.params = params or WatermarkParams()
        self._secret = secret
        self._key = secret[:64]
        self._threshold_int = int(self.params.gamma * 2**64) - 1
        self._threshold = np.uint64(self._threshold_int)
        self._token_hashes: dict[int, int] = {}
        self._hash_table = np.zeros(0, dtype=np.uint64)

    @property
    def scheme(self) -> str:
        """The scheme name of these lists."""
        return self.params.scheme

    def seed(self, context: list[int]) -> np.uint64:
        """The keyed seed of a context (little-endian uint32 ids, BLAKE2b-64 with the key)."""
        return np.uint64(self._seed_int(context))

    def _seed_int(self, context: list[int] | tuple[int, ...]) -> int:
        data = b"".join(int(t).to_bytes(4, "little") for t in context)
        digest = hashlib.blake2b(data, key=self._key, digest_size=8).digest()
        return int.from_bytes(digest, "little")

    def token_hash(self, token: int) -> int:
        """SelfHash: the keyed hash of one token id (BLAKE2b-64 with the key over the
        id as little-endian uint32 and the label ``self``), kept once computed."""
        found = self._token_hashes.get(token)
        if found is None:
            data = b"self" + int(token).to_bytes(4, "little")
            digest = hashlib.blake2b(data, key=self._key, digest_size=8).digest()
            found = self._token_hashes[token] = int.from_bytes(digest, "little")
        return found

    def _hashes(self, vocab_size: int) -> np.ndarray:
        if len(self._hash_table) < vocab_size:
            self._hash_table = np.array(
                [self.token_hash(t) for t in range(vocab_size)], dtype=np.uint64
            )
        return self._hash_table[:vocab_size]

    def mask(self, context: list[int], vocab_size: int) -> np.ndarray:
        """Which of the ids 0..vocab_size-1 are green after ``context`` (bool array)."""
        ids = np.arange(vocab_size, dtype=np.uint64)
        with np.errstate(over="ignore"):
            if self.params.hashing is Hashing.SELFHASH:
                left = np.uint64(min(self.token_hash(t) for t in context))
                anchors = np.minimum(self._hashes(vocab_size), left)
                return _mix64(anchors ^ (ids * _PHI)) <= self._threshold
            return _mix64(self.seed(context) ^ (ids * _PHI)) <= self._threshold

    def is_green(self, context: list[int] | tuple[int, ...], token: int) -> bool:
        """Whether ``token`` is green after ``context``."""
        if self.params.hashing is Hashing.SELFHASH:
            anchor = min(min(self.token_hash(t) for t in context), self.token_hash(token))
        else:
            anchor = self._seed_int(context)
        return _mix_int(anchor ^ ((token * _PHI_INT) & _MASK)) <= self._threshold_int

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
            green += self.is_green(pair[:-1], pair[-1])
        return len(seen), green


def binomial_tail(n: int, k: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space (exact, no SciPy)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    log_p, log_q, log_n = math.log(p), math.log1p(-p), math.lgamma(n + 1)
    logs: list[float] = []
    for i in range(k, n + 1):
        value = log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        logs.append(value)
        # past the mean the terms only fall; once 1e-30 of the largest they cannot count
        if i > n * p and value < logs[0] - 69:
            break
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
    ids: list[int],
    green_list: GreenList,
    key_id: str | None = None,
    keys_tried: int = 1,
    variants_tried: int = 1,
) -> Detection:
    """Test token ids for the watermark of one key. With ``keys_tried`` × ``variants_tried``
    > 1 the p-value is Bonferroni-corrected by that product and must also pass, so that
    trying many keys (or several forms of one text) does not raise false positives."""
    tests = keys_tried * variants_tried
    gamma = green_list.params.gamma
    scored, green = green_list.count(ids)
    if scored == 0:
        z = 0.0
        p_value = 1.0
    else:
        z = (green - gamma * scored) / math.sqrt(scored * gamma * (1 - gamma))
        p_value = min(1.0, binomial_tail(scored, green, gamma) * tests)
    return Detection(
        scheme=green_list.scheme,
        key_id=key_id,
        tokens_scored=scored,
        green=green,
        z=round(z, 4),
        p_value=p_value,
        keys_tried=keys_tried,
        variants_tried=variants_tried,
        verdict=verdict(scored, z, p_value if tests > 1 else None),
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
