"""What to tell the operator when kumod says 401/403 (REFERENCE 7.1, 7.2).

Since 2026.03.04 kumod checks an ACL keyed by resource (``http_listener/*/api/admin``
...); basic auth alone grants nothing until the operator adds a rule for the bot's
identity.  Older servers only know trusted hosts and "any valid credential".  The
hint names the rule that is missing and gives the TOML to paste.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The default ACL entries the bot's reads fall under (assets/acls/default.toml):
# path prefix -> the privileges the trusted-host group holds there by default.
# An operator's entry *replaces* the default for that resource, so the snippet we
# print keeps the trusted-host rule with these privileges.
_DEFAULT_RESOURCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/api/admin", ("GET", "DELETE", "POST")),
    ("/api/machine-info", ("GET",)),
    ("/metrics.json", ("GET",)),
    ("/metrics", ("GET",)),
    ("/get_config_v1", ("GET",)),
    ("/get_suspension_v1", ("GET",)),
    ("/get_bounce_v1", ("GET",)),
    ("/subscribe_event_v1", ("GET",)),
)
_TRUSTED_GROUP = "kumomta:http-listener-trusted-ip"
_DENIAL = re.compile(r"\b(?P<verdict>denied|not permitted) (?P<method>[A-Z]+) on (?P<resource>\S+)")


@dataclass(frozen=True)
class Identity:
    """Who the bot says it is to kumod: how (``basic``/``bearer``/``none``) and the user name."""

    scheme: str
    user: str | None = None


def acl_resource(path: str) -> tuple[str, tuple[str, ...]]:
    """The ACL resource that governs ``path`` and its default trusted-host privileges."""
    for prefix, privileges in _DEFAULT_RESOURCES:
        if path == prefix or path.startswith(prefix + "/"):
            return f"http_listener/*{prefix}", privileges
    first = path.strip("/").split("/", 1)[0]
    return f"http_listener/*/{first}", ("GET",)


def permission_hint(*, path: str, body: str, identity: Identity, method: str = "GET") -> str:
    """Explain a 401/403 from ``path``: which rule is missing and the TOML to add."""
    if "not a trusted host" in body:
        # Servers before 2026.03.04: no ACL, any valid credential opens everything.
        return (
            "This server predates kumod's ACLs (before 2026.03.04): run the bot from a "
            "host listed in the listener's trusted_hosts, or send credentials "
            "(KUMO_READ_USER + KUMO_READ_PASSWORD, KUMO_READ_TOKEN, or user:pass@ in the "
            "node URL)."
        )
    if "Authentication Failed" in body or "Invalid Authorization" in body:
        who = f" for {identity.user!r}" if identity.user else ""
        return (
            f"kumod rejected the credentials{who}: http_server_validate_auth_"
            f"{'bearer' if identity.scheme == 'bearer' else 'basic'} returned false. "
            "Check the configured password or token."
        )
    resource, trusted_privileges = acl_resource(path)
    lead = _lead(identity, resource, method)
    denial = _DENIAL.search(body)
    if denial is not None and denial.group("verdict") == "denied":
        lead += (
            f" An explicit deny rule matches this identity on {denial.group('resource')}: "
            "remove it."
        )
    lead += " Add to the ACL file loaded with kumo.aaa.load_acl_map:"
    return f"{lead}\n\n{acl_snippet(resource, identity, (method,), trusted_privileges)}"


def acl_snippet(
    resource: str,
    identity: Identity,
    privileges: tuple[str, ...],
    trusted_privileges: tuple[str, ...],
) -> str:
    """Ready-to-paste TOML for ``kumo.aaa.load_acl_map``: the bot's rule and the trusted one."""
    quoted = ", ".join(f'"{p}"' for p in privileges)
    trusted = ", ".join(f'"{p}"' for p in trusted_privileges)
    return (
        f'[[acl."{resource}"]]\n'
        "allow = true\n"
        f"privileges = [{quoted}]\n"
        f'identity.Individual = "{_identity_name(identity)}"\n'
        "\n"
        "# entries replace the default for the resource: keep the trusted-host rule\n"
        f'[[acl."{resource}"]]\n'
        "allow = true\n"
        f"privileges = [{trusted}]\n"
        f'identity.Group = "{_TRUSTED_GROUP}"'
    )


def _lead(identity: Identity, resource: str, method: str) -> str:
    if identity.scheme == "none":
        return (
            f"The bot sent no credentials and its address is not a trusted host, so it "
            f"may not {method} {resource}. Add the bot's address to the listener's "
            f"trusted_hosts, or configure KUMO_READ_USER/KUMO_READ_PASSWORD (or "
            f"KUMO_READ_TOKEN) and give that user the rule below."
        )
    return (
        f"The identity {_identity_name(identity)!r} may not {method} {resource} (the bot "
        f"also reads http_listener/*/metrics and http_listener/*/api/machine-info with GET)."
    )


def _identity_name(identity: Identity) -> str:
    if identity.scheme == "basic" and identity.user:
        return identity.user
    if identity.scheme == "bearer":
        return "<identity your http_server_validate_auth_bearer returns>"
    return "<bot user>"
