"""The keyed-hash green-list watermark: fixed vectors, calibration on random token streams,
the exact binomial test, verdicts, and sealed keys."""

from __future__ import annotations

import hashlib
import math
import random
from typing import Any

import pytest

from tekisei.provenance import (
    MIN_TOKENS,
    SCHEME,
    SELFHASH_SCHEME,
    GreenList,
    Hashing,
    SealError,
    TokenizerFile,
    Verdict,
    WatermarkParams,
    binomial_tail,
    detect,
    detect_text,
    new_secret,
    normalised,
    seal,
    smollm2_tokenizer,
    text_variants,
    unseal,
    verdict,
)
from tekisei.services.demo import DEMO_TEXT_SAMPLE, DEMO_TEXT_SECRET

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


@pytest.fixture(scope="module")
def smollm2(tmp_path_factory: pytest.TempPathFactory) -> TokenizerFile:
    path = tmp_path_factory.mktemp("tokenizer") / "tokenizer.json"
    path.write_bytes(smollm2_tokenizer())
    return TokenizerFile(path)


DEMO_TEXT = DEMO_TEXT_SAMPLE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "attack",
    [
        pytest.param(
            lambda t: "".join(c + ("\u200b" if i % 3 == 2 else "") for i, c in enumerate(t)),
            id="zero-width-space-every-3",
        ),
        pytest.param(
            lambda t: "".join(c + "\u2060\u00ad\ufeff\u200d"[i % 4] for i, c in enumerate(t)),
            id="joiners-soft-hyphens-bom",
        ),
        pytest.param(lambda t: t.translate(str.maketrans("aeopcxy", "аеорсху")), id="cyrillic"),
        pytest.param(
            lambda t: t.translate(str.maketrans("AEIOoTKMNpv", "ΑΕΙΟοΤΚΜΝρν")), id="greek"
        ),
        pytest.param(str.upper, id="all-caps"),
        pytest.param(
            lambda t: "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in t),
            id="fullwidth",
        ),
        pytest.param(
            lambda t: (
                "\u202e" + t.upper().translate(str.maketrans("AEO", "АЕО")).replace(" ", " \u200b")
            ),
            id="combined",
        ),
    ],
)
def test_invisible_look_alike_and_capital_letters_do_not_hide_the_watermark(
    smollm2: TokenizerFile, attack: Any
) -> None:
    green = GreenList(DEMO_TEXT_SECRET)
    attacked = attack(DEMO_TEXT)
    assert attacked != DEMO_TEXT
    # tokenised as given, the attack removes the watermark ...
    assert detect(smollm2.encode(attacked), green).verdict is not Verdict.WATERMARK_DETECTED
    # ... the detector tests the normalised forms too, and the Bonferroni correction counts them
    found = detect_text(attacked, smollm2, green)
    assert found.verdict is Verdict.WATERMARK_DETECTED
    assert found.variants_tried >= 2 and found.p_value < 1e-6


def test_the_text_as_given_is_one_test_and_each_extra_form_is_counted() -> None:
    assert text_variants("plain text, nothing to undo") == ["plain text, nothing to undo"]
    assert normalised("ｐаy\u200bpal\u00ad") == "paypal"
    forms = text_variants("THE MODEL SAID I SHOULD GO. THEN IT STOPPED ANSWERING ME.")
    assert forms[-1] == "The model said I should go. Then it stopped answering me."
    # a Russian word keeps its own form among those tested
    assert text_variants("мир")[0] == "мир"
    green = GreenList(KEY)
    one = detect([1, 2, 3, 4] * 40, green, variants_tried=1)
    three = detect([1, 2, 3, 4] * 40, green, variants_tried=3)
    assert three.p_value == pytest.approx(min(1.0, one.p_value * 3))


def test_normalised_forms_raise_no_false_positive_on_random_text(smollm2: TokenizerFile) -> None:
    green = GreenList(DEMO_TEXT_SECRET)
    rng = random.Random(5)
    words = DEMO_TEXT.split()
    detected = 0
    for _ in range(40):
        text = " ".join(rng.sample(words, 120))  # the same words in a random order
        for form in (text, text.upper(), text.translate(str.maketrans("aeo", "аео"))):
            detected += detect_text(form, smollm2, green).verdict is Verdict.WATERMARK_DETECTED
    assert detected == 0


def test_selfhash_green_lists_depend_on_the_candidate_and_a_window_of_four() -> None:
    params = WatermarkParams(hashing=Hashing.SELFHASH, context=3)
    assert params.scheme == SELFHASH_SCHEME and WatermarkParams().scheme == SCHEME
    green = GreenList(KEY, params)
    mask = green.mask([7, 8, 9], VOCAB)
    assert 0.23 < mask.mean() < 0.27
    assert [green.is_green([7, 8, 9], t) for t in range(500)] == mask[:500].tolist()
    # the lists differ from lefthash's for the same key and from another key's
    assert (GreenList(KEY).mask([9], VOCAB) != mask).sum() > 5000
    assert (GreenList(b"z" * 32, params).mask([7, 8, 9], VOCAB) != mask).sum() > 5000
    # min-hash over the window: order does not matter; the token with the least hash does
    assert (green.mask([9, 8, 7], VOCAB) == mask).all()
    anchor = min([7, 8, 9], key=green.token_hash)
    other = [t if t != anchor else 1000 for t in [7, 8, 9]]
    assert (green.mask(other, VOCAB) != mask).sum() > 5000


def test_a_stream_biased_towards_selfhash_green_is_detected_only_with_that_scheme() -> None:
    green = GreenList(KEY, WatermarkParams(hashing=Hashing.SELFHASH, context=3))
    rng = random.Random(11)
    ids = [rng.randrange(VOCAB) for _ in range(3)]
    for _ in range(150):
        mask = green.mask(ids[-3:], VOCAB)
        pool = mask.nonzero()[0] if rng.random() < 0.6 else range(VOCAB)
        ids.append(int(rng.choice(list(pool))))
    found = detect(ids, green)
    assert found.verdict is Verdict.WATERMARK_DETECTED and found.scheme == SELFHASH_SCHEME
    assert detect(ids, GreenList(KEY)).verdict is Verdict.NOT_DETECTED


def test_every_format_character_unicode_defines_is_removed() -> None:
    import sys
    import unicodedata

    from tekisei.provenance._normalize import _table

    everything = {
        code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"
    }
    assert everything <= set(_table())
    invisible = "".join(chr(code) for code in sorted(everything))
    assert normalised("a" + invisible + "b") == "ab"
