"""Responses API and generic JSON targets against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from tekisei.evals import (
    HttpJsonTarget,
    Message,
    OpenAIResponsesTarget,
    Role,
    TargetError,
    target_from_spec,
)

pytestmark = pytest.mark.anyio

MESSAGES = [
    Message(role=Role.SYSTEM, content="あなたは窓口の案内係です。"),
    Message(role=Role.USER, content="開庁時間は？"),
]


class _Server(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append((self.path, body))
        if self.path == "/v1/responses":
            if body["model"] == "sdk-shape":
                reply: Any = {"output_text": "平日の8時30分から17時15分です。"}
            else:
                reply = {
                    "output": [
                        {"type": "reasoning", "summary": []},
                        {
                            "type": "message",
                            "content": [
                                {"type": "output_text", "text": "平日の"},
                                {"type": "output_text", "text": "8時30分からです。"},
                            ],
                        },
                    ]
                }
        elif self.path == "/bot":
            reply = {"data": {"answers": [{"text": "echo: " + body["query"]["q"]}]}}
        else:
            self.send_response(404)
            self.end_headers()
            return
        raw = json.dumps(reply, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Server.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


async def test_responses_target_reads_both_reply_shapes(server: str) -> None:
    target = OpenAIResponsesTarget(server + "/v1", "full-shape")
    assert await target.generate(MESSAGES) == "平日の8時30分からです。"
    path, body = _Server.received[-1]
    assert path == "/v1/responses"
    assert body["input"][0] == {"role": "system", "content": "あなたは窓口の案内係です。"}
    sdk = OpenAIResponsesTarget(server + "/v1", "sdk-shape")
    assert (await sdk.generate(MESSAGES)).startswith("平日の8時30分")
    await target.aclose()
    await sdk.aclose()


async def test_http_json_target_fills_the_template_and_follows_the_path(server: str) -> None:
    target = HttpJsonTarget(
        server + "/bot",
        {"query": {"q": "{{prompt}}", "context": "{{system}}"}, "history": "{{messages}}"},
        "data.answers.0.text",
    )
    assert await target.generate(MESSAGES) == "echo: 開庁時間は？"
    _, body = _Server.received[-1]
    assert body["query"]["context"] == "あなたは窓口の案内係です。"
    assert body["history"][1] == {"role": "user", "content": "開庁時間は？"}

    wrong = HttpJsonTarget(server + "/bot", {"query": {"q": "{{prompt}}"}}, "data.answer")
    with pytest.raises(TargetError, match="stopped at 'answer'") as caught:
        await wrong.generate(MESSAGES)
    assert not caught.value.retryable
    missing = HttpJsonTarget(server + "/nowhere", {}, "x")
    with pytest.raises(TargetError, match="HTTP 404") as caught:
        await missing.generate(MESSAGES)
    assert not caught.value.retryable
    for each in (target, wrong, missing):
        await each.aclose()


def test_http_json_target_needs_a_response_path() -> None:
    with pytest.raises(ValueError, match=r"data\.answer"):
        HttpJsonTarget("http://127.0.0.1:1/", {}, " ")


async def test_an_http_target_from_a_config_file(server: str, tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text(
        f"url: {server}/bot\n"
        "template: {query: {q: '{{prompt}}'}}\n"
        "response_path: data.answers.0.text\n"
        "headers: {X-Tenant: city-hall}\n",
        encoding="utf-8",
    )
    target = target_from_spec(f"http:{config}", api_key="k-123")
    assert await target.generate(MESSAGES) == "echo: 開庁時間は？"
    await target.aclose()  # type: ignore[attr-defined]
    incomplete = tmp_path / "incomplete.yaml"
    incomplete.write_text(f"url: {server}/bot\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs url, template and response_path"):
        target_from_spec(f"http:{incomplete}")
