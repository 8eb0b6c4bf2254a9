"""Speaking HTTP to kumod and tsa-daemon the way kcli does (REFERENCE 0.2, 7.3).

This is the one place that sends a request, retries it and turns what went wrong
into the bot's error tree.  Every read is a GET with ``Content-Type:
application/json`` and the JSON body ``null``; parameters travel in the query
string; URLs are the endpoint's scheme and authority joined with an absolute path.

Retries: only these idempotent GETs, only transient failures (cannot connect,
connection dropped, timeout, 502/503/504), a bounded number of attempts with
jittered exponential backoff from 50 ms, ``Retry-After`` honoured up to a cap,
and never past the caller's deadline.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

import httpx
import orjson
from pydantic import ValidationError
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    wait_exponential,
    wait_random,
)

from bot.adapters.kumomta.acl import permission_hint
from bot.adapters.kumomta.credentials import (
    BasicAuth,
    Credentials,
    auth_header,
    identity_of,
    scrub,
    secrets_of,
)
from bot.core.errors import (
    ConfigError,
    PermissionDenied,
    UpstreamError,
    UpstreamUnavailable,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
_BODY_LIMIT = 500  # characters of an error body worth showing
_URL_CACHE = 64  # joined URLs kept per endpoint (the paths are the API's, a handful)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one GET: ``retries`` after the first attempt, backoff in seconds."""

    retries: int = 2
    initial_backoff: float = 0.05
    max_backoff: float = 1.0
    retry_after_cap: float = 5.0


class UpstreamTimeout(UpstreamUnavailable):
    """No answer in time (the node may be alive but overloaded)."""


class BadAnswer(UpstreamError):
    """A 2xx answer that is not the shape REFERENCE documents."""


class _RetryableStatus(Exception):
    """A 502/503/504 worth another try; carries the response for the final error."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


_TRANSIENT = (httpx.TransportError, _RetryableStatus)


class Wire:
    """GETs to one kumod or tsa-daemon endpoint, with credentials, retries and error mapping."""

    def __init__(
        self,
        name: str,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> None:
        url = endpoint_url(name, base_url)
        self.name = name
        self._client = client
        # Credentials in the URL win over the configured ones: they are per node,
        # as kcli's --endpoint http://user:pass@host does (REFERENCE 2.0).
        if url.username or url.password:
            credentials = BasicAuth(url.username, url.password)
        self._credentials = credentials
        # Only scheme and authority are kept: an absolute /api/... path replaces any
        # prefix, and the secrets never reach httpx, its URLs or its error texts.
        self._base = url.copy_with(userinfo=b"", path="/", query=None, fragment=None)
        self.display = str(self._base).rstrip("/")
        self._retry = retry or RetryPolicy()
        # 50 ms, 100 ms, 200 ms ... plus up to 50 ms of jitter so a park's nodes
        # do not retry in lockstep.
        self._backoff = wait_exponential(
            multiplier=self._retry.initial_backoff, max=self._retry.max_backoff
        ) + wait_random(0, self._retry.initial_backoff)
        self._deadline = deadline
        self._secrets = secrets_of(credentials)
        self._headers = {"Content-Type": "application/json", **auth_header(credentials)}
        self._urls: dict[str, httpx.URL] = {}

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        accept: frozenset[int] = frozenset(),
        retry_statuses: frozenset[int] = RETRY_STATUSES,
    ) -> httpx.Response:
        """GET ``path``; return a 2xx (or ``accept``-ed) response, else raise an UpstreamError."""
        request = self._client.build_request(
            "GET", self._url(path), params=params, content=b"null", headers=self._headers
        )
        try:
            try:
                # The first attempt goes straight out: tenacity's machinery only when it fails.
                response = await self._once(request, retry_statuses)
            except _TRANSIENT as first:
                response = await self._retrying(request, retry_statuses, first)
        except _RetryableStatus as exc:
            response = exc.response
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(
                f"{self.name}: no answer to GET {path} from {self.display} in time "
                f"(timeout{_reason(exc, self._secrets)})",
                node=self.name,
            ) from exc
        except httpx.ConnectError as exc:
            raise UpstreamUnavailable(
                f"{self.name} is down: cannot connect to {self.display}"
                f"{_reason(exc, self._secrets)}",
                node=self.name,
            ) from exc
        except httpx.TransportError as exc:
            raise UpstreamUnavailable(
                f"{self.name}: connection to {self.display} failed during GET {path}"
                f"{_reason(exc, self._secrets)}",
                node=self.name,
            ) from exc
        self._check(path, response, accept)
        return response

    async def get_text(self, path: str, *, params: Mapping[str, str] | None = None) -> str:
        """GET ``path`` and return its body as text."""
        return (await self.get(path, params=params)).text

    async def get_json(self, path: str, *, params: Mapping[str, str] | None = None) -> object:
        """GET ``path`` and return its JSON body; ``BadAnswer`` if it is not JSON."""
        response = await self.get(path, params=params)
        try:
            return orjson.loads(response.content)
        except orjson.JSONDecodeError as exc:
            raise self.bad_answer(path, f"not JSON ({exc})") from exc

    def bad_answer(self, path: str, why: str) -> BadAnswer:
        """The error for a 2xx answer we cannot read."""
        return BadAnswer(
            f"{self.name}: bad answer to GET {path}: {scrub(why, self._secrets)}",
            node=self.name,
        )

    def _url(self, path: str) -> httpx.URL:
        """``path`` on this endpoint (joined once per path: URL parsing is not free)."""
        url = self._urls.get(path)
        if url is None:
            url = self._base.join(path)
            if len(self._urls) < _URL_CACHE:
                self._urls[path] = url
        return url

    async def _retrying(self, request: httpx.Request, retry_statuses: frozenset[int],
                        first: Exception) -> httpx.Response:
        """The retries after a transient first failure, under the policy, as tenacity runs
        them: its attempt 1 is the failure already seen, so stop, wait and the log count
        attempts exactly as if tenacity had made it."""
        seen = [first]

        async def attempt() -> httpx.Response:
            if seen:
                raise seen.pop()
            return await self._once(request, retry_statuses)

        retrying = AsyncRetrying(
            stop=self._stop,
            wait=self._wait,
            retry=retry_if_exception(lambda exc: isinstance(exc, _TRANSIENT)),
            before_sleep=self._log_retry,
            reraise=True,
        )
        response: httpx.Response = await retrying(attempt)
        return response

    async def _once(self, request: httpx.Request, retry_statuses: frozenset[int]) -> httpx.Response:
        response = await self._client.send(request)
        if response.status_code in retry_statuses:
            raise _RetryableStatus(response)
        return response

    def _check(self, path: str, response: httpx.Response, accept: frozenset[int]) -> None:
        status = response.status_code
        if 200 <= status < 300 or status in accept:
            return
        body = scrub(response.text.strip(), self._secrets)
        shown = body[:_BODY_LIMIT] + ("…" if len(body) > _BODY_LIMIT else "")
        message = f"{self.name}: GET {path} answered {status} {response.reason_phrase}: {shown}"
        if status in (401, 403):
            hint = permission_hint(path=path, body=body, identity=identity_of(self._credentials))
            raise PermissionDenied(message, hint=hint, node=self.name, status=status)
        raise UpstreamError(message, node=self.name, status=status)

    def _stop(self, state: RetryCallState) -> bool:
        if state.attempt_number > self._retry.retries:
            return True
        # The park's per-node deadline: give up rather than sleep past it, so the
        # caller gets the real error instead of a bare cancellation.
        return self._deadline is not None and (
            time.monotonic() + state.upcoming_sleep >= self._deadline
        )

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _RetryableStatus):
            after = _retry_after(failure.response)
            if after is not None:
                return min(after, self._retry.retry_after_cap)
        return self._backoff(state)

    def _log_retry(self, state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        log.info(
            "retrying GET on %s after %s (attempt %d, sleeping %.3fs)",
            self.name,
            scrub(repr(failure), self._secrets),
            state.attempt_number,
            state.upcoming_sleep,
        )


def endpoint_url(name: str, base_url: str) -> httpx.URL:
    """``base_url`` parsed and checked; ``ConfigError`` (naming ``name``) when unusable."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        # The text of InvalidURL may quote the URL, secrets included: leave it out.
        raise ConfigError(f"endpoint {name!r}: the URL is malformed") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigError(f"endpoint {name!r}: {_safe(url)!r} is not an http(s) URL")
    return url


def _reason(exc: Exception, secrets: tuple[str, ...]) -> str:
    text = str(exc) or type(exc).__name__
    return f": {scrub(text, secrets)}"


def _safe(url: httpx.URL) -> str:
    return str(url.copy_with(userinfo=b""))


def _retry_after(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds: a number or an HTTP date; None when absent or junk."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def validation_summary(exc: ValidationError) -> str:
    """One readable line out of pydantic's report: the first bad field and what is wrong."""
    errors = exc.errors(include_url=False, include_input=False)
    if not errors:
        return str(exc)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "(root)"
    more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"
