"""Authentication and ACLs of a simulated HTTP listener (REFERENCE §7).

Without a `SimAuth` every request comes from a trusted host, which is how the
bot usually reaches kumod. With one, loopback is no longer trusted (unless
`trust_loopback`), so tests can exercise Basic and Bearer credentials and
the ACL system of 2026.03.04: an unknown password is 401
`HttpBasicAuth Authentication Failed for <user>`, and a request the ACL does
not grant is 401 `<authinfo> not permitted <METHOD> on <resource>`, where the
resource is `http_listener/<listen addr>/<path>` as kumod names it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass, field

OPEN_PATHS = ("/api/check-liveness", "/rapidoc", "/api-docs/openapi.json", "/tsa/status")
READ_PATHS = ("/metrics", "/metrics.json", "/api/machine-info")
TSA_PATHS = ("/get_config_v1", "/get_suspension_v1", "/get_bounce_v1", "/subscribe_event_v1",
             "/subscribe_suspension_v1", "/publish_log_v1")


@dataclass(frozen=True)
class SimAuth:
    """Credentials and grants for the park's listeners.

    `basic` maps user to password, `bearer` maps token to identity. Grants by
    identity: `readers` may GET metrics and machine info; `admin_readers` may
    also GET the admin API (lists, inspection); `admin_writers` may also POST
    and DELETE on it and use the tsa-daemon's endpoints.
    """

    basic: Mapping[str, str] = field(default_factory=dict)
    bearer: Mapping[str, str] = field(default_factory=dict)
    readers: frozenset[str] = frozenset()
    admin_readers: frozenset[str] = frozenset()
    admin_writers: frozenset[str] = frozenset()
    trust_loopback: bool = False

    def check(self, method: str, path: str, header: str | None, peer_ip: str,
              local_addr: str) -> tuple[int, str] | None:
        """None when the request may proceed, else (status, body) of the refusal."""
        identity: str | None = None
        if header is not None:
            scheme, _, value = header.partition(" ")
            if scheme == "Basic":
                try:
                    user, _, password = base64.b64decode(value, validate=True).decode().partition(
                        ":")
                except (binascii.Error, UnicodeDecodeError):
                    return 400, "Malformed or unsupported Authorization header"
                if self.basic.get(user) != password:
                    return 401, f"HttpBasicAuth Authentication Failed for {user}"
                identity = user
            elif scheme == "Bearer" and value:
                identity = self.bearer.get(value)
                if identity is None:
                    return 401, "BearerToken Authentication Failed for Bearer"
            else:
                return 400, "Malformed or unsupported Authorization header"
        trusted = self.trust_loopback and peer_ip in ("127.0.0.1", "::1")
        if trusted or self._granted(method, path, identity):
            return None
        who = f"id=[{identity}]" if identity else "<Unauthenticated>"
        resource = f"http_listener/{local_addr}/{path.lstrip('/')}"
        return 401, f"{who}@ ip={peer_ip} not permitted {method} on {resource}"

    def _granted(self, method: str, path: str, identity: str | None) -> bool:
        if path.startswith(OPEN_PATHS):
            return True
        if identity is None:
            return False
        writer = identity in self.admin_writers
        admin_reader = writer or identity in self.admin_readers
        if path.startswith("/api/admin"):
            return writer or (admin_reader and method == "GET")
        if path in READ_PATHS:
            return admin_reader or identity in self.readers
        if path.startswith(TSA_PATHS):
            return writer
        return path.startswith(("/api/inject", "/api/xfer"))
