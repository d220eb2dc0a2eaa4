"""Packages whose names are imported when first used (PEP 562), so that code needing a
little of a package does not pay for all of it: ``tekisei.evals``, ``tekisei.provenance``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from typing import Any


def attribute_loader(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """The module ``__getattr__`` of ``package``: a name in ``where`` is imported from the
    module it names on first use and kept on the package; any other name is an
    AttributeError."""

    def load(name: str) -> Any:
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(where[name]), name)
        setattr(sys.modules[package], name, value)
        return value

    return load
