"""How the bot proves who it is to kumod and tsa-daemon (REFERENCE 7.1, 7.3).

No credentials (the bot runs on a trusted host), Basic, or Bearer.  Secrets never
show in a ``repr``, and ``scrub`` removes them from any text that leaves the adapter.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from bot.adapters.kumomta.acl import Identity


@dataclass(frozen=True)
class BasicAuth:
    """``Authorization: Basic``: checked by kumod's ``http_server_validate_auth_basic``."""

    user: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class BearerToken:
    """``Authorization: Bearer``: checked by ``http_server_validate_auth_bearer``."""

    token: str = field(repr=False)


Credentials = BasicAuth | BearerToken


def auth_header(credentials: Credentials | None) -> dict[str, str]:
    """The ``Authorization`` header for ``credentials`` (none without them)."""
    if isinstance(credentials, BasicAuth):
        raw = f"{credentials.user}:{credentials.password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
    if isinstance(credentials, BearerToken):
        return {"Authorization": f"Bearer {credentials.token}"}
    return {}


def identity_of(credentials: Credentials | None) -> Identity:
    """Who we present ourselves as, for permission hints."""
    if isinstance(credentials, BasicAuth):
        return Identity("basic", credentials.user)
    if isinstance(credentials, BearerToken):
        return Identity("bearer")
    return Identity("none")


def secrets_of(credentials: Credentials | None) -> tuple[str, ...]:
    """Every string that must never be shown: the password or token, and its encoding."""
    if isinstance(credentials, BasicAuth):
        encoded = auth_header(credentials)["Authorization"].removeprefix("Basic ")
        return tuple(s for s in (credentials.password, encoded) if s)
    if isinstance(credentials, BearerToken):
        return (credentials.token,) if credentials.token else ()
    return ()


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Belt and braces: no secret ever leaves in a message, even if a server echoes it."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
