"""Given and uploaded files are read within limits: real resource bombs are refused
quickly, with an error naming the file and the limit."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest
import zstandard
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.core.systems import SystemFacts
from tekisei.errors import CatalogFileError, FileLimitError
from tekisei.evals import (
    ImportFileError,
    load_suite,
    read_inspect_log,
    read_jaisi_csv,
    target_from_spec,
)
from tekisei.services import catalog_files, governance, orgs, systems
from tekisei.services.database import Database
from tekisei.untrusted import (
    MAX_ZIP_MEMBER_BYTES,
    MAX_ZIP_TOTAL_BYTES,
    BoundedZip,
    load_yaml,
    read_bytes,
)

MB = 1024 * 1024

# The classic "billion laughs": 514 bytes that expand to 9**9 (387 million) strings.
BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.fixture
def bomb(tmp_path: Path) -> Path:
    path = tmp_path / "bomb.yaml"
    path.write_text("format: tekisei-catalog/1\n" + BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS) < 600
    return path


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    with pytest.raises(FileLimitError, match=r"bomb\.yaml: its aliases expand to more than"):
        load_yaml(BILLION_LAUGHS, "bomb.yaml")


def test_a_recursive_alias_and_deep_nesting_are_refused() -> None:
    with pytest.raises(FileLimitError, match="contains it"):
        load_yaml("a: &a [1, *a]\n", "loop.yaml")
    with pytest.raises(FileLimitError, match=r"deep\.yaml: nested deeper than 100 levels"):
        load_yaml("[" * 150 + "]" * 150, "deep.yaml")


def test_harmless_anchors_still_load() -> None:
    text = "base: &base {tier: high}\nsystems: [*base, *base]\n"
    assert load_yaml(text, "ok.yaml")["systems"] == [{"tier": "high"}, {"tier": "high"}]


def test_catalog_validate_refuses_the_bomb(bomb: Path, tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="aliases expand"):
        catalog_files.parse_file(bomb)
    env = {"TEKISEI_DATA_DIR": str(tmp_path / "var"), "LANG": "C.UTF-8"}
    result = CliRunner().invoke(app, ["catalog", "validate", str(bomb)], env=env)
    assert result.exit_code == 4, result.output
    assert "bomb.yaml" in result.output + (result.stderr or "")
    assert "aliases expand" in result.output + (result.stderr or "")


def test_apply_suites_and_http_targets_refuse_the_bomb(bomb: Path, tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="aliases expand"):
        governance.parse(bomb.read_text(encoding="utf-8"), str(bomb))
    env = {"TEKISEI_DATA_DIR": str(tmp_path / "var"), "LANG": "C.UTF-8"}
    applied = CliRunner().invoke(app, ["apply", "-f", str(bomb), "--org", "x"], env=env)
    assert applied.exit_code == 4 and "aliases expand" in applied.output + (applied.stderr or "")
    suite = tmp_path / "suite.yaml"
    suite.write_text(BILLION_LAUGHS, encoding="utf-8")
    with pytest.raises(ValueError, match=r"suite\.yaml: its aliases expand"):
        load_suite(str(suite))
    with pytest.raises(ValueError, match=r"suite\.yaml: its aliases expand"):
        target_from_spec(f"http:{suite}")


def _raw_member_zip(path: Path, name: str, raw: bytes, method: int, declared: int) -> None:
    """A zip whose one member holds ``raw`` as already compressed with ``method`` and
    declares ``declared`` bytes when inflated (written stored, then relabelled)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(name, raw)
    data = bytearray(path.read_bytes())
    local = data.find(b"PK\x03\x04")
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, local + 8, method)
    struct.pack_into("<L", data, local + 22, declared)
    struct.pack_into("<H", data, central + 10, method)
    struct.pack_into("<L", data, central + 24, declared)
    path.write_bytes(bytes(data))


def _deflate_zeros(megabytes: int) -> bytes:
    """A raw deflate stream of ``megabytes`` MB of zeros, about 1 KB per MB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(b"\0" * MB) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * megabytes + b"\x03\x00"  # an empty final block


@pytest.mark.parametrize("method", ["deflate", "zstd"])
def test_a_zip_bombed_eval_log_is_refused(tmp_path: Path, method: str) -> None:
    path = tmp_path / "bomb.eval"
    if method == "deflate":
        raw, code = _deflate_zeros(2000), zipfile.ZIP_DEFLATED  # 2 GB from about 2 MB
    else:
        frame = zstandard.ZstdCompressor(level=3).compress(b"\0" * (16 * MB))
        raw, code = frame * 256, 93  # 4 GB from about 200 KB
    _raw_member_zip(path, "samples/1_epoch_1.json", raw, code, 0xFFFFFFFF)
    assert path.stat().st_size < 3 * MB
    with pytest.raises(ImportFileError, match=r"bomb\.eval: its member samples/1_epoch_1\.json"):
        read_inspect_log(path, "P1")


def test_many_members_and_a_large_total_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(20):
            archive.writestr(f"samples/{i}.json", b"{}" + b" " * (2 * MB))
    with path.open("rb") as handle, pytest.raises(FileLimitError, match="20 members"):
        BoundedZip(handle, "many.eval", max_members=10)
    with path.open("rb") as handle:
        archive = BoundedZip(handle, "many.eval", max_total=5 * MB)
        archive.read("samples/0.json")
        archive.read("samples/1.json")
        with pytest.raises(FileLimitError, match="5 MB in all"):
            archive.read("samples/2.json")
    assert MAX_ZIP_MEMBER_BYTES < MAX_ZIP_TOTAL_BYTES


def test_oversized_json_logs_csv_datasets_and_files_are_refused(tmp_path: Path) -> None:
    log = tmp_path / "huge.json"
    with log.open("wb") as handle:
        handle.truncate(300 * MB)  # sparse: nothing is written to disk
    with pytest.raises(ImportFileError, match=r"huge\.json is larger than 256 MB"):
        read_inspect_log(log, "P1")
    with pytest.raises(FileLimitError, match=r"huge\.json is larger than 1 MB"):
        read_bytes(log, MB)
    rows = "ID,text,ten_perspective,scorer,output\n" + "1,a,P1,model_graded_qa,b\n" * 100_001
    with pytest.raises(ImportFileError, match="more than 100,000 rows"):
        read_jaisi_csv(rows, "big", "big.csv")
    wide = "ID,text,ten_perspective\n1," + "x" * 200_000 + ",P1\n"
    with pytest.raises(ImportFileError, match=r"big\.csv, line"):
        read_jaisi_csv(wide, "big", "big.csv")


def test_the_cli_names_the_file_and_the_limit(
    tmp_path: Path, settings: Settings, loaded_db: Database
) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate({"name": "bot", "org_role": "user"})
        system = systems.register_system(session, admin, facts).id
    path = tmp_path / "bomb.eval"
    _raw_member_zip(path, "samples/1.json", _deflate_zeros(100), zipfile.ZIP_DEFLATED, 100 * MB)
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "LANG": "C.UTF-8",
    }
    result = CliRunner().invoke(
        app, ["eval", "import", str(path), "--system", str(system), "--org", "acme"], env=env
    )
    output = result.output + (result.stderr or "")
    assert result.exit_code == 4, output
    assert "bomb.eval" in output and "64 MB" in output and "zip bomb" in output
