"""Settings, read from the environment (prefix ``TEKISEI_``) when asked for, never at import."""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from tekisei.errors import ConfigError
from tekisei.private import private_dir

PasswordHashCost = Literal["rfc9106-low-memory", "cheapest"]


class Settings(BaseSettings):
    """Deployment settings.

    Every field can be set as an environment variable named ``TEKISEI_<FIELD>``.
    """

    model_config = SettingsConfigDict(env_prefix="TEKISEI_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"), description="Folder for the embedded database, keys and files"
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/tekisei.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Secret for signing sessions and encrypting keys (at least 32 characters); "
        "when unset, one is generated and kept in <data_dir>/secret.key",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "text"
    default_lang: Literal["ja", "en"] = "ja"
    time_zone: str = Field(
        default="Asia/Tokyo",
        description="The time zone pages show times in (an IANA name such as Asia/Tokyo); "
        "times are stored in UTC and the API gives them with their offset.",
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as Asia/Tokyo or UTC"
            ) from None
        return value

    max_upload_mb: int = Field(default=20, ge=1, le=1024, description="Largest evidence file")
    max_request_mb: int | None = Field(
        default=None,
        ge=1,
        le=1100,
        description="Largest multipart request (an upload with its form fields), refused with "
        "413 before anything is read; default TEKISEI_MAX_UPLOAD_MB + 1",
    )
    max_body_kb: int = Field(
        default=1024,
        ge=64,
        le=1024 * 1024,
        description="Largest request that is not a multipart upload (JSON, forms), refused "
        "with 413 before anything is read",
    )
    public_pdfs_per_minute: int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="PDFs of public notices, statements and HAIP reports one client may "
        "download per minute (each costs a rendering)",
    )
    public_verify_per_minute: int = Field(
        default=30,
        ge=1,
        le=1_000_000,
        description="Requests per minute one client may send to the public verification page "
        "and API (limits learning the green lists from the verifier)",
    )
    public_image_checks_per_minute: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description="Image checks per minute one client may send to the public verification "
        "page and API, including the soft-binding look-up by content (each decodes an image)",
    )
    public_lookups_per_minute: int = Field(
        default=60,
        ge=1,
        le=1_000_000,
        description="Soft-binding look-ups by value and manifest downloads per minute one "
        "client may make through the public API",
    )
    max_image_pixels: int = Field(
        default=4096 * 4096,
        ge=256 * 256,
        le=8192 * 8192,  # tekisei.provenance._dimensions.MAX_DECODE_PIXELS
        description="The most pixels (width × height, read from the file's header before "
        "anything is decoded) of an image that is checked, signed or verified as a sample; "
        "larger images are refused",
    )
    inquiries_per_minute: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description="Inquiries (and status look-ups) per minute one client may send through "
        "the public form, status page and API",
    )
    inquiry_min_seconds: float = Field(
        default=3.0,
        ge=0,
        le=600,
        description="A public inquiry form sent sooner than this many seconds after it was "
        "shown is refused as automatic (a bot)",
    )
    threads: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Threads per server process that run requests' database work (password "
        "hashing has its own, one per core). Fewer threads serve more requests a second under "
        "load on SQLite; raise it when many requests wait on a remote database",
    )
    password_hash_cost: PasswordHashCost = Field(
        default="rfc9106-low-memory",
        description="Cost of new argon2id password hashes: rfc9106-low-memory (64 MiB and 3 "
        "passes, RFC 9106's low-memory profile; keep it) or cheapest (argon2-cffi's profile for "
        "test suites: 8 KiB and 1 pass, cracked in no time, never for real accounts). A hash "
        "made at another cost is replaced at its owner's next sign-in",
    )
    approver_min_age_days: int = Field(
        default=7,
        ge=0,
        le=3650,
        description="Risk acceptances and gate approvals made through an account or membership "
        "younger than this many days are flagged in the audit log (separation of duties)",
    )
    eval_allow_private_targets: bool = Field(
        default=False,
        description="Let evaluation runs started from the web and the API reach loopback, "
        "private (RFC 1918, fc00::/7), link-local and shared (100.64/10) addresses, e.g. a "
        "model served on the intranet; cloud metadata addresses stay out of reach",
    )
    oidc_allow_private_issuers: bool = Field(
        default=False,
        description="Let single sign-on reach an OpenID provider on a loopback, private "
        "(RFC 1918, fc00::/7), link-local or shared address, e.g. a Keycloak on the intranet; "
        "cloud metadata addresses stay out of reach",
    )
    public_url: str = Field(
        default="",
        max_length=200,
        description="The address people reach this site at (e.g. https://ai.example.jp), "
        "printed before the public addresses in PDFs so that a printed notice, statement or "
        "report can be followed; empty: PDFs print the address relative to the site",
    )
    public_cache_mb: int = Field(
        default=64,
        ge=0,
        le=4096,
        description="Memory (MiB) each server process may use to keep built public pages "
        "(the published registers) and serve them again until what they show changes; "
        "0 builds every page anew",
    )
    tsa_url: str = Field(
        default="own",
        max_length=500,
        description="The RFC 3161 time-stamp authority image signatures are time-stamped by, "
        "so that they keep validating after the signing certificate expires: 'own' (the "
        "default) uses the deployment's own time-stamp responder and needs no network; an "
        "http(s) URL uses that authority (the only outbound connection signing makes); "
        "'none' signs without a time-stamp",
    )
    demo_target_url: str = Field(
        default="http://127.0.0.1:8900/v1",
        max_length=500,
        description="The demo target ('tekisei demo-target'); runs started from the web may "
        "always reach its exact host and port",
    )
    web_eval_max_concurrency: int = Field(
        default=20,
        ge=1,
        le=200,
        description="The most requests in flight a run started from the web or the API may ask",
    )
    eval_runs_per_org: int = Field(
        default=2,
        ge=1,
        le=100,
        description="Runs started from the web or the API that one organisation may have "
        "queued or executing at once",
    )
    eval_lease_seconds: int = Field(
        default=30,
        ge=2,
        le=3600,
        description="How long a process's hold on an evaluation run lasts without a heartbeat "
        "(renewed every third of it); after a crash another worker resumes the run this long "
        "after the last heartbeat",
    )
    trusted_proxies: str = Field(
        default="",
        description="Addresses and networks (CIDR) of reverse proxies whose forwarded "
        "headers are believed, separated by commas, e.g. 10.0.0.0/8,127.0.0.1; empty "
        "(the default) believes no forwarded header",
    )
    proxy_headers: Literal["x-forwarded", "forwarded"] = Field(
        default="x-forwarded",
        description="Which headers the trusted proxies write: X-Forwarded-For and "
        "X-Forwarded-Proto, or the standard Forwarded header (RFC 7239); the other kind "
        "is ignored, since a proxy passes it on from the client unchecked",
    )
    review_days: dict[str, int] | None = Field(
        default=None,
        description='Days between reviews by tier, as JSON, e.g. {"high": 60}; '
        "defaults 365/180/90/30",
    )
    gate_completeness: dict[str, float] | None = Field(
        default=None,
        description='Completeness a lifecycle gate needs by tier, as JSON, e.g. {"limited": 0.8}; '
        "defaults 0.5/0.7/0.9/1.0",
    )
    continuity_drill_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="How recent a business continuity drill must be (days) for a high or "
        "critical tier system to go into operation",
    )

    smtp_host: str = Field(
        default="",
        max_length=253,
        description="The SMTP server notifications are sent through (e.g. smtp.example.jp); "
        "empty (the default): no e-mail, notifications stay inside the app",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, description="The SMTP server's port (587 with STARTTLS)"
    )
    smtp_username: str = Field(
        default="", max_length=320, description="The account to sign in to the SMTP server as"
    )
    smtp_password: SecretStr | None = Field(
        default=None, description="The SMTP account's password (never logged)"
    )
    smtp_from: str = Field(
        default="",
        max_length=320,
        description="The sender of notification e-mails, e.g. tekisei@example.jp (required "
        "with TEKISEI_SMTP_HOST)",
    )
    smtp_starttls: bool = Field(
        default=True, description="Upgrade the SMTP connection with STARTTLS (port 587)"
    )
    smtp_ssl: bool = Field(
        default=False, description="Connect to the SMTP server over TLS from the start (port 465)"
    )
    smtp_timeout: float = Field(
        default=30.0, gt=0, le=600, description="Seconds to wait for the SMTP server"
    )
    notifications_courier: bool = Field(
        default=True,
        description="Let the web app send pending notification e-mails every minute (when "
        "TEKISEI_SMTP_HOST is set), and once a day look for due inquiries and reviews and take "
        "the month's oversight snapshots; turn it off when cron runs 'tekisei notifications "
        "deliver' and 'sweep' and 'tekisei oversight snapshot' instead",
    )

    @field_validator("smtp_host", "smtp_from", "smtp_username")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if any(c in value for c in "\r\n\x00"):
            raise ValueError("write it on one line")
        return value.strip()

    @model_validator(mode="after")
    def _mail_has_a_sender(self) -> Settings:
        if self.smtp_host and "@" not in self.smtp_from:
            raise ValueError(
                "TEKISEI_SMTP_HOST is set but TEKISEI_SMTP_FROM is not an e-mail address; "
                "set TEKISEI_SMTP_FROM to the sender, e.g. tekisei@example.jp"
            )
        if self.smtp_ssl and self.smtp_starttls and self.smtp_host:
            raise ValueError(
                "TEKISEI_SMTP_SSL and TEKISEI_SMTP_STARTTLS are both on; with SSL (port 465) "
                "set TEKISEI_SMTP_STARTTLS=false"
            )
        return self

    @property
    def mail_enabled(self) -> bool:
        """Whether notifications may be sent by e-mail (an SMTP server is set)."""
        return bool(self.smtp_host)

    audit_anchor_file: Path | None = Field(
        default=None,
        description="Append-only JSON-lines file that 'tekisei audit anchor' adds the signed "
        "head of every organisation's audit chain to; keep it on another volume or host than "
        "the database and the data folder (checks then show the latest anchor)",
    )

    backup_passphrase: SecretStr | None = Field(
        default=None,
        description="Passphrase of 'tekisei backup create|verify|restore' (at least 12 "
        "characters to create); when unset, the commands read it from stdin",
    )

    @field_validator("review_days", "gate_completeness")
    @classmethod
    def _known_tiers(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None:
            unknown = set(value) - {"minimal", "limited", "high", "critical"}
            if unknown:
                raise ValueError(
                    f"unknown tiers {sorted(unknown)}; use minimal, limited, high, critical"
                )
        return value

    @field_validator("public_url")
    @classmethod
    def _site_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not re.fullmatch(
            r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?", value
        ):
            raise ValueError(
                "write the site's address as http(s)://host[:port][/path], e.g. https://ai.example.jp"
            )
        return value

    @field_validator("tsa_url")
    @classmethod
    def _time_stamp_authority(cls, value: str) -> str:
        value = value.strip()
        if value.lower() in {"own", "none", ""}:
            return value.lower() or "own"
        if not re.fullmatch(r"https?://[^\s/?#@]+(/[^\s#]*)?", value):
            raise ValueError(
                "write the time-stamp authority as 'own', 'none' or an http(s) URL, "
                "e.g. http://timestamp.example.jp/tsa"
            )
        return value

    @field_validator("demo_target_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("write the demo target's base URL, e.g. http://127.0.0.1:8900/v1")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        for part in value.replace(",", " ").split():
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(
                    f"{part!r} is not an IP address or network; write e.g. 10.0.0.0/8,127.0.0.1"
                ) from None
        return value

    @property
    def trusted_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """The networks of :attr:`trusted_proxies`."""
        return tuple(
            ipaddress.ip_network(part, strict=False)
            for part in self.trusted_proxies.replace(",", " ").split()
        )

    @model_validator(mode="after")
    def _request_holds_an_upload(self) -> Settings:
        if self.max_request_mb is not None and self.max_request_mb <= self.max_upload_mb:
            raise ValueError(
                f"TEKISEI_MAX_REQUEST_MB ({self.max_request_mb}) must be larger than "
                f"TEKISEI_MAX_UPLOAD_MB ({self.max_upload_mb}), or an upload of the largest "
                "allowed size is refused"
            )
        return self

    @property
    def max_request_bytes(self) -> int:
        """The largest multipart request, in bytes."""
        return (self.max_request_mb or self.max_upload_mb + 1) * 1024 * 1024

    @property
    def max_body_bytes(self) -> int:
        """The largest request that is not a multipart upload, in bytes."""
        return self.max_body_kb * 1024

    @property
    def files_dir(self) -> Path:
        """Where evidence files are stored by SHA-256 (never served directly)."""
        return self.data_dir / "files"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("sqlite:", "sqlite+pysqlite:", "postgresql")):
            raise ValueError(
                "TEKISEI_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL"
            )
        if value.startswith("postgresql://") or value.startswith("postgresql+psycopg2"):
            raise ValueError(
                "use the psycopg 3 driver: write postgresql+psycopg://… "
                "(install the 'postgres' extra)"
            )
        return value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError(
                "TEKISEI_SECRET_KEY must be at least 32 characters; "
                "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL in effect."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'tekisei.db'}"

    def secret(self) -> str:
        """The secret key, generating and keeping one under ``data_dir`` when unset."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        return keep_first_secret(path, secrets.token_urlsafe(48))


def keep_first_secret(path: Path, value: str) -> str:
    """Store ``value`` at ``path`` unless a secret is there already; return the one kept.

    The file is written whole under a temporary name and then linked into place, so that
    processes starting together (``serve --workers``) all end up with the one secret that
    was linked first, never a half-written file or an error.
    """
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text(encoding="ascii").strip()
    finally:
        temporary.unlink(missing_ok=True)
    return value


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides on top.

    Raises:
        ConfigError: a setting is invalid; the message names it and says how to fix it.
    """
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = error["msg"].removeprefix("Value error, ")
            if not error["loc"]:  # a rule across settings names them itself
                lines.append(message)
                continue
            name = "TEKISEI_" + "_".join(str(p) for p in error["loc"]).upper()
            lines.append(f"{name}: {message}")
        raise ConfigError("invalid settings:\n" + "\n".join(lines)) from None
