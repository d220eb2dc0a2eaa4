"""``python -m tekisei``."""

from tekisei.cli.app import main

main()
