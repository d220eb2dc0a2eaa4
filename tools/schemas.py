"""Write the JSON Schemas of the catalog and crosswalk formats into the package.

Run: python tools/schemas.py (``make schemas``). A test fails when they are stale.
"""

from __future__ import annotations

import json
from pathlib import Path

from tekisei.core.catalog import json_schemas
from tekisei.core.governance import json_schema as system_schema

OUT = Path(__file__).resolve().parent.parent / "src" / "tekisei" / "catalogs" / "schema"


def main() -> None:
    """Write one file per format."""
    OUT.mkdir(parents=True, exist_ok=True)
    for kind, schema in (json_schemas() | {"system": system_schema()}).items():
        text = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        (OUT / f"{kind}.schema.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
