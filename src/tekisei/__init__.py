"""tekisei: put Japan's AI appropriateness guideline into practice."""

__version__ = "0.1.0"
"""The one place the version is written (pyproject.toml reads it from here), so that
``tekisei --version`` needs no package metadata scan."""

__all__ = ["__version__"]
