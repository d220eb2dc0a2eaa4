"""The one error hierarchy. Messages say what went wrong and what to do next."""

from __future__ import annotations

from dataclasses import dataclass


class TekiseiError(Exception):
    """Base of every error tekisei raises on purpose.

    ``message`` is English; ``ja`` is the same message in Japanese, when written.
    """

    def __init__(self, message: str, *, ja: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.message_ja = ja

    def localized(self, lang: str) -> str:
        """The message in ``lang`` ("ja" or "en"), English when no translation exists."""
        if lang == "ja" and self.message_ja:
            return self.message_ja
        return self.message


class ConfigError(TekiseiError):
    """A setting is missing or invalid."""


class NotFoundError(TekiseiError):
    """The thing asked for does not exist."""


class InvalidInputError(TekiseiError):
    """The caller's input cannot be used as given; ``field``, when set, names the input at
    fault (so that a form can show the message next to it)."""

    def __init__(self, message: str, *, ja: str | None = None, field: str | None = None) -> None:
        super().__init__(message, ja=ja)
        self.field = field


class AuthenticationError(TekiseiError):
    """The caller is not signed in, or the credentials are wrong, expired or revoked."""


class PermissionDeniedError(TekiseiError):
    """The caller's role does not allow this."""


class SecondFactorRequiredError(AuthenticationError):
    """The password was right, but the session still waits for the second factor
    (``enrol``: the account must first set one up, as its organisation requires)."""

    def __init__(self, message: str, *, ja: str | None = None, enrol: bool = False) -> None:
        super().__init__(message, ja=ja)
        self.enrol = enrol


class PasswordChangeRequiredError(PermissionDeniedError):
    """The account's password was chosen by someone else; its owner must choose a new one
    before doing anything else."""


class ConflictError(TekiseiError):
    """The change was based on an outdated version, or would duplicate something."""


class ThrottledError(TekiseiError):
    """Too many attempts; try again later. ``retry_after``: the seconds to wait, for the
    HTTP ``Retry-After`` header."""

    def __init__(self, message: str, *, ja: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message, ja=ja)
        self.retry_after = max(1, retry_after)


class DatabaseError(TekiseiError):
    """The database cannot be reached or is not at the expected schema."""


class IntegrityError(TekiseiError):
    """Stored data failed an integrity check: an audit chain that does not verify, a
    backup archive that was changed, truncated or opened with the wrong passphrase."""


@dataclass(frozen=True)
class Problem:
    """One problem in a file, with its position (1-based; 0 when unknown)."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class CatalogFileError(InvalidInputError):
    """A catalog or crosswalk file is invalid; ``problems`` lists every problem."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} found:\n{lines}")


class FileLimitError(InvalidInputError):
    """A given or uploaded file is over a limit tekisei reads within (size, inflated
    size, members, YAML alias expansion); the message names the file and the limit."""


class StorageError(TekiseiError):
    """The server cannot write its data: the disk is full, or a folder or the database is
    read-only. ``what`` is the store (database, evidence files, run logs, data folder),
    ``where`` its location and ``reason`` the system's own words, for the operator's log;
    the message itself is for users and names neither."""

    def __init__(
        self, message: str, *, ja: str, what: str, where: str, problem: str, reason: str
    ) -> None:
        super().__init__(message, ja=ja)
        self.what = what
        self.where = where
        self.problem = problem
        self.reason = reason
