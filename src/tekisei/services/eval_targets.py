"""What evaluation runs may reach: each organisation's allow-list of target hosts, and the
network policy of runs started from the web and the API.

A run started from the web or the API (its target and its LLM judge) may reach only the
hosts on its organisation's list, plus the deployment's demo target
(``TEKISEI_DEMO_TARGET_URL``, its exact host and port); loopback, private, link-local and
shared addresses only when the operator sets ``TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS``;
cloud metadata addresses never. A run the operator starts on the server
(``tekisei eval run``) is not bound by the list and may reach private addresses: whoever
has the server's shell can reach them anyway. Both go through the same guarded client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from ipaddress import ip_address

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.evals import EvalTargetHostRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import InvalidInputError
from tekisei.evals import (
    NetworkPolicy,
    Refusal,
    TargetRefusedError,
    address_refusal,
    endpoint,
    host_entry,
)
from tekisei.services import audit

MAX_HOSTS = 200


@dataclass(frozen=True)
class WebEvalSettings:
    """The operator's settings for runs started from the web and the API."""

    allow_private: bool = False
    demo_target_url: str = "http://127.0.0.1:8900/v1"
    max_concurrency: int = 20
    runs_per_org: int = 2

    @classmethod
    def from_settings(cls, settings: Settings) -> WebEvalSettings:
        """From the deployment's settings (``TEKISEI_EVAL_*``, ``TEKISEI_DEMO_TARGET_URL``,
        ``TEKISEI_WEB_EVAL_MAX_CONCURRENCY``)."""
        return cls(
            allow_private=settings.eval_allow_private_targets,
            demo_target_url=settings.demo_target_url,
            max_concurrency=settings.web_eval_max_concurrency,
            runs_per_org=settings.eval_runs_per_org,
        )

    @property
    def demo_endpoint(self) -> str | None:
        """``host:port`` of the demo target (None when its URL is unusable)."""
        try:
            return str(endpoint(self.demo_target_url))
        except TargetRefusedError:
            return None


class EvalTargetsOut(BaseModel):
    """What runs started from the web and the API may reach."""

    hosts: list[str]
    """The organisation's allow-list: ``host``, ``host:port`` or ``*.domain``."""
    demo_target: str | None
    """The demo target's ``host:port``, always reachable."""
    private_addresses_allowed: bool
    """Whether the operator lets runs reach private addresses (on listed hosts)."""


def allowed_hosts(session: Session, org_id: int) -> list[str]:
    """The organisation's allow-list, sorted."""
    return sorted(
        session.scalars(select(EvalTargetHostRow.host).where(EvalTargetHostRow.org_id == org_id))
    )


def targets_view(session: Session, principal: Principal, config: WebEvalSettings) -> EvalTargetsOut:
    """The allow-list and the operator's settings, for any member."""
    require(principal, Permission.READ)
    return EvalTargetsOut(
        hosts=allowed_hosts(session, principal.org_id),
        demo_target=config.demo_endpoint,
        private_addresses_allowed=config.allow_private,
    )


def normalise_hosts(hosts: list[str]) -> list[str]:
    """Allow-list entries in canonical form, without duplicates, sorted.

    Raises:
        InvalidInputError: an entry is not a host (naming it), or there are too many.
    """
    out: set[str] = set()
    for text in hosts:
        if not text.strip():
            continue
        try:
            out.add(host_entry(text))
        except ValueError:
            raise InvalidInputError(
                f"{text[:100]!r} is not a host: write one host per entry, such as "
                "api.example.com, llm.example.com:8443 or *.example.com (no https:// or path)",
                ja=f"「{text[:100]}」はホストではありません。api.example.com、"
                "llm.example.com:8443、*.example.com のように、https:// やパスを付けずに"
                "1件ずつ書いてください。",
            ) from None
    if len(out) > MAX_HOSTS:
        raise InvalidInputError(
            f"at most {MAX_HOSTS} hosts; use *.domain for many hosts of one domain",
            ja=f"登録できるのは{MAX_HOSTS}件までです。同じドメインのホストは *.ドメイン で"
            "まとめてください。",
        )
    return sorted(out)


def _refuse_unreachable(entry: str) -> None:
    """Refuse an address no run could ever reach, whatever the operator allows: a cloud
    metadata address, or a multicast, reserved or documentation one. (A private address
    is kept: runs reach it once the operator sets TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS.)

    Raises:
        InvalidInputError: naming the entry and why.
    """
    if entry.startswith("*."):
        return  # a domain; its hosts' addresses are checked at connect time
    host = entry[1:].partition("]")[0] if entry.startswith("[") else entry.rpartition(":")[0]
    try:
        address = ip_address(host or entry)
    except ValueError:
        return  # a name
    if address_refusal(address) in (Refusal.METADATA, Refusal.SPECIAL):
        raise InvalidInputError(
            f"{entry} can never be reached by an evaluation run (a cloud metadata, multicast, "
            "reserved or documentation address); list the model's own host instead",
            ja=f"{entry} には評価実行から接続できません（クラウドのメタデータ、マルチキャスト、"
            "予約済みまたは文書用のアドレス）。モデルを提供しているホストを登録してください。",
        )


def set_hosts(
    session: Session, principal: Principal, hosts: list[str], config: WebEvalSettings
) -> EvalTargetsOut:
    """Replace the organisation's allow-list (admins); audited with what it was and is.

    Raises:
        PermissionDeniedError: not an admin.
        InvalidInputError: an entry is not a host, or there are too many.
    """
    require(principal, Permission.MANAGE_ORG)
    after = normalise_hosts(hosts)
    for entry in after:
        _refuse_unreachable(entry)
    before = allowed_hosts(session, principal.org_id)
    if after != before:
        session.execute(
            delete(EvalTargetHostRow).where(EvalTargetHostRow.org_id == principal.org_id)
        )
        now = datetime.now(UTC)
        session.add_all(
            EvalTargetHostRow(
                org_id=principal.org_id, host=host, added_by=principal.email, added_at=now
            )
            for host in after
        )
        org = session.get(OrgRow, principal.org_id)
        assert org is not None
        audit.record(
            session,
            org,
            principal.email,
            "eval_targets.set",
            "org",
            org.id,
            {"before": before, "after": after},
        )
    return targets_view(session, principal, config)


def add_hosts(
    session: Session, principal: Principal, hosts: list[str], config: WebEvalSettings
) -> EvalTargetsOut:
    """Add hosts to the allow-list (admins; audited)."""
    return set_hosts(session, principal, allowed_hosts(session, principal.org_id) + hosts, config)


def remove_hosts(
    session: Session, principal: Principal, hosts: list[str], config: WebEvalSettings
) -> EvalTargetsOut:
    """Remove hosts from the allow-list (admins; audited).

    Raises:
        InvalidInputError: a host is not on the list.
    """
    current = allowed_hosts(session, principal.org_id)
    gone = normalise_hosts(hosts)
    missing = [h for h in gone if h not in current]
    if missing:
        raise InvalidInputError(
            f"not on the list: {', '.join(missing)}",
            ja=f"許可リストにありません: {', '.join(missing)}",
        )
    return set_hosts(session, principal, [h for h in current if h not in gone], config)


def web_policy(session: Session, org_id: int, config: WebEvalSettings) -> NetworkPolicy:
    """The network policy of the organisation's runs started from the web and the API."""
    demo = config.demo_endpoint
    return NetworkPolicy(
        allow_private=config.allow_private,
        hosts=tuple(allowed_hosts(session, org_id)),
        trusted=(demo,) if demo else (),
    )


def operator_policy() -> NetworkPolicy:
    """The network policy of runs the operator starts on the server (``tekisei eval run``):
    any host, private addresses included, cloud metadata never."""
    return NetworkPolicy.local()


def _url_of(spec: str) -> str:
    return spec.partition(":")[2].partition("@")[2]


def check_web_target(policy: NetworkPolicy, spec: str, *, judge: bool = False) -> None:
    """Refuse, before a run starts, a target (or judge) its organisation may not reach:
    the URL, the allow-list, and every address its host resolves to now (the check is
    made again on each connection).

    Raises:
        InvalidInputError: the message says why and what to do, in Japanese and English.
    """
    try:
        policy.check_url(_url_of(spec), resolve=True)
    except TargetRefusedError as exc:
        en, ja = _explain(exc)
        if judge:
            en, ja = f"the judge: {en}", f"LLMによる採点: {ja}"
        raise InvalidInputError(en, ja=ja) from None


def _explain(exc: TargetRefusedError) -> tuple[str, str]:
    host = exc.host if exc.port is None else f"{exc.host}:{exc.port}"
    if exc.reason is Refusal.HOST:
        return (
            f"{host} is not on this organisation's list of evaluation targets; ask an "
            "administrator to add it on the organisation page (/org) or with "
            "'tekisei orgs eval-targets add'",
            f"{host} はこの組織の評価対象の許可リストにありません。管理者に、組織の設定ページ"
            "（/org）か tekisei orgs eval-targets add で追加を依頼してください。",
        )
    if exc.reason is Refusal.PRIVATE:
        return (
            f"{host} has a loopback, private or link-local address, which runs started from "
            "the web may not reach; the operator can allow such addresses with "
            "TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS=true, or run the evaluation on the server "
            "with 'tekisei eval run'",
            f"{host} はループバック・プライベート・リンクローカルのアドレスのため、Webから"
            "始める評価実行では接続できません。運用者が TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS=true "
            "を設定するか、サーバー上で tekisei eval run を実行してください。",
        )
    if exc.reason is Refusal.METADATA:
        return (
            f"{host} is a cloud metadata address, which evaluation runs never reach",
            f"{host} はクラウドのメタデータ用のアドレスのため、評価実行では接続できません。",
        )
    if exc.reason is Refusal.SPECIAL:
        return (
            f"{host} is not an address a target can have (unspecified, multicast, "
            "broadcast or reserved); check the URL",
            f"{host} は評価対象のアドレスとして使えません（未指定・マルチキャスト・予約済みなど）。"
            "URLを確かめてください。",
        )
    if exc.reason is Refusal.UNRESOLVED:
        return (
            f"the host name {exc.host} does not resolve; check the URL",
            f"ホスト名 {exc.host} のアドレスが見つかりません。URLを確かめてください。",
        )
    if exc.reason is Refusal.CREDENTIALS:
        return (
            "put the API key in the API key field, not in the target's URL",
            "APIキーは対象のURLに含めず、APIキーの欄に入力してください。",
        )
    return (
        "the target's URL must start with http:// or https:// and name a host",
        "対象のURLは http:// か https:// で始め、ホストを含めてください。",
    )
