"""Expected problems, printed for people as one line each, never as a traceback, and the
command line's exit codes.

Each class carries the exit code the command line returns for it, so cron jobs
and scripts can tell a bad config from an unreachable feed.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `digest` returns: the README's "Exit codes and messages" table, code for code."""

    OK = 0  # everything went well (an empty week is not an error)
    FOUND_PROBLEMS = 1  # built, but a source failed or a check found an error; no explain match
    USAGE = 2  # bad command line (also: serve cannot listen, init finds a digest.toml, …)
    INVALID_INPUT = 3  # digest.toml or an entry file is invalid: nothing was built
    TEMPLATE = 4  # a template is missing or broken
    CANNOT_WRITE = 5  # out/ or the archive cannot be written: out/ is left as it was
    BUSY = 6  # another build or fetch of the same publication is running
    SEND_FAILED = 7  # digest send failed
    NOT_APPROVED = 8  # sending refused: the issue is not approved, or changed since (digest approve)
    INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as a shell reports it (not in the README's table)


class DigestError(Exception):
    """An expected problem the user can fix; printed as one line per problem."""

    exit_code: ExitCode = ExitCode.FOUND_PROBLEMS

    def __init__(self, *problems: str) -> None:
        super().__init__("\n".join(problems))
        self.problems: tuple[str, ...] = problems


class ConfigError(DigestError):
    """digest.toml is missing, unreadable or invalid: nothing is built."""

    exit_code = ExitCode.INVALID_INPUT


class EntryError(DigestError):
    """One or more local entry files are malformed: nothing is built."""

    exit_code = ExitCode.INVALID_INPUT


class TemplateError(DigestError):
    """A template is missing or has a syntax or rendering error."""

    exit_code = ExitCode.TEMPLATE


class OutputError(DigestError):
    """out/ or the archive could not be written."""

    exit_code = ExitCode.CANNOT_WRITE


class BusyError(DigestError):
    """Another digest process holds the publication's lock."""

    exit_code = ExitCode.BUSY


class SendError(DigestError):
    """The issue to send was not found, or the SMTP server could not be reached or refused it."""

    exit_code = ExitCode.SEND_FAILED


class NotApproved(DigestError):
    """An issue goes to subscribers only as it was approved: not signed off, or a built file
    changed since (digest/approval.py)."""

    exit_code = ExitCode.NOT_APPROVED


class PublishError(DigestError):
    """`digest publish`: the email service could not be reached, refused a request, or its
    checklist stops a send. `status` is the service's HTTP status, when it answered one."""

    exit_code = ExitCode.SEND_FAILED
    status: int | None = None


class AlreadySent(DigestError):
    """`digest publish`: the issue's campaign went out already; it is never sent again."""

    exit_code = ExitCode.FOUND_PROBLEMS


class AddressError(DigestError):
    """`digest serve` cannot listen where it was told (port in use, no permission): a command-line problem."""

    exit_code = ExitCode.USAGE


class UsageError(DigestError):
    """The command line asks for something that cannot be done (a file already there, an unknown section)."""

    exit_code = ExitCode.USAGE
