"""Targets: what is tested. Anything with an async ``generate(messages) -> str``.

HTTP targets use aiohttp: at 50 connections to a 200 ms target it keeps up with
the ideal rate on two cores, where httpx's pool spent several milliseconds of CPU
per request (measured in benchmarks/eval_throughput.py). Every HTTP target has a
:class:`NetworkPolicy` saying what it may reach, checked on the URL before each request
and on each address when connecting; redirects are never followed, and an error answer
is reported by its status code only (its body is never read).
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiohttp
import yaml
from aiohttp.abc import AbstractResolver

from tekisei.errors import FileLimitError
from tekisei.evals._model import Message
from tekisei.evals._network import GuardedResolver, NetworkPolicy, TargetRefusedError
from tekisei.untrusted import MAX_YAML_BYTES, load_yaml, read_text

MAX_ANSWER_BYTES = 10 * 1024 * 1024
"""The largest answer read from a target; a larger one is an error."""
ResolverFactory = Callable[[], AbstractResolver]


class TargetError(Exception):
    """The target failed to answer; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Target(Protocol):
    """Something that answers chat messages."""

    name: str

    async def generate(self, messages: list[Message]) -> str: ...


class CallableTarget:
    """A Python function (sync or async) from messages to text."""

    def __init__(
        self, function: Callable[[list[Message]], str | Awaitable[str]], name: str = "callable"
    ) -> None:
        self._function = function
        self.name = name

    async def generate(self, messages: list[Message]) -> str:
        """Call the function."""
        value = self._function(messages)
        if inspect.isawaitable(value):
            value = await value
        return str(value)


@dataclass(frozen=True)
class Generation:
    """Sampling settings sent to API targets: temperature, seed and the answer's length
    limit (None: the endpoint's default)."""

    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None

    def suffix(self) -> str:
        """How the settings appear after a target's name (empty when none is set)."""
        parts = [f"{k}={v}" for k, v in vars(self).items() if v is not None]
        return f" [{', '.join(parts)}]" if parts else ""


class _OpenAIEndpoint:
    """What the OpenAI-compatible targets share: URL, model, key and connections."""

    kind = ""
    path = ""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        policy: NetworkPolicy | None = None,
        resolver: ResolverFactory | None = None,
        generation: Generation | None = None,
    ) -> None:
        self.generation = generation or Generation()
        # The settings are part of the name, so cached answers never cross settings.
        self.name = f"{self.kind}:{model}@{base_url}{self.generation.suffix()}"
        self._url = base_url.rstrip("/") + self.path
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = _Http(timeout, policy, resolver)
        self._http.check(self._url)

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()


class OpenAIChatTarget(_OpenAIEndpoint):
    """An OpenAI-compatible ``/chat/completions`` endpoint."""

    kind = "openai"
    path = "/chat/completions"

    async def generate(self, messages: list[Message]) -> str:
        """Post the messages and return the first choice's content.

        Raises:
            TargetError: network failures, 429 and 5xx (retryable) or other errors.
        """
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [m.model_dump(mode="json") for m in messages],
        }
        settings = self.generation
        if settings.temperature is not None:
            body["temperature"] = settings.temperature
        if settings.seed is not None:
            body["seed"] = settings.seed
        if settings.max_tokens is not None:
            body["max_tokens"] = settings.max_tokens
        data = await post_json(self._http, self._url, body, self._headers)
        try:
            return str(data["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            raise TargetError("the response is not a chat completion", retryable=False) from None


class _Http:
    """One aiohttp session per event loop, opened on first use (sessions are loop-bound),
    whose connections resolve through the policy's :class:`GuardedResolver`.

    ``policy`` defaults to :meth:`NetworkPolicy.local` (someone testing from their own
    machine); a server acting for its users passes :meth:`NetworkPolicy.strict`.
    """

    def __init__(
        self,
        timeout: float,
        policy: NetworkPolicy | None = None,
        resolver: ResolverFactory | None = None,
    ) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.policy = policy if policy is not None else NetworkPolicy.local()
        self._resolver = resolver
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def check(self, url: str) -> None:
        """Refuse a URL the policy does not allow, before any request.

        Raises:
            ValueError: the policy refuses it (:class:`TargetRefusedError`).
        """
        self.policy.check_url(url)

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            inner = self._resolver() if self._resolver is not None else None
            # limit=0: the runner's semaphore bounds requests in flight, not the pool
            connector = aiohttp.TCPConnector(limit=0, resolver=GuardedResolver(self.policy, inner))
            # trust_env=False: a proxy from the environment would resolve names itself
            self._session = aiohttp.ClientSession(
                timeout=self._timeout, connector=connector, trust_env=False
            )
            self._loop = loop
        return self._session

    async def aclose(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


async def post_json(http: _Http, url: str, body: Any, headers: dict[str, str]) -> Any:
    """POST ``body`` as JSON and return the decoded JSON answer.

    Error messages are short and generic (a status code and a reason): never the body
    of an error answer nor the text of a network exception, which could carry details
    of the network behind the target.

    Raises:
        TargetError: network failures and timeouts, 429 and 5xx (retryable, with
            Retry-After), an address the policy refuses, redirects, other HTTP errors,
            answers over 10 MB and non-JSON answers (not retryable).
    """
    return await request_json(http, "POST", url, headers, json=body)


async def request_json(
    http: _Http, method: str, url: str, headers: dict[str, str], **send: Any
) -> Any:
    """Send one request through ``http`` (the policy checked on the URL and on every
    address connected to, no redirect followed, at most 10 MB read) and return the
    decoded JSON answer; ``send`` is what aiohttp sends (``json=``, ``data=``).

    Raises:
        TargetError: as :func:`post_json`.
    """
    try:
        http.check(url)
        async with http.session().request(
            method, url, headers=headers, allow_redirects=False, **send
        ) as response:
            status = response.status
            after = response.headers.get("Retry-After")
            raw = await _read(response) if 200 <= status < 300 else b""
    except TargetRefusedError:
        raise TargetError("the target's address is not allowed", retryable=False) from None
    except TimeoutError:
        raise TargetError("the target did not answer in time", retryable=True) from None
    except aiohttp.ClientError:
        raise TargetError("the target could not be reached", retryable=True) from None
    if status == 429 or status >= 500:
        raise TargetError(
            f"HTTP {status} from the target",
            retryable=True,
            retry_after=float(after) if after and after.isdigit() else None,
        )
    if 300 <= status < 400:
        raise TargetError(
            f"HTTP {status} from the target (redirects are not followed)", retryable=False
        )
    if not 200 <= status < 300:
        raise TargetError(f"HTTP {status} from the target", retryable=False)
    try:
        return json.loads(raw)
    except ValueError:
        raise TargetError("the response is not JSON", retryable=False) from None


class GuardedHttp(_Http):
    """The guarded HTTP client for callers outside the engine (single sign-on): one
    aiohttp session per event loop that resolves through a :class:`GuardedResolver`,
    never follows redirects and reads at most 10 MB (use :func:`request_json`)."""


async def _read(response: aiohttp.ClientResponse) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise TargetError("the answer is larger than 10 MB", retryable=False)
        chunks.append(chunk)
    return b"".join(chunks)


class OpenAIResponsesTarget(_OpenAIEndpoint):
    """An OpenAI-compatible ``/responses`` endpoint (the Responses API)."""

    kind = "openai-responses"
    path = "/responses"

    async def generate(self, messages: list[Message]) -> str:
        """Post the messages as ``input`` and join the output text parts."""
        body: dict[str, Any] = {
            "model": self._model,
            "input": [m.model_dump(mode="json") for m in messages],
        }
        if self.generation.temperature is not None:
            body["temperature"] = self.generation.temperature
        if self.generation.max_tokens is not None:
            body["max_output_tokens"] = self.generation.max_tokens
        data = await post_json(self._http, self._url, body, self._headers)
        if isinstance(data, dict) and isinstance(data.get("output_text"), str):
            return str(data["output_text"])
        try:
            parts = [
                part["text"]
                for item in data["output"]
                if item.get("type") == "message"
                for part in item["content"]
                if part.get("type") == "output_text"
            ]
        except (KeyError, TypeError, AttributeError):
            parts = []
        if not parts:
            raise TargetError("the response has no output text", retryable=False)
        return "".join(parts)


class HttpJsonTarget:
    """Any HTTP endpoint taking and returning JSON.

    ``template`` is the request body. In its strings ``{{prompt}}`` becomes the last
    user message and ``{{system}}`` the system prompt; a string that is exactly
    ``{{messages}}`` becomes the whole message list. ``response_path`` is a dotted
    path to the answer text in the reply, with list indices as numbers
    (``choices.0.message.content``).
    """

    def __init__(
        self,
        url: str,
        template: Any,
        response_path: str,
        *,
        headers: dict[str, str] | None = None,
        timeout: float = 60.0,
        policy: NetworkPolicy | None = None,
        resolver: ResolverFactory | None = None,
    ) -> None:
        if not response_path.strip():
            raise ValueError("response_path names where the answer is, e.g. data.answer")
        self.name = f"http:{url}"
        self._url = url
        self._template = template
        self._path = response_path.split(".")
        self._headers = headers or {}
        self._http = _Http(timeout, policy, resolver)
        self._http.check(url)

    def body(self, messages: list[Message]) -> Any:
        """The request body for ``messages``."""
        prompt = next((m.content for m in reversed(messages) if m.role == "user"), "")
        system = next((m.content for m in messages if m.role == "system"), "")
        listed = [m.model_dump(mode="json") for m in messages]

        def fill(value: Any) -> Any:
            if value == "{{messages}}":
                return listed
            if isinstance(value, str):
                return value.replace("{{prompt}}", prompt).replace("{{system}}", system)
            if isinstance(value, list):
                return [fill(item) for item in value]
            if isinstance(value, dict):
                return {key: fill(item) for key, item in value.items()}
            return value

        return fill(self._template)

    async def generate(self, messages: list[Message]) -> str:
        """Post the filled template and follow ``response_path`` in the reply."""
        value = await post_json(self._http, self._url, self.body(messages), self._headers)
        for step in self._path:
            try:
                value = value[int(step)] if isinstance(value, list) else value[step]
            except (KeyError, IndexError, TypeError, ValueError):
                raise TargetError(
                    f"the reply has nothing at {'.'.join(self._path)!r} (stopped at {step!r})",
                    retryable=False,
                ) from None
        if not isinstance(value, str):
            raise TargetError(f"{'.'.join(self._path)!r} in the reply is not text", retryable=False)
        return value

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()


TARGET_SPECS = (
    "openai:MODEL@BASE_URL (chat completions), responses:MODEL@BASE_URL (Responses API), "
    "http:CONFIG.yaml (url, template, response_path, headers), "
    "hf:smollm2 | hf:FOLDER | hf:FILE.gguf[?max_new_tokens=N] (a local model, extra hf)"
)


def target_from_spec(
    spec: str,
    *,
    api_key: str | None = None,
    policy: NetworkPolicy | None = None,
    generation: Generation | None = None,
) -> Target:
    """A target from a command-line spec such as ``openai:tekisei-demo-1@http://127.0.0.1:8900/v1``.

    ``policy`` says what HTTP targets may reach (default :meth:`NetworkPolicy.local`).

    Raises:
        ValueError: the spec is not one of :data:`TARGET_SPECS`, its config is unusable,
            or the policy refuses its URL (:class:`TargetRefusedError`).
    """
    kind, _, rest = spec.partition(":")
    if kind in {"openai", "responses"}:
        model, at, base_url = rest.partition("@")
        if not model or not at or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"target {spec!r}: write {kind}:MODEL@http(s)://HOST/v1")
        if kind == "openai":
            return OpenAIChatTarget(
                base_url, model, api_key=api_key, policy=policy, generation=generation
            )
        return OpenAIResponsesTarget(
            base_url, model, api_key=api_key, policy=policy, generation=generation
        )
    if kind == "http":
        path = Path(rest)
        try:
            config = load_yaml(read_text(path, MAX_YAML_BYTES), str(path))
        except FileLimitError as exc:
            raise ValueError(f"target {spec!r}: {exc.message}") from None
        except UnicodeDecodeError:
            raise ValueError(f"target {spec!r}: {path} is not UTF-8 text") from None
        except OSError as exc:
            raise ValueError(f"target {spec!r}: cannot read {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ValueError(f"target {spec!r}: {path} is not valid YAML: {exc}") from None
        if not isinstance(config, dict) or not {"url", "template", "response_path"} <= set(config):
            raise ValueError(f"target {spec!r}: {path} needs url, template and response_path")
        headers = {str(k): str(v) for k, v in (config.get("headers") or {}).items()}
        if api_key:
            headers.setdefault("Authorization", f"Bearer {api_key}")
        return HttpJsonTarget(
            str(config["url"]),
            config["template"],
            str(config["response_path"]),
            headers=headers,
            policy=policy,
        )
    if kind == "hf":
        from tekisei.evals._hf import HuggingFaceTarget  # torch stays unimported otherwise

        model, _, tokens = rest.partition("?max_new_tokens=")
        if not model:
            raise ValueError(f"target {spec!r}: write hf:smollm2, hf:FOLDER or hf:FILE.gguf")
        if tokens and not tokens.isdigit():
            raise ValueError(f"target {spec!r}: max_new_tokens is a whole number")
        return HuggingFaceTarget(model, max_new_tokens=int(tokens) if tokens else 128)
    raise ValueError(f"unknown target {spec!r}; use {TARGET_SPECS}")
