"""The encrypted container of a backup: streamed in chunks, never held in memory.

Layout: ``MAGIC``, a 4-byte length and the JSON header (:class:`ArchiveHeader`), a
32-byte HMAC-SHA256 of all that under a key derived from the passphrase (a wrong
passphrase is told apart from damage), then chunks, each a 4-byte length and an
AES-256-GCM ciphertext. A chunk's nonce is the header's prefix, its counter and a
flag set only on the last chunk, and its associated data is the SHA-256 of the
header: so a changed, dropped, reordered or appended chunk, a truncated file and a
changed header all fail authentication, and are reported as such.

Inside the stream, members follow each other: a 4-byte length, a JSON
:class:`MemberHeader`, then ``size`` bytes. The manifest is the last member.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import ValidationError

from tekisei.core.backups import (
    FORMAT,
    MAGIC,
    MAX_HEADER,
    ArchiveHeader,
    Manifest,
    Member,
    MemberHeader,
    Scrypt,
)
from tekisei.errors import IntegrityError, InvalidInputError

_LENGTH = struct.Struct(">I")
_TAG = 16
_READ = 1024 * 1024


def _keys(passphrase: str, kdf: Scrypt) -> tuple[bytes, bytes]:
    master = hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=base64.b64decode(kdf.salt),
        n=kdf.n,
        r=kdf.r,
        p=kdf.p,
        maxmem=256 * kdf.r * kdf.n * kdf.p + 64 * 1024 * 1024,
        dklen=32,
    )

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return derive(b"tekisei backup stream v1"), derive(b"tekisei backup header v1")


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + counter.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


def _damaged(what: str, what_ja: str) -> IntegrityError:
    return IntegrityError(
        f"the backup archive is damaged: {what}; nothing is restored from it. Use another "
        "copy of the archive",
        ja=f"バックアップのアーカイブが壊れています（{what_ja}）。何も復元しません。"
        "別のコピーを使ってください。",
    )


class ArchiveWriter:
    """Encrypts what is written to it, a chunk at a time, into ``out``."""

    def __init__(self, out: BinaryIO, passphrase: str, *, kdf_cost: int = 2**17) -> None:
        self.header = ArchiveHeader(
            format=FORMAT,
            kdf=Scrypt(n=kdf_cost, salt=base64.b64encode(secrets.token_bytes(16)).decode()),
            nonce_prefix=base64.b64encode(secrets.token_bytes(7)).decode(),
        )
        stream_key, header_key = _keys(passphrase, self.header.kdf)
        raw = self.header.model_dump_json().encode("utf-8")
        plain = MAGIC + _LENGTH.pack(len(raw)) + raw
        out.write(plain + hmac.new(header_key, plain, hashlib.sha256).digest())
        self._out = out
        self._aead = AESGCM(stream_key)
        self._aad = hashlib.sha256(plain).digest()
        self._prefix = base64.b64decode(self.header.nonce_prefix)
        self._buffer = bytearray()
        self._counter = 0

    def write(self, data: bytes) -> None:
        """Add plaintext; full chunks are encrypted and written at once."""
        self._buffer += data
        size = self.header.chunk_size
        while len(self._buffer) > size:
            self._chunk(bytes(self._buffer[:size]), last=False)
            del self._buffer[:size]

    def _chunk(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain, self._aad)
        self._out.write(_LENGTH.pack(len(sealed)) + sealed)
        self._counter += 1

    def close(self) -> None:
        """Write the last chunk (flagged as such)."""
        self._chunk(bytes(self._buffer), last=True)
        self._buffer.clear()


def read_header(source: BinaryIO) -> tuple[ArchiveHeader, bytes, bytes]:
    """The plain header, its bytes and its HMAC.

    Raises:
        InvalidInputError: the file is not a tekisei backup (or of an unknown version).
    """
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise InvalidInputError(
            "not a tekisei backup archive (it does not start with the archive's mark); "
            "give a file written by 'tekisei backup create'",
            ja="tekisei のバックアップではありません。tekisei backup create で作った"
            "ファイルを指定してください。",
        )
    length_bytes = source.read(_LENGTH.size)
    if len(length_bytes) < _LENGTH.size:
        raise _damaged("it ends inside its header", "ヘッダーの途中で終わっています")
    (length,) = _LENGTH.unpack(length_bytes)
    if length > MAX_HEADER:
        raise _damaged("its header is too long", "ヘッダーが長すぎます")
    raw = source.read(length)
    mac = source.read(32)
    if len(raw) < length or len(mac) < 32:
        raise _damaged("it ends inside its header", "ヘッダーの途中で終わっています")
    try:
        header = ArchiveHeader.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["loc"] == ("format",):
            raise InvalidInputError(
                "this backup was written in a format this version of tekisei does not read; "
                "restore it with the tekisei version that made it, or a newer one",
                ja="このバックアップは、この版の tekisei が読めない形式です。作成した版か"
                "それより新しい版の tekisei で復元してください。",
            ) from None
        raise _damaged("its header is not valid", "ヘッダーが正しくありません") from None
    return header, magic + length_bytes + raw, mac


class ArchiveReader:
    """Decrypts an archive chunk by chunk, authenticating each before it is used."""

    def __init__(self, source: BinaryIO, passphrase: str) -> None:
        self.header, plain, mac = read_header(source)
        stream_key, header_key = _keys(passphrase, self.header.kdf)
        if not hmac.compare_digest(hmac.new(header_key, plain, hashlib.sha256).digest(), mac):
            raise IntegrityError(
                "wrong passphrase (or the archive's header was changed): the archive cannot be "
                "opened, and nothing is restored from it",
                ja="パスフレーズが違います（またはアーカイブのヘッダーが変更されています）。"
                "アーカイブを開けないため、何も復元しません。",
            )
        self._source = source
        self._aead = AESGCM(stream_key)
        self._aad = hashlib.sha256(plain).digest()
        self._prefix = base64.b64decode(self.header.nonce_prefix)

    def _sealed(self) -> bytes | None:
        length_bytes = self._source.read(_LENGTH.size)
        if not length_bytes:
            return None
        if len(length_bytes) < _LENGTH.size:
            raise _damaged("it was cut off inside a chunk", "チャンクの途中で切れています")
        (length,) = _LENGTH.unpack(length_bytes)
        if length < _TAG or length > self.header.chunk_size + _TAG:
            raise _damaged("a chunk has an impossible length", "チャンクの長さが不正です")
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise _damaged("it was cut off inside a chunk", "チャンクの途中で切れています")
        return sealed

    def chunks(self) -> Iterator[bytes]:
        """The plaintext, chunk by chunk; each chunk is authentic when it is yielded.

        Raises:
            IntegrityError: a chunk was changed, removed, reordered or added, or the
                archive was truncated.
        """
        counter = 0
        sealed = self._sealed()
        if sealed is None:
            raise _damaged("it holds no data after its header", "ヘッダーの後にデータがありません")
        while sealed is not None:
            following = self._sealed()
            last = following is None
            try:
                yield self._aead.decrypt(_nonce(self._prefix, counter, last), sealed, self._aad)
            except InvalidTag:
                raise self._explain(sealed, counter, last) from None
            counter += 1
            sealed = following

    def _explain(self, sealed: bytes, counter: int, last: bool) -> IntegrityError:
        try:
            self._aead.decrypt(_nonce(self._prefix, counter, not last), sealed, self._aad)
        except InvalidTag:
            return _damaged(
                f"chunk {counter + 1} was changed (or chunks were reordered)",
                f"チャンク {counter + 1} が変更されています（または順序が入れ替わっています）",
            )
        if last:
            return _damaged(
                f"it was truncated: it ends after chunk {counter + 1}, before its last chunk",
                f"途中で切り詰められています（チャンク {counter + 1} の後で終わっています）",
            )
        return _damaged(
            f"data was appended after its last chunk ({counter + 1})",
            f"最後のチャンク（{counter + 1}）の後にデータが追加されています",
        )


class PlainStream:
    """Reads exact byte counts across decrypted chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._offset = 0

    def _fill(self) -> bool:
        if self._offset < len(self._buffer):
            return True
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        self._buffer, self._offset = chunk, 0
        return True

    def pieces(self, size: int) -> Iterator[bytes]:
        """Exactly ``size`` bytes, in pieces."""
        left = size
        while left:
            if not self._fill():
                raise _damaged("a member ends early", "メンバーの途中で終わっています")
            piece = self._buffer[self._offset : self._offset + min(left, _READ)]
            self._offset += len(piece)
            left -= len(piece)
            yield piece

    def read(self, size: int) -> bytes:
        """Exactly ``size`` bytes (small reads only)."""
        return b"".join(self.pieces(size))

    def at_end(self) -> bool:
        """Whether nothing is left."""
        return not self._fill()


@dataclass
class MemberWriter:
    """Writes members into an :class:`ArchiveWriter` and collects their digests."""

    archive: ArchiveWriter
    members: list[Member] = field(default_factory=list)

    def _header(self, header: MemberHeader) -> None:
        raw = header.model_dump_json().encode("utf-8")
        self.archive.write(_LENGTH.pack(len(raw)) + raw)

    def add(self, name: str, size: int, pieces: Iterator[bytes]) -> None:
        """One member of exactly ``size`` bytes.

        Raises:
            IntegrityError: the source gave more or fewer bytes than ``size`` (it changed
                while it was being backed up).
        """
        self._header(MemberHeader(kind="member", name=name, size=size))
        digest = hashlib.sha256()
        written = 0
        for piece in pieces:
            written += len(piece)
            if written > size:
                break
            digest.update(piece)
            self.archive.write(piece)
        if written != size:
            raise IntegrityError(
                f"{name} changed size while it was being backed up; run the backup again",
                ja=f"{name} のサイズがバックアップ中に変わりました。もう一度実行してください。",
            )
        self.members.append(Member(name=name, size=size, sha256=digest.hexdigest()))

    def add_bytes(self, name: str, data: bytes) -> None:
        """A small member held in memory."""
        self.add(name, len(data), iter([data]))

    def finish(self, manifest: Manifest) -> None:
        """Write the manifest as the last member and close the archive."""
        raw = json.dumps(manifest.model_dump(), ensure_ascii=False).encode("utf-8")
        self._header(MemberHeader(kind="manifest", name="manifest", size=len(raw)))
        self.archive.write(raw)
        self.archive.close()


def member_header(stream: PlainStream) -> MemberHeader | None:
    """The next member's header, or None at the end of the stream.

    Raises:
        IntegrityError: the stream does not hold a member header here.
    """
    if stream.at_end():
        return None
    (length,) = _LENGTH.unpack(stream.read(_LENGTH.size))
    if length > MAX_HEADER:
        raise _damaged("a member header is too long", "メンバーのヘッダーが長すぎます")
    try:
        return MemberHeader.model_validate_json(stream.read(length))
    except ValidationError:
        raise _damaged(
            "a member header is not valid", "メンバーのヘッダーが正しくありません"
        ) from None


def file_pieces(path: os.PathLike[str] | str, size: int) -> Iterator[bytes]:
    """The first ``size`` bytes of a file, in pieces (a file that grows meanwhile, like a
    run log being written, is cut at the size it had; one that shrinks is an error)."""
    with open(path, "rb") as handle:
        left = size
        while left:
            piece = handle.read(min(left, _READ))
            if not piece:
                return
            left -= len(piece)
            yield piece
