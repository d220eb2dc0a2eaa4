"""The AI literacy modules the project wrote (``catalogs/literacy/*.yaml``), read and
validated once, when this module is first imported: a broken file stops tekisei from
starting rather than showing a broken page."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

from tekisei.core.literacy import Module
from tekisei.errors import NotFoundError

MIN_MODULES = 8


def _folder() -> Path:
    return Path(str(resources.files("tekisei.catalogs") / "literacy"))


def load(folder: Path | None = None) -> tuple[Module, ...]:
    """Every module in ``folder`` (the shipped one by default), in their order.

    Raises:
        ValueError: a file does not validate, two modules share an id or an order, or
            there are fewer than :data:`MIN_MODULES`.
    """
    found: list[Module] = []
    for path in sorted((folder or _folder()).glob("*.yaml")):
        try:
            found.append(Module.model_validate(yaml.safe_load(path.read_text(encoding="utf-8"))))
        except (ValueError, yaml.YAMLError) as exc:
            raise ValueError(f"{path.name}: {exc}") from exc
    ids = [m.id for m in found]
    orders = [m.order for m in found]
    if len(set(ids)) != len(ids) or len(set(orders)) != len(orders):
        raise ValueError("two literacy modules share an id or an order")
    if len(found) < MIN_MODULES:
        raise ValueError(f"{len(found)} literacy modules; at least {MIN_MODULES} are needed")
    return tuple(sorted(found, key=lambda m: m.order))


MODULES: tuple[Module, ...] = load()
"""The shipped modules, in order."""
BY_ID: dict[str, Module] = {m.id: m for m in MODULES}


def module(module_id: str) -> Module:
    """The module ``module_id``.

    Raises:
        NotFoundError: there is no such module.
    """
    found = BY_ID.get(module_id)
    if found is None:
        raise NotFoundError(
            f"there is no literacy module {module_id[:60]}",
            ja=f"学習モジュール {module_id[:60]} はありません。",
        )
    return found
