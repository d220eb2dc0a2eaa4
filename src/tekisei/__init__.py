"""tekisei: put Japan's AI appropriateness guideline into practice."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tekisei")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
