"""Content provenance: watermarks and C2PA credentials (usable as a library on its own).

Nothing is exported yet; the engine arrives with its own issue.
"""

__all__: list[str] = []
