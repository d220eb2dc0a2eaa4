"""Write src/tekisei/catalogs/passwords/common-passwords.txt from zxcvbn's frequency list.

zxcvbn (MIT License) is needed only to run this script, never at run time:

    pip download --no-deps zxcvbn==4.5.0 -d /tmp/zx && cd /tmp/zx && unzip -o zxcvbn-*.whl
    PYTHONPATH=/tmp/zx python tools/common_passwords.py
"""

from __future__ import annotations

from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-not-found]

TARGET = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "tekisei"
    / "catalogs"
    / "passwords"
    / "common-passwords.txt"
)
HEADER = """\
# Common passwords that tekisei refuses (one a line, lower case, most common first).
# Source: the "passwords" frequency list of zxcvbn 4.5.0 (https://pypi.org/project/zxcvbn/,
# zxcvbn/frequency_lists.py), MIT License, Copyright (c) 2016 Daniel Wolf, itself from
# Dropbox's zxcvbn (MIT License, Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.).
# The full licence text is in LICENSE-zxcvbn.txt beside this file. Regenerate with
# tools/common_passwords.py.
"""


def main() -> None:
    """Write the list, lower-cased and without duplicates, in zxcvbn's order."""
    seen: dict[str, None] = {}
    for word in FREQUENCY_LISTS["passwords"]:
        seen.setdefault(word.lower(), None)
    TARGET.write_text(HEADER + "\n".join(seen) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
