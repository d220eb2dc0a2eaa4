"""Evaluation and red-teaming engine (usable as a library on its own).

Nothing is exported yet; the engine arrives with its own issue.
"""

__all__: list[str] = []
