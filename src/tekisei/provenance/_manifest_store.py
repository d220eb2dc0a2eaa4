"""The C2PA manifest store embedded in a signed image, as the bytes a sidecar
(``application/c2pa``) carries: the JUMBF superbox from a PNG's ``caBX`` chunk or
reassembled from a JPEG's APP11 segments."""

from __future__ import annotations

from tekisei.provenance._dimensions import PNG_MAGIC

_APP11 = 0xEB


def _png_store(data: bytes) -> bytes | None:
    at = len(PNG_MAGIC)
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if len(body) < length:
            return None  # truncated
        if kind == b"caBX":
            return body or None
        if kind == b"IEND":
            return None
        at += 12 + length  # length, type, data, CRC
    return None


def _jpeg_segments(data: bytes) -> list[bytes]:
    """The payloads of the APP11 segments before the first scan."""
    found: list[bytes] = []
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no metadata after this
            break
        if marker == 0xFF:  # a fill byte
            at += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if length < 2 or at + 2 + length > len(data):
            break
        if marker == _APP11:
            found.append(data[at + 4 : at + 2 + length])
        at += 2 + length
    return found


def _jpeg_store(data: bytes) -> bytes | None:
    # JPEG XT boxes (ISO 19566-5): "JP", a box instance number, a sequence number, then
    # the box; every segment after the first repeats the box's 8-byte header (16 with
    # an extended length), which is dropped when the pieces are joined.
    boxes: dict[int, list[tuple[int, bytes]]] = {}
    for payload in _jpeg_segments(data):
        if len(payload) < 16 or payload[:2] != b"JP":
            continue
        instance = int.from_bytes(payload[2:4], "big")
        sequence = int.from_bytes(payload[4:8], "big")
        boxes.setdefault(instance, []).append((sequence, payload[8:]))
    for pieces in boxes.values():
        pieces.sort(key=lambda piece: piece[0])
        first = pieces[0][1]
        if first[4:8] != b"jumb" or b"c2pa" not in first[:64]:
            continue
        header = 16 if int.from_bytes(first[:4], "big") == 1 else 8
        whole = first + b"".join(piece[header:] for _, piece in pieces[1:])
        declared = int.from_bytes(first[:4], "big")
        if header == 16:
            declared = int.from_bytes(first[8:16], "big")
        return whole[:declared] if 8 <= declared <= len(whole) else None
    return None


def manifest_store(data: bytes) -> bytes | None:
    """The JUMBF manifest store a signed PNG or JPEG embeds, or None when there is none
    (or the file is not a PNG/JPEG, or is cut short)."""
    if data.startswith(PNG_MAGIC):
        return _png_store(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_store(data)
    return None
