"""Targets: what is tested. Anything with an async ``generate(messages) -> str``."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import httpx

from tekisei.evals._model import Message


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


class OpenAIChatTarget:
    """An OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 60.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.name = f"openai:{model}@{base_url}"
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def generate(self, messages: list[Message]) -> str:
        """Post the messages and return the first choice's content.

        Raises:
            TargetError: network failures, 429 and 5xx (retryable) or other errors.
        """
        body: dict[str, Any] = {
            "model": self._model,
            "messages": [m.model_dump(mode="json") for m in messages],
        }
        try:
            response = await self._client.post(self._url, json=body, headers=self._headers)
        except httpx.HTTPError as exc:
            raise TargetError(f"request failed: {exc}", retryable=True) from None
        if response.status_code == 429 or response.status_code >= 500:
            after = response.headers.get("retry-after")
            raise TargetError(
                f"HTTP {response.status_code}",
                retryable=True,
                retry_after=float(after) if after and after.isdigit() else None,
            )
        if response.status_code >= 400:
            raise TargetError(
                f"HTTP {response.status_code}: {response.text[:200]}", retryable=False
            )
        try:
            return str(response.json()["choices"][0]["message"]["content"])
        except (ValueError, KeyError, IndexError, TypeError):
            raise TargetError("the response is not a chat completion", retryable=False) from None

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
