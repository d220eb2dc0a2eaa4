"""Watermark keys of an organisation, watermarked generation, and text verification.

Secrets are sealed (AES-256-GCM) with a key derived from the deployment secret; the
generator's ``tokenizer.json`` is kept under ``<data_dir>/tokenizers/<sha256>.json``
so that verification needs neither torch nor the model.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.orgs import OrgRow
from tekisei.db.provenance import ProvenanceKeyRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.private import private_dir, write_private
from tekisei.provenance import (
    Detection,
    GreenList,
    Hashing,
    KeyStatus,
    SealError,
    TokenizerFile,
    Verdict,
    WatermarkKey,
    WatermarkParams,
    detect_transformers_text,
    detect_variants,
    encode_variants,
    model_config,
    new_key_id,
    new_secret,
    p_band,
    seal,
    smollm2_generator,
    smollm2_tokenizer,
    transformers_available,
    unseal,
)
from tekisei.services import audit, scope
from tekisei.services.database import Database
from tekisei.services.derived_keys import derived_key

__all__ = [
    "SMOLLM2",
    "Detection",
    "Hashing",
    "PublicResult",
    "Verdict",
    "WatermarkKey",
    "WatermarkParams",
    "check_text",
    "create_key",
    "generate",
    "keep_tokenizer",
    "list_keys",
    "master_key",
    "public_keys",
    "public_result",
    "retire_key",
    "rotate_key",
    "tokenizers_dir",
    "verify_text",
    "verify_transformers_text",
    "view",
]

_INFO = b"tekisei provenance key sealing v1"
SMOLLM2 = "smollm2"


def master_key(settings: Settings) -> bytes:
    """The key that seals watermark secrets: HKDF-SHA256 of the deployment secret."""
    return derived_key(settings, _INFO)


def tokenizers_dir(data_dir: Path) -> Path:
    """Where tokenizer files are kept: ``<data_dir>/tokenizers``."""
    return data_dir / "tokenizers"


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def view(row: ProvenanceKeyRow) -> WatermarkKey:
    """The registry's view of a key (never the secret)."""
    return WatermarkKey(
        key_id=row.key_id,
        scheme=row.scheme,
        params=WatermarkParams.model_validate(row.params),
        tokenizer_sha256=row.tokenizer_sha256,
        tokenizer_name=row.tokenizer_name,
        status=KeyStatus(row.status),
        created_at=row.created_at,
        rotated_at=row.rotated_at,
        retired_at=row.retired_at,
    )


def keep_tokenizer(data_dir: Path, source: str) -> tuple[TokenizerFile, str]:
    """Keep a generator's tokenizer: ``smollm2`` (the SmolLM2 tokenizer tekisei ships) or
    the path of a ``tokenizer.json``.

    Raises:
        InvalidInputError: the file is missing or is not a tokenizer.
    """
    folder = private_dir(tokenizers_dir(data_dir))
    if source == SMOLLM2:
        data, name = smollm2_tokenizer(), SMOLLM2
    else:
        try:
            data, name = Path(source).read_bytes(), Path(source).name
        except OSError as exc:
            raise _tokenizer_error(source, exc) from None
    digest = hashlib.sha256(data).hexdigest()
    target = folder / f"{digest}.json"
    if not target.exists():
        scratch = folder / f".{digest}.{secrets.token_hex(4)}.tmp"
        write_private(scratch, data)
        try:
            _read_tokenizer(scratch, shown=source)  # refuse what is not a tokenizer first
            os.replace(scratch, target)
        finally:
            scratch.unlink(missing_ok=True)
    return _read_tokenizer(target, shown=source), name


def _tokenizer_error(shown: str, exc: Exception) -> InvalidInputError:
    """Why a tokenizer file could not be used, in both languages: the one wording for
    keeping a key's tokenizer and for checking transformers' own watermark."""
    if isinstance(exc, OSError):
        return InvalidInputError(
            f"{shown}: cannot read the file ({exc.strerror})",
            ja=f"{shown} を読めません（ファイルがあるか、読む権限があるかを確かめてください）。",
        )
    return InvalidInputError(
        f"{shown}: not a tokenizer.json this machine can read ({exc})",
        ja=f"{shown} はトークナイザー（tokenizer.json）として読めません。",
    )


def _read_tokenizer(
    path: Path, data: bytes | None = None, *, shown: str | None = None
) -> TokenizerFile:
    """The tokenizer at ``path`` (or ``data`` under that name).

    Raises:
        InvalidInputError: the file cannot be read or is not a tokenizer; the message
            names ``shown`` (the path the caller gave) when given.
    """
    try:
        return TokenizerFile(path) if data is None else TokenizerFile(path, data)
    except Exception as exc:  # tokenizers raises plain Exception for a malformed file
        raise _tokenizer_error(shown or str(path), exc) from None


def create_key(
    session: Session,
    principal: Principal,
    master: bytes,
    data_dir: Path,
    *,
    tokenizer: str = SMOLLM2,
    params: WatermarkParams | None = None,
    public_secret: bytes | None = None,
) -> ProvenanceKeyRow:
    """Create an active watermark key for the organisation's text generation.

    ``public_secret`` is only for the demo company: a secret everyone knows, so that a
    shipped sample verifies; the audit event says so.

    Raises:
        PermissionDeniedError: only those who manage the organisation hold keys.
        InvalidInputError: the tokenizer cannot be kept.
    """
    require(principal, Permission.MANAGE_ORG)
    kept, name = keep_tokenizer(data_dir, tokenizer)
    return _new_key(
        session,
        principal,
        master,
        kept.sha256,
        name,
        params or WatermarkParams(),
        secret=public_secret,
    )


def _new_key(
    session: Session,
    principal: Principal,
    master: bytes,
    tokenizer_sha256: str,
    tokenizer_name: str,
    params: WatermarkParams,
    replaces: str | None = None,
    secret: bytes | None = None,
) -> ProvenanceKeyRow:
    key_id = new_key_id()
    row = ProvenanceKeyRow(
        org_id=principal.org_id,
        key_id=key_id,
        scheme=params.scheme,
        params=params.model_dump(),
        tokenizer_sha256=tokenizer_sha256,
        tokenizer_name=tokenizer_name,
        secret_sealed=seal(secret if secret is not None else new_secret(), master, key_id),
        status=KeyStatus.ACTIVE.value,
        created_by=principal.email,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "provenance.key_create",
        "provenance_key",
        key_id,
        {
            "scheme": params.scheme,
            "params": params.model_dump(),
            "tokenizer_sha256": tokenizer_sha256,
            "replaces": replaces,
            **({"public_demo_secret": True} if secret is not None else {}),
        },
    )
    return row


def _own_key(session: Session, principal: Principal, key_id: str) -> ProvenanceKeyRow:
    row = session.scalars(select(ProvenanceKeyRow).where(ProvenanceKeyRow.key_id == key_id)).first()
    if row is None or row.org_id != principal.org_id or not scope.sees_every_system(principal):
        raise NotFoundError(  # external testers see no organisation-wide key
            f"no watermark key {key_id} in this organisation",
            ja=f"この組織に透かしの鍵 {key_id} はありません。",
        )
    return row


def list_keys(session: Session, principal: Principal) -> list[WatermarkKey]:
    """The organisation's keys, newest first."""
    require(principal, Permission.READ)
    rows = session.scalars(
        select(ProvenanceKeyRow)
        .where(ProvenanceKeyRow.org_id == principal.org_id)
        .order_by(ProvenanceKeyRow.id.desc())
    )
    return [view(row) for row in rows]


def rotate_key(
    session: Session, principal: Principal, master: bytes, key_id: str
) -> ProvenanceKeyRow:
    """Replace an active key by a new one (same tokenizer and parameters). The old key
    keeps verifying text it marked, but marks nothing new.

    Raises:
        ConflictError: the key is not active.
    """
    require(principal, Permission.MANAGE_ORG)
    old = _own_key(session, principal, key_id)
    if old.status != KeyStatus.ACTIVE.value:
        raise ConflictError(
            f"key {key_id} is {old.status}; only an active key is rotated",
            ja=f"鍵 {key_id} は有効ではありません（{old.status}）。",
        )
    new = _new_key(
        session,
        principal,
        master,
        old.tokenizer_sha256,
        old.tokenizer_name,
        WatermarkParams.model_validate(old.params),
        replaces=old.key_id,
    )
    old.status = KeyStatus.ROTATED.value
    old.rotated_at = new.created_at
    old.replaced_by = new.key_id
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "provenance.key_rotate",
        "provenance_key",
        old.key_id,
        {"replaced_by": new.key_id},
    )
    return new


def retire_key(session: Session, principal: Principal, key_id: str) -> ProvenanceKeyRow:
    """Retire a key of the organisation (active or rotated): from now on it marks nothing
    and verifies no text; a text carrying its watermark is answered with the verdict
    ``key_retired`` and the day. Retiring cannot be undone.

    Raises:
        PermissionDeniedError: only those who manage the organisation retire keys.
        NotFoundError: no such key in the organisation.
        ConflictError: the key is already retired.
    """
    row = _own_key(session, principal, key_id)
    require(principal, Permission.MANAGE_ORG)
    if row.status == KeyStatus.RETIRED.value:
        raise ConflictError(
            f"key {key_id} is already retired",
            ja=f"鍵 {key_id} はすでに廃止されています。",
        )
    previous = row.status
    row.status = KeyStatus.RETIRED.value
    row.retired_at = datetime.now(UTC)
    row.retired_by = principal.email
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "provenance.key_retire",
        "provenance_key",
        row.key_id,
        {"previous_status": previous},
    )
    return row


def _green_list(row: ProvenanceKeyRow, master: bytes) -> GreenList:
    return _unsealed(row.key_id, row.secret_sealed, master, _params_text(row.params))


def _params_text(params: dict[str, object]) -> str:
    return WatermarkParams.model_validate(params).model_dump_json()


@lru_cache(maxsize=256)
def _unsealed(key_id: str, sealed: str, master: bytes, params: str) -> GreenList:
    """A key's green lists, unsealed once per process and sealed text (a re-sealed or
    altered secret is a new cache entry; SelfHash keeps its token hashes here too)."""
    try:
        secret = unseal(sealed, master, key_id)
    except SealError as exc:
        raise InvalidInputError(str(exc), ja=f"鍵 {key_id} の秘密を開けません。") from None
    return GreenList(secret, WatermarkParams.model_validate_json(params))


def _tokenizer(data_dir: Path, row: ProvenanceKeyRow) -> TokenizerFile:
    path = tokenizers_dir(data_dir) / f"{row.tokenizer_sha256}.json"
    if not path.is_file():
        raise NotFoundError(
            f"the tokenizer of key {row.key_id} is missing from {path.parent}",
            ja=f"鍵 {row.key_id} のトークナイザーが {path.parent} にありません。",
        )
    found = path.stat()
    return _parsed_tokenizer(str(path), row.tokenizer_sha256, found.st_mtime_ns, found.st_size)


@lru_cache(maxsize=8)
def _parsed_tokenizer(path: str, sha256: str, _mtime_ns: int, _size: int) -> TokenizerFile:
    """A kept tokenizer, parsed once per process and file version (parsing takes a fifth
    of a second; kept files are named by their SHA-256, which is checked here, and one
    that changes on disk is read again and refused).

    Raises:
        InvalidInputError: the file's bytes are not the ones the key was made with.
    """
    tokenizer = TokenizerFile(Path(path))
    if tokenizer.sha256 != sha256:
        raise InvalidInputError(
            f"the tokenizer file {path} was changed after the key was made (its SHA-256 is "
            f"{tokenizer.sha256}); restore it from a backup",
            ja=f"トークナイザーのファイル {path} が鍵の作成後に変更されています。"
            "バックアップから戻してください。",
        )
    return tokenizer


def generate(
    session: Session,
    principal: Principal,
    master: bytes,
    key_id: str,
    prompt: str,
    *,
    max_new_tokens: int = 200,
    seed: int = 0,
) -> str:
    """Watermarked text from the key's generator (SmolLM2 for keys made with it).

    Raises:
        InvalidInputError: an empty prompt, a key that is not active, a key whose
            generator is not on this machine, or the lm extra missing.
    """
    require(principal, Permission.MANAGE_ORG)
    if not prompt.strip():
        raise InvalidInputError("give a prompt", ja="プロンプトを入力してください。")
    row = _own_key(session, principal, key_id)
    if row.status != KeyStatus.ACTIVE.value:
        raise InvalidInputError(
            f"key {key_id} is {row.status}; generate with the active key that replaced it",
            ja=f"鍵 {key_id} は有効ではありません。置き換えた有効な鍵を使ってください。",
        )
    if row.tokenizer_name != SMOLLM2:
        raise InvalidInputError(
            f"key {key_id} belongs to the generator of {row.tokenizer_name}; tekisei "
            "generates only with SmolLM2 here (use the library's logits_processor with yours)",
            ja="この鍵の生成モデルは tekisei からは動かせません。"
            "ライブラリの logits_processor を自社のモデルに組み込んでください。",
        )
    try:
        generator = smollm2_generator()
    except RuntimeError as exc:
        raise InvalidInputError(
            str(exc),
            ja="生成モデルを読み込めません。"
            "追加機能（pip install 'tekisei[lm]'）が入っているか確かめてください。",
        ) from None
    return generator.generate(
        prompt, _green_list(row, master), max_new_tokens=max_new_tokens, seed=seed
    )


def verify_text(
    session: Session,
    master: bytes,
    data_dir: Path,
    text: str,
    key_id: str | None = None,
    *,
    org_id: int | None = None,
) -> Detection:
    """Test a text against one key, or against every key (of one organisation when
    ``org_id`` is given), in each form the detector tests (as given, normalised, case
    restored); the p-value is Bonferroni-corrected by keys × forms tried, and the strongest
    finding is returned. Retired keys are tested too, but never detect: a text only a
    retired key's watermark explains gets the verdict ``key_retired`` and the day. This is
    the exact score: callers show it only to the keys' organisation (see
    :func:`check_text`).

    Raises:
        InvalidInputError: an empty text.
        NotFoundError: ``key_id`` names no key.
    """
    _need_text(text)
    query = select(ProvenanceKeyRow)
    if key_id:
        query = query.where(ProvenanceKeyRow.key_id == key_id)
    if org_id is not None:
        query = query.where(ProvenanceKeyRow.org_id == org_id)
    rows = list(session.scalars(query.order_by(ProvenanceKeyRow.id)))
    if key_id and not rows:
        raise NotFoundError(f"no watermark key {key_id}", ja=f"透かしの鍵 {key_id} はありません。")
    if not rows:  # nothing to check against: never "not detected"
        return Detection(tokens_scored=0, green=0, z=0.0, p_value=1.0, verdict=Verdict.NO_KEYS)
    forms: dict[str, list[list[int]]] = {}
    in_use: Detection | None = None
    retired: Detection | None = None
    for row in rows:
        if row.tokenizer_sha256 not in forms:
            forms[row.tokenizer_sha256] = encode_variants(text, _tokenizer(data_dir, row))
        found = detect_variants(
            forms[row.tokenizer_sha256],
            _green_list(row, master),
            key_id=row.key_id,
            keys_tried=len(rows),
        )
        if row.status == KeyStatus.RETIRED.value:
            if found.verdict is Verdict.WATERMARK_DETECTED:
                day = row.retired_at.date() if row.retired_at is not None else None
                found = found.model_copy(update={"verdict": Verdict.KEY_RETIRED, "retired_on": day})
            if retired is None or found.z > retired.z:
                retired = found
        elif in_use is None or found.z > in_use.z:
            in_use = found
    if in_use is not None and in_use.verdict is Verdict.WATERMARK_DETECTED:
        return in_use
    if retired is not None and (retired.verdict is Verdict.KEY_RETIRED or in_use is None):
        return retired
    assert in_use is not None
    return in_use


def _need_text(text: str) -> None:
    if not text.strip():
        raise InvalidInputError("give a text to check", ja="確かめる文章を入力してください。")


def check_text(
    database: Database,
    master: bytes,
    data_dir: Path,
    text: str,
    key_id: str | None,
    principal: Principal | None,
    count_public: Callable[[], None],
) -> Detection | PublicResult:
    """What a caller may learn about a text: exact scores only against their own
    organisation's keys, the public answer for everything else.

    A signed-in ``principal`` that names one of its organisation's keys gets the exact
    score for that key; one that names no key gets the exact score when one of its
    organisation's keys detects the watermark. Everything else (no principal, another
    organisation's key, a text none of the organisation's keys detect) is the public
    check against every key: ``count_public`` is called first (the public rate limit,
    which raises when the client is over it) and the answer is the verdict, a coarse
    p-value band and the token count. No database session is open while
    ``count_public`` runs.

    Raises:
        InvalidInputError: an empty text.
        NotFoundError: ``key_id`` names no key.
        ThrottledError: from ``count_public``.
    """
    _need_text(text)
    if principal is not None:
        with database.reading() as session:
            own = session.scalars(
                select(ProvenanceKeyRow.key_id).where(ProvenanceKeyRow.org_id == principal.org_id)
            ).all()
            if own and (key_id is None or key_id in own):
                found = verify_text(
                    session, master, data_dir, text, key_id, org_id=principal.org_id
                )
                if key_id is not None or found.verdict in (
                    Verdict.WATERMARK_DETECTED,
                    Verdict.KEY_RETIRED,
                ):
                    return found
    count_public()
    with database.reading() as session:
        return public_result(verify_text(session, master, data_dir, text, key_id))


class PublicResult(BaseModel):
    """What the public verifier says: the verdict, a coarse p-value band and the count
    of tokens scored, never the exact score, which tokens were green or which key (key ids
    are for their own organisation, as in ``/api/provenance/trust``)."""

    verdict: Verdict
    p_band: str
    tokens_scored: int
    retired_on: date | None = None
    """With the verdict ``key_retired``: the day the key's organisation retired it."""


def public_result(found: Detection) -> PublicResult:
    """The public view of a detection."""
    return PublicResult(
        verdict=found.verdict,
        p_band=p_band(found.p_value),
        tokens_scored=found.tokens_scored,
        retired_on=found.retired_on if found.verdict is Verdict.KEY_RETIRED else None,
    )


def public_keys(session: Session) -> list[WatermarkKey]:
    """Every key that is not retired, as anyone may see it (ids, scheme, parameters,
    tokenizer hash, status; never a secret)."""
    rows = session.scalars(
        select(ProvenanceKeyRow)
        .where(ProvenanceKeyRow.status != KeyStatus.RETIRED.value)
        .order_by(ProvenanceKeyRow.id)
    )
    return [view(row) for row in rows]


def verify_transformers_text(
    text: str,
    *,
    tokenizer: Path | None = None,
    config: Path | None = None,
) -> Detection:
    """Check a text for the watermark of ``transformers``' own ``WatermarkingConfig`` (its
    default parameters and public hashing key), for deployments whose generators use it.
    The generator is SmolLM2-135M-Instruct unless ``tokenizer`` (its ``tokenizer.json``)
    and ``config`` (its ``config.json``) name another. Needs the ``lm`` extra.

    Raises:
        InvalidInputError: an empty text, torch or transformers not installed, or a file
            that is not a tokenizer or a model configuration.
    """
    _need_text(text)
    if not transformers_available():
        raise InvalidInputError(
            "checking for transformers' own watermark needs torch and transformers, which "
            "this installation does not have: pip install 'tekisei[lm]'",
            ja="transformers 標準の透かしを確かめるには torch と transformers が必要ですが、"
            "この環境には入っていません。tekisei[lm] を追加でインストールしてください。",
        )
    tokenizer_file = _transformers_tokenizer(str(tokenizer) if tokenizer else None)
    return detect_transformers_text(
        text, tokenizer_file, _model_config(str(config) if config else None)
    )


@lru_cache(maxsize=4)
def _transformers_tokenizer(path: str | None) -> TokenizerFile:
    if path is None:
        return _read_tokenizer(Path(SMOLLM2), smollm2_tokenizer())
    return _read_tokenizer(Path(path))


@lru_cache(maxsize=4)
def _model_config(path: str | None) -> object:
    try:
        return model_config(Path(path) if path else None)
    except (OSError, ValueError, TypeError) as exc:
        raise InvalidInputError(
            f"{path}: not a model configuration (config.json) this machine can read ({exc})",
            ja=f"{path} はモデルの設定ファイル（config.json）として読めません。",
        ) from None
