"""Settings come from the environment, are validated, and say how to fix a bad value."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from tekisei.config import keep_first_secret, load_settings
from tekisei.errors import ConfigError
from tekisei.logs import JsonFormatter


def test_defaults_use_an_embedded_database_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TEKISEI_DATABASE_URL", "TEKISEI_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.resolved_database_url == "sqlite:///var/tekisei.db"
    assert (settings.host, settings.port, settings.default_lang) == ("127.0.0.1", 8000, "ja")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TEKISEI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TEKISEI_PORT", "9001")
    settings = load_settings()
    assert settings.port == 9001
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'tekisei.db'}"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TEKISEI_DATABASE_URL", "mysql://db", "sqlite:/// or postgresql+psycopg://"),
        ("TEKISEI_DATABASE_URL", "postgresql://db", "psycopg 3"),
        ("TEKISEI_SECRET_KEY", "short", "at least 32 characters"),
        ("TEKISEI_PORT", "99999", "TEKISEI_PORT"),
        ("TEKISEI_PASSWORD_HASH_COST", "cheap", "'rfc9106-low-memory' or 'cheapest'"),
    ],
)
def test_invalid_settings_name_the_variable_and_the_fix(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert name in caught.value.message
    assert message in caught.value.message


def test_a_secret_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    first = settings.secret()
    assert len(first) >= 32
    assert load_settings(data_dir=tmp_path).secret() == first
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600


def test_importing_tekisei_reads_no_settings_and_touches_no_files(tmp_path: Path) -> None:
    code = (
        "import os, tekisei, tekisei.config, tekisei.web.app, tekisei.cli.app;"
        "print(sorted(os.listdir('.')))"
    )
    env = {"TEKISEI_DATABASE_URL": "mysql://would-fail", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_json_logs_are_one_object_per_line_with_extra_fields() -> None:
    record = logging.LogRecord("tekisei.test", logging.INFO, __file__, 1, "loaded %s", ("x",), None)
    record.framework = "nist-ai-rmf-1.0"
    payload = json.loads(JsonFormatter().format(record))
    assert payload["event"] == "loaded x"
    assert payload["level"] == "info"
    assert payload["framework"] == "nist-ai-rmf-1.0"


def test_review_days_and_gate_thresholds_are_json_by_tier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEKISEI_REVIEW_DAYS", '{"high": 60, "critical": 14}')
    monkeypatch.setenv("TEKISEI_GATE_COMPLETENESS", '{"limited": 0.8}')
    settings = load_settings()
    assert settings.review_days == {"high": 60, "critical": 14}
    assert settings.gate_completeness == {"limited": 0.8}
    monkeypatch.setenv("TEKISEI_REVIEW_DAYS", '{"urgent": 7}')
    with pytest.raises(ConfigError, match="TEKISEI_REVIEW_DAYS"):
        load_settings()


def test_a_process_that_loses_the_race_for_the_secret_takes_the_winners(
    tmp_path: Path,
) -> None:
    path = tmp_path / "secret.key"
    assert keep_first_secret(path, "w" * 48) == "w" * 48
    # A second process that found no file a moment ago and made its own value:
    assert keep_first_secret(path, "l" * 48) == "w" * 48
    assert path.read_text(encoding="ascii") == "w" * 48
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]
    assert path.stat().st_mode & 0o777 == 0o600


def test_request_limits_default_a_little_above_the_upload_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEKISEI_MAX_UPLOAD_MB", "50")
    settings = load_settings()
    assert settings.max_request_bytes == 51 * 1024 * 1024
    assert settings.max_body_bytes == 1024 * 1024
    monkeypatch.setenv("TEKISEI_MAX_REQUEST_MB", "50")
    expected = r"TEKISEI_MAX_REQUEST_MB \(50\) must be larger"
    with pytest.raises(ConfigError, match=expected) as caught:
        load_settings()
    assert "TEKISEI_:" not in caught.value.message


def test_log_records_go_to_the_stderr_of_the_moment_even_after_the_first_was_closed() -> None:
    import io

    from tekisei.logs import configure_logging

    first, second = io.StringIO(), io.StringIO()
    saved = sys.stderr
    try:
        sys.stderr = first
        configure_logging("INFO", "text")
        first.close()  # e.g. a test runner's capture of an earlier test
        sys.stderr = second
        logging.getLogger("tekisei.test").info("still heard")
    finally:
        sys.stderr = saved
        logging.getLogger().handlers.clear()
    assert "still heard" in second.getvalue()


def test_an_unknown_time_zone_is_refused_with_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Asia/Tokyo"):
        load_settings(data_dir=tmp_path, time_zone="Mars/Olympus")
    assert load_settings(data_dir=tmp_path).time_zone == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("given", "kept"),
    [("", ""), ("https://ai.example.jp/", "https://ai.example.jp"),
     ("http://127.0.0.1:8000/tekisei", "http://127.0.0.1:8000/tekisei")],
)  # fmt: skip
def test_the_public_url_is_a_site_address(
    monkeypatch: pytest.MonkeyPatch, given: str, kept: str
) -> None:
    monkeypatch.setenv("TEKISEI_PUBLIC_URL", given)
    assert load_settings().public_url == kept


@pytest.mark.parametrize(
    "given",
    ["javascript:alert(1)", 'https://a.example/"><script>', "ftp://a.example", "https://"],
)
def test_a_public_url_that_is_no_site_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, given: str
) -> None:
    monkeypatch.setenv("TEKISEI_PUBLIC_URL", given)
    with pytest.raises(ConfigError, match="TEKISEI_PUBLIC_URL"):
        load_settings()


def test_an_smtp_server_needs_a_sender_on_one_line_and_one_kind_of_tls() -> None:
    assert load_settings().mail_enabled is False
    with pytest.raises(ConfigError, match="TEKISEI_SMTP_FROM"):
        load_settings(smtp_host="smtp.example.jp")
    with pytest.raises(ConfigError, match="one line"):
        load_settings(smtp_host="smtp.example.jp", smtp_from="a@example.jp\r\nBcc: b@example.jp")
    with pytest.raises(ConfigError, match="STARTTLS"):
        load_settings(smtp_host="smtp.example.jp", smtp_from="a@example.jp", smtp_ssl=True)
    mail = load_settings(
        smtp_host="smtp.example.jp", smtp_from="a@example.jp", smtp_ssl=True, smtp_starttls=False
    )
    assert mail.mail_enabled and mail.smtp_port == 587
