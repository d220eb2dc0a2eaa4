"""The backup archive format: a versioned header, member names, and the manifest.

An archive (``tekisei-backup/1``) is a short plain header followed by chunks
encrypted with AES-256-GCM under a key derived from a passphrase with scrypt. The
plaintext inside is a sequence of members (a small JSON header, then the bytes)
ending with the manifest, which lists every member with its size and SHA-256.

Member names are data: they are checked here (:func:`member_parts`) before any of
them becomes a path, so no name can point outside the folder it is restored into.
"""

from __future__ import annotations

import base64
import binascii
import unicodedata
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FORMAT = "tekisei-backup/1"
MANIFEST_FORMAT = "tekisei-backup-manifest/1"
DUMP_FORMAT = "tekisei-db-dump/1"
MAGIC = b"tekisei-backup\n"

SECRET_MEMBER = "secret"
"""The deployment secret (TEKISEI_SECRET_KEY or <data_dir>/secret.key) in effect."""
SQLITE_MEMBER = "database/sqlite.db"
"""A SQLite database, copied with SQLite's online backup API."""
DUMP_MEMBER = "database/dump.jsonl"
"""A logical dump of every table (PostgreSQL)."""
DATA_PREFIX = "data/"
"""Files of the data folder: ``data/files/…``, ``data/runs/…``, ``data/pki/…`` …"""

MAX_NAME = 1024
MAX_MEMBERS = 10_000_000
MAX_HEADER = 4096
"""Largest plain header and largest member header, in bytes."""
MAX_SECRET = 4096


class Scrypt(BaseModel):
    """scrypt parameters (memory-hard: 128 · r · n bytes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Literal["scrypt"] = "scrypt"
    n: int = Field(default=2**17, ge=2**14, le=2**20)
    """CPU/memory cost, a power of two (2^17 = 128 MiB with r = 8)."""
    r: int = Field(default=8, ge=8, le=16)
    p: int = Field(default=1, ge=1, le=4)
    salt: str = Field(min_length=24, max_length=64)
    """Base64 of 16 random bytes (or more)."""

    @field_validator("salt")
    @classmethod
    def _salt(cls, value: str) -> str:
        if len(_base64(value)) < 16:
            raise ValueError("the salt must be at least 16 bytes")
        return value


class ArchiveHeader(BaseModel):
    """The plain header: everything needed to derive the key and read the chunks.

    It is authenticated (an HMAC under the derived key follows it, and its hash is the
    associated data of every chunk), so it cannot be changed unnoticed either.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["tekisei-backup/1"]
    kdf: Scrypt
    cipher: Literal["AES-256-GCM"] = "AES-256-GCM"
    chunk_size: int = Field(default=1024 * 1024, ge=4096, le=16 * 1024 * 1024)
    """Plaintext bytes per chunk; each chunk also carries a 16-byte tag."""
    nonce_prefix: str = Field(min_length=12, max_length=12)
    """Base64 of 7 random bytes; a chunk's nonce is prefix ‖ counter ‖ last-chunk flag."""

    @field_validator("nonce_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if len(_base64(value)) != 7:
            raise ValueError("the nonce prefix must be 7 bytes")
        return value


def _base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64") from None


class MemberHeader(BaseModel):
    """What precedes the bytes of each member inside the encrypted stream."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["member", "manifest"]
    name: str = Field(max_length=MAX_NAME)
    size: int = Field(ge=0)


class Member(BaseModel):
    """One member as the manifest lists it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(max_length=MAX_NAME)
    size: int = Field(ge=0)
    sha256: str = Field(pattern="^[0-9a-f]{64}$")


class Manifest(BaseModel):
    """The last member: what the archive holds, and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["tekisei-backup-manifest/1"]
    created_at: str
    tekisei_version: str
    database: Literal["sqlite", "postgresql"]
    """The backend the database came from."""
    revision: str | None
    """The schema revision of the database when it was backed up."""
    secret_source: Literal["environment", "file"]
    """Where the secret came from: TEKISEI_SECRET_KEY or <data_dir>/secret.key."""
    members: list[Member] = Field(max_length=MAX_MEMBERS)
    skipped: list[str] = Field(default_factory=list, max_length=10_000)
    """Entries of the data folder that were not backed up (symbolic links, sockets …)."""


def member_parts(name: str) -> list[str] | None:
    """The path components of a data member name, or None when the name is unsafe.

    Safe means: relative, at most MAX_NAME characters, separated by ``/`` only, no empty,
    ``.`` or ``..`` component, no backslash, NUL, control or bidirectional-override
    character. Joined under a folder, the parts never leave it.
    """
    if not name or len(name) > MAX_NAME or name.startswith("/"):
        return None
    parts = name.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            return None
        for char in part:
            if char == "\\" or unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
                return None
    return parts


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of the archive's header and manifest."""
    return {"header": ArchiveHeader.model_json_schema(), "manifest": Manifest.model_json_schema()}
