"""Reading files a user gives or uploads, with bounded time and memory.

Every reader of such a file goes through here: catalogs, crosswalks, suites, governance
files (``tekisei apply -f``), ``http:`` target configs, Inspect logs (``.eval`` archives
and ``.json``), J-AISI CSV datasets and audit exports. The limits stop resource bombs
that are small on disk: a YAML file whose aliases expand a few hundred bytes into
billions of nodes, or a zip archive whose members inflate a megabyte into gigabytes.
Each refusal is a :class:`~tekisei.errors.FileLimitError` that names the file and the
limit.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import IO, Any

import yaml
from yaml.constructor import SafeConstructor

from tekisei.errors import FileLimitError

MB = 1024 * 1024

MAX_YAML_BYTES = 8 * MB
MAX_YAML_NODES = 500_000
"""Nodes after every alias is expanded: the largest shipped catalog has about 3,000."""
MAX_YAML_DEPTH = 100

MAX_ZIP_MEMBERS = 100_000
MAX_ZIP_MEMBER_BYTES = 64 * MB
MAX_ZIP_TOTAL_BYTES = 256 * MB
MAX_FILE_BYTES = 256 * MB
"""A JSON log, an audit export or another file read whole."""
MAX_CSV_BYTES = 64 * MB

ZSTD = 93  # the zip compression method Inspect writes .eval archives with

# libyaml when available (PyYAML's wheels ship it); the pure-Python loader otherwise.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _size(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size} bytes"


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, refused when it is larger than ``limit``.

    Raises:
        FileLimitError: the file is larger than ``limit``.
        OSError: it cannot be read.
    """
    with path.open("rb") as handle:
        too_large = os.fstat(handle.fileno()).st_size > limit
        data = b"" if too_large else handle.read(limit + 1)
    if too_large or len(data) > limit:
        raise FileLimitError(
            f"{path.name} is larger than {_size(limit)}, the most tekisei reads of such a file",
            ja=f"{path.name} は {_size(limit)} を超えています。このファイルは読み込めません。",
        )
    return data


def read_text(path: Path, limit: int = MAX_FILE_BYTES, encoding: str = "utf-8") -> str:
    """A file's text, refused when it is larger than ``limit`` bytes.

    Raises:
        FileLimitError: the file is larger than ``limit``.
        UnicodeDecodeError: it is not text in ``encoding``.
        OSError: it cannot be read.
    """
    return read_bytes(path, limit).decode(encoding)


# ----------------------------------------------------------------------------- YAML


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def expanded_nodes(root: yaml.Node, source: str, limit: int = MAX_YAML_NODES) -> int:
    """How many nodes the document has once every alias is expanded, computed without
    expanding anything (each distinct node is visited once).

    Raises:
        FileLimitError: more than ``limit`` nodes, deeper than :data:`MAX_YAML_DEPTH`, or
            an alias that contains itself.
    """
    sizes: dict[int, int] = {}
    path: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            if sizes[key] > limit:
                raise FileLimitError(
                    f"{source}: its aliases expand to more than {limit:,} YAML nodes; write "
                    "the content out without anchors (&) and aliases (*)",
                    ja=f"{source}: エイリアスを展開すると YAML のノードが {limit:,} 個を超えます。"
                    "アンカー（&）とエイリアス（*）を使わずに書いてください。",
                )
            continue
        if key in sizes:
            continue
        if key in path:
            raise FileLimitError(
                f"{source}: an alias refers to a node that contains it; remove the recursion",
                ja=f"{source}: エイリアスが自分自身を含むノードを参照しています。",
            )
        if depth > MAX_YAML_DEPTH:
            raise FileLimitError(
                f"{source}: nested deeper than {MAX_YAML_DEPTH} levels",
                ja=f"{source}: 入れ子が {MAX_YAML_DEPTH} 段を超えています。",
            )
        path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node))
    return sizes[id(root)]


def compose_yaml(text: str, source: str, *, max_nodes: int = MAX_YAML_NODES) -> yaml.Node | None:
    """The node tree of one YAML document, checked against the limits (line and column
    positions are kept, for error messages).

    Raises:
        FileLimitError: the text or its expansion is over a limit.
        yaml.YAMLError: it is not YAML.
    """
    if len(text) > MAX_YAML_BYTES:
        raise FileLimitError(
            f"{source} is larger than {_size(MAX_YAML_BYTES)}; split it into several files",
            ja=f"{source} は {_size(MAX_YAML_BYTES)} を超えています。ファイルを分けてください。",
        )
    try:
        tree = yaml.compose(text, Loader=_Loader)
    except RecursionError:
        raise FileLimitError(
            f"{source}: nested deeper than {MAX_YAML_DEPTH} levels",
            ja=f"{source}: 入れ子が {MAX_YAML_DEPTH} 段を超えています。",
        ) from None
    if tree is not None:
        expanded_nodes(tree, source, max_nodes)
    return tree


def construct_yaml(tree: yaml.Node) -> Any:
    """The Python value of a node tree from :func:`compose_yaml` (safe types only)."""
    return SafeConstructor().construct_document(tree)


def load_yaml(text: str, source: str, *, max_nodes: int = MAX_YAML_NODES) -> Any:
    """``yaml.safe_load`` with the limits of :func:`compose_yaml`.

    Raises:
        FileLimitError: the text or its expansion is over a limit.
        yaml.YAMLError: it is not YAML.
    """
    tree = compose_yaml(text, source, max_nodes=max_nodes)
    return None if tree is None else construct_yaml(tree)


# ----------------------------------------------------------------------------- zip


class BoundedZip:
    """Members of a zip archive read with limits on their count and inflated sizes
    (the sizes the archive declares are not believed). Members compressed with zstd
    (method 93, which the standard library cannot read before Python 3.14) are read
    with ``zstandard``.

    Raises (on opening):
        FileLimitError: more than ``max_members`` members.
        zipfile.BadZipFile: not a zip archive.
    """

    def __init__(
        self,
        handle: IO[bytes],
        source: str,
        *,
        max_members: int = MAX_ZIP_MEMBERS,
        max_member: int = MAX_ZIP_MEMBER_BYTES,
        max_total: int = MAX_ZIP_TOTAL_BYTES,
    ) -> None:
        self.handle = handle
        self.source = source
        self.archive = zipfile.ZipFile(handle)
        self.max_member = max_member
        self.left = max_total
        self.max_total = max_total
        count = len(self.archive.infolist())
        if count > max_members:
            raise FileLimitError(
                f"{source} has {count:,} members; tekisei reads at most {max_members:,}",
                ja=f"{source} のファイル数（{count:,}）が上限 {max_members:,} を超えています。",
            )

    def names(self) -> list[str]:
        """Every member's name."""
        return self.archive.namelist()

    def read(self, name: str) -> bytes:
        """One member's inflated bytes.

        Raises:
            FileLimitError: the member, or all members read so far, inflate past a limit.
            KeyError: no such member.
            zipfile.BadZipFile: a corrupt member.
        """
        info = self.archive.getinfo(name)
        cap = min(self.max_member, self.left)
        if info.compress_type == ZSTD:
            data = self._zstd(info, cap + 1)
        else:
            with self.archive.open(info) as member:
                data = member.read(cap + 1)
        if len(data) > cap:
            which = (
                f"its member {name} inflates past {_size(self.max_member)}"
                if cap == self.max_member
                else f"its members inflate past {_size(self.max_total)} in all"
            )
            raise FileLimitError(
                f"{self.source}: {which}; it may be a zip bomb, and is not read",
                ja=f"{self.source}: 展開後の大きさが上限を超えます（zip 爆弾の可能性）。"
                "読み込みません。",
            )
        self.left -= len(data)
        return data

    def _zstd(self, info: zipfile.ZipInfo, cap: int) -> bytes:
        import zstandard

        self.handle.seek(info.header_offset)
        local = self.handle.read(30)
        if local[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename}")
        skip = int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        self.handle.seek(info.header_offset + 30 + skip)
        raw = self.handle.read(info.compress_size)
        reader = zstandard.ZstdDecompressor().stream_reader(
            io.BytesIO(raw), read_across_frames=True
        )
        chunks: list[bytes] = []
        size = 0
        while size < cap:
            chunk = reader.read(min(1 * MB, cap - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)
