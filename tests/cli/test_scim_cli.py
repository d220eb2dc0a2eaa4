"""SCIM tokens from the command line."""

from __future__ import annotations

from typing import Any

from tests.cli.test_workspace_cli import cli  # noqa: F401  (the shared fixture)


def test_scim_tokens_are_issued_once_listed_without_secrets_and_revoked(
    cli: Any,  # noqa: F811
) -> None:
    issued = cli.json("scim", "token", "create", "entra-id", "--org", "chiyoda")
    assert issued["token"].startswith("tkscim_") and issued["url"] == "/scim/v2"
    plain = cli("scim", "token", "create", "okta", "--org", "chiyoda")
    assert plain.stdout.strip().startswith("tkscim_")
    listed = cli.json("scim", "token", "list", "--org", "chiyoda")
    assert [t["name"] for t in listed] == ["okta", "entra-id"]
    assert issued["token"] not in str(listed) and listed[1]["revoked_at"] is None
    revoked = cli("scim", "token", "revoke", str(issued["id"]), "--org", "chiyoda")
    assert f"SCIM token {issued['id']} revoked" in revoked.stdout
    assert cli.json("scim", "token", "list", "--org", "chiyoda")[1]["revoked_at"] is not None
    cli("scim", "token", "revoke", "999", "--org", "chiyoda", code=3)
    cli("scim", "token", "create", "x" * 101, "--org", "chiyoda", code=4)
    refused = cli("scim", "token", "list", "--org", "chiyoda", "--user", "ceo@city.example", code=7)
    assert "executive" in refused.stderr or "経営層" in refused.stderr
