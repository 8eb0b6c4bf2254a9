"""``KumoHttpWriter``: the ``MtaWriter`` port over kumod's admin API (REFERENCE 1, 7).

Writes use their own credentials (``KUMO_WRITE_*``, defaulting to the read ones) so
an operator can grant the bot least privilege.  Each write is one request to one
node, never retried: a timeout or a dropped connection is an ``unknown`` outcome
that the caller reconciles by reading the lists, because a blind retry could apply
a bounce twice.  Permission is proven by a harmless probe: cancelling the nil UUID,
whose 404 says the write reached the handler.
"""

from __future__ import annotations

import httpx
import orjson

from bot.adapters.kumomta.acl import Identity, permission_hint
from bot.adapters.kumomta.credentials import (
    BasicAuth,
    Credentials,
    auth_header,
    identity_of,
    scrub,
    secrets_of,
)
from bot.adapters.kumomta.wire import endpoint_url
from bot.core.admin_writes import NIL_UUID, PROBE, AdminWrite, NodeOutcome
from bot.core.authorization import Authorization
from bot.core.errors import GuardRefused


class KumoHttpWriter:
    """Admin writes to every kumod node of the park, one request per node per write."""

    def __init__(self, nodes: dict[str, str], *, credentials: Credentials | None = None,
                 timeout: float = 10.0, transport: httpx.BaseTransport | None = None) -> None:
        self._nodes: dict[str, tuple[httpx.URL, dict[str, str], tuple[str, ...]]] = {}
        self._identities: dict[str, Identity] = {}
        for name, url in nodes.items():
            parsed = endpoint_url(name, url)
            creds = credentials
            if parsed.username or parsed.password:  # per-node credentials win, as for reads
                creds = BasicAuth(parsed.username, parsed.password)
            base = parsed.copy_with(userinfo=b"", path="/", query=None, fragment=None)
            headers = {"Content-Type": "application/json", **auth_header(creds)}
            self._nodes[name] = (base, headers, secrets_of(creds))
            self._identities[name] = identity_of(creds)
        self._client = httpx.Client(timeout=timeout, transport=transport)

    def __repr__(self) -> str:
        return f"KumoHttpWriter({list(self._nodes)!r})"

    @property
    def node_names(self) -> list[str]:
        """The nodes this writer can reach."""
        return list(self._nodes)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    def preflight(self, node: str) -> str | None:
        """None when ``node`` answers the harmless probe with 404 (write permitted)."""
        method, path = PROBE
        try:
            response = self._send(node, method, path, {"id": NIL_UUID})
        except httpx.HTTPError as exc:
            return f"unreachable: {self._scrub(node, str(exc) or type(exc).__name__)}"
        if response.status_code in (401, 403):
            # The same ACL advice as for reads, for the write identity and method.
            hint = permission_hint(path=path, body=self._scrub(node, response.text),
                                   identity=self._identities[node], method=method)
            return f"write not permitted ({response.status_code}). {hint}"
        if response.status_code == 404 or response.is_success:
            return None
        return f"unexpected answer {response.status_code} to the write probe"

    def write(self, authorization: Authorization, node: str, request: AdminWrite) -> NodeOutcome:
        """Send ``request`` to ``node`` once; a timeout is ``unknown``, never retried."""
        if not isinstance(authorization, Authorization):
            raise GuardRefused("A write needs the guard's authorization.")
        try:
            response = self._send(node, request.method, request.path, request.body)
        except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as exc:
            return NodeOutcome(node=node, status="unknown",
                               detail=f"no answer ({type(exc).__name__}): it may or may not "
                               "have been applied")
        except httpx.HTTPError as exc:  # could not connect: nothing was sent
            return NodeOutcome(node=node, status="failed",
                               detail=self._scrub(node, str(exc) or type(exc).__name__))
        text = self._scrub(node, response.text.strip())[:300]
        if not response.is_success:
            return NodeOutcome(node=node, status="failed",
                               detail=f"kumod answered {response.status_code}: {text}")
        return NodeOutcome(node=node, status="done", uuid=_uuid(response), detail=text)

    def _send(self, node: str, method: str, path: str, body: object) -> httpx.Response:
        base, headers, _ = self._nodes[node]
        return self._client.request(method, base.join(path), content=orjson.dumps(body),
                                    headers=headers)

    def _scrub(self, node: str, text: str) -> str:
        return scrub(text, self._nodes[node][2])


def _uuid(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None
