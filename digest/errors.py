"""Expected problems, printed for people as one line each, never as a traceback.

Each class carries the exit code the command line returns for it, so cron jobs
and scripts can tell a bad config from an unreachable feed.
"""

from __future__ import annotations


class DigestError(Exception):
    """An expected problem the user can fix; printed as one line per problem."""

    exit_code = 1

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = problems


class ConfigError(DigestError):
    """digest.toml is missing, unreadable or invalid: nothing is built."""

    exit_code = 3


class EntryError(DigestError):
    """One or more local entry files are malformed: nothing is built."""

    exit_code = 3


class TemplateError(DigestError):
    """A template is missing or has a syntax or rendering error."""

    exit_code = 4


class OutputError(DigestError):
    """out/ or the archive could not be written."""

    exit_code = 5


class BusyError(DigestError):
    """Another digest process holds the publication's lock."""

    exit_code = 6


class SendError(DigestError):
    """The issue to send was not found, or the SMTP server could not be reached or refused it."""

    exit_code = 7


class AddressError(DigestError):
    """`digest serve` cannot listen where it was told (port in use, no permission): a command-line problem."""

    exit_code = 2


class UsageError(DigestError):
    """The command line asks for something that cannot be done (a file already there, an unknown section)."""

    exit_code = 2
