"""One error tree for the whole bot, translated to friendly text at the edges.

::

    BotError                    anything the bot reports on purpose
    ├── UserInputError          the command text is wrong (usage + did-you-mean)
    ├── NotFound                a domain, node or hold that does not exist
    ├── ConfigError             settings are missing or malformed (names the variable)
    ├── GuardRefused            the guard refuses a request (malformed or unbounded)
    ├── StorageError            the bot's own database failed (a change then does not run)
    └── UpstreamError           KumoMTA / tsa-daemon / DNS answered badly or not at all
        ├── UpstreamUnavailable connection refused, timeout, DNS failure
        └── PermissionDenied    401/403 from kumod: names the ACL rule that is missing

Adapters turn library exceptions (httpx, dnspython, ...) into these; the Slack
error handler and the terminal turn them into a message.  Anything else is a bug:
it gets a correlation id that is logged and shown.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the bot raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UserInputError(BotError):
    """The command text cannot be understood; ``hint`` carries usage or a suggestion."""


class NotFound(BotError):
    """Something named in the command does not exist."""


class ConfigError(BotError):
    """A setting is missing or malformed; the message names the variable."""


class GuardRefused(BotError):
    """The guard refuses: the request is malformed or unbounded."""


class StorageError(BotError):
    """The bot's own database could not be read or written."""


class UpstreamError(BotError):
    """KumoMTA, tsa-daemon or DNS answered with an error."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        node: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.node = node
        self.status = status


class UpstreamUnavailable(UpstreamError):
    """The upstream could not be reached in time (refused, timeout, reset)."""


class PermissionDenied(UpstreamError):
    """kumod refused the credentials; the hint names the ACL entry to add."""
