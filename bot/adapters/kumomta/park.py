"""``HttpPark``: the ``Park`` port, asking every kumod node (or tsa-daemon) at once.

Each node gets the same question concurrently, at most ``concurrency`` at a time,
each within its own deadline; a node that fails is named in ``failures`` with why,
and never hides what the others said.

``ask`` is called from worker threads.  The park owns one event loop, on a
daemon thread of its own, and every ``ask`` runs there: an ``httpx.AsyncClient``
belongs to the loop it was made in, so keeping one loop lets each node keep its
client and its keep-alive connections from one question to the next (a hundred
nodes x five reads would otherwise open five hundred connections per question).
Code already inside another loop uses ``ask_async`` / ``ask_tsa_async``, which
then make short-lived clients of their own.  After a fork (gunicorn) the child
starts a loop of its own.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Future
from typing import TypeVar

import httpx
import sniffio

from bot.adapters.kumomta.credentials import Credentials
from bot.adapters.kumomta.gather import gather_all
from bot.adapters.kumomta.netbackend import asyncio_transport
from bot.adapters.kumomta.reader import KumoHttpReader
from bot.adapters.kumomta.tsa import KumoTsaReader
from bot.adapters.kumomta.wire import (
    BadAnswer,
    RetryPolicy,
    UpstreamTimeout,
    endpoint_url,
)
from bot.core.errors import (
    ConfigError,
    NotFound,
    PermissionDenied,
    UpstreamError,
    UpstreamUnavailable,
)
from bot.core.models import NodeFailure, ParkAnswer
from bot.ports import MtaReader, TsaReader

T = TypeVar("T")
R = TypeVar("R")


class HttpPark:
    """Every configured kumod node and tsa-daemon, asked over HTTP."""

    def __init__(
        self,
        nodes: Mapping[str, str],
        tsas: Mapping[str, tuple[str, Sequence[str]]] | None = None,
        *,
        credentials: Credentials | None = None,
        concurrency: int = 128,
        timeout: float = 5.0,
        retries: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``nodes``: name -> URL; ``tsas``: name -> (URL, nodes it serves, empty = all).

        ``timeout`` is each node's whole budget for one question, retries included.
        ``transport`` replaces httpx's network transport (tests, instrumentation).
        """
        if concurrency < 1:
            raise ConfigError(f"park concurrency must be at least 1, not {concurrency}")
        if timeout <= 0:
            raise ConfigError(f"park timeout must be positive, not {timeout}")
        if retries < 0:
            raise ConfigError(f"park retries must be 0 or more, not {retries}")
        self._nodes = dict(nodes)
        self._tsas = {name: (url, list(served)) for name, (url, served) in (tsas or {}).items()}
        # Fail at start-up, not on the first question, when a URL is unusable.
        for name, url in [*self._nodes.items(), *((t, u) for t, (u, _) in self._tsas.items())]:
            endpoint_url(name, url)
        for tsa, (_, served) in self._tsas.items():
            unknown = [node for node in served if node not in self._nodes]
            if unknown:
                raise ConfigError(
                    f"tsa-daemon {tsa!r} serves unknown node(s) {', '.join(unknown)}; "
                    f"known nodes: {', '.join(self._nodes) or 'none'}"
                )
        self._credentials = credentials
        self._concurrency = concurrency
        self._timeout = timeout
        self._retry = RetryPolicy(retries=retries)
        self._transport = transport
        # httpx's own defaults (certifi, SSL_CERT_FILE/SSL_CERT_DIR honoured), built once.
        self._tls = httpx.create_ssl_context()
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_pid = 0
        self._clients: dict[str, httpx.AsyncClient] = {}

    @property
    def node_names(self) -> list[str]:
        """The configured kumod nodes, in settings order."""
        return list(self._nodes)

    @property
    def tsa_names(self) -> list[str]:
        """The configured tsa-daemons."""
        return list(self._tsas)

    def tsa_serves(self, tsa_name: str) -> list[str]:
        """The kumod nodes one tsa-daemon serves (all of them unless settings say which)."""
        if tsa_name not in self._tsas:
            raise NotFound(
                f"no tsa-daemon named {tsa_name!r}; known: {', '.join(self._tsas) or 'none'}"
            )
        served = self._tsas[tsa_name][1]
        return list(served) if served else self.node_names

    def ask(
        self,
        question: Callable[[MtaReader], Awaitable[T]],
        *,
        nodes: Sequence[str] | None = None,
    ) -> ParkAnswer[T]:
        """Ask every node (or ``nodes``) the same question and merge what they said."""
        self._targets(nodes)  # unknown names fail here, in the caller's thread
        return self._run(self.ask_async(question, nodes=nodes))

    def ask_tsa(self, question: Callable[[TsaReader], Awaitable[T]]) -> ParkAnswer[T]:
        """Ask every tsa-daemon the same question."""
        return self._run(self.ask_tsa_async(question))

    def close(self) -> None:
        """Close every kept connection and stop the park's loop."""
        with self._lock:
            loop, self._loop = self._loop, None
        if loop is None or self._loop_pid != os.getpid():
            return
        clients, self._clients = list(self._clients.values()), {}

        async def close_all() -> None:
            for client in clients:
                await client.aclose()

        asyncio.run_coroutine_threadsafe(close_all(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)

    def _run(self, coro: Awaitable[T]) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._park_loop())  # type: ignore[arg-type]
        return future.result()

    def _park_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._loop_pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=_run_loop, args=(loop,), name="kumo-park-loop", daemon=True
                ).start()
                self._loop, self._loop_pid, self._clients = loop, os.getpid(), {}
            return self._loop

    async def ask_async(
        self,
        question: Callable[[MtaReader], Awaitable[T]],
        *,
        nodes: Sequence[str] | None = None,
    ) -> ParkAnswer[T]:
        """``ask`` for callers already inside an event loop."""
        targets = self._targets(nodes)

        def reader(name: str, client: httpx.AsyncClient, deadline: float) -> MtaReader:
            return KumoHttpReader(
                name, self._nodes[name], client,
                credentials=self._credentials, retry=self._retry, deadline=deadline,
            )

        return await self._fan_out(targets, reader, question)

    async def ask_tsa_async(
        self, question: Callable[[TsaReader], Awaitable[T]]
    ) -> ParkAnswer[T]:
        """``ask_tsa`` for callers already inside an event loop."""

        def reader(name: str, client: httpx.AsyncClient, deadline: float) -> TsaReader:
            return KumoTsaReader(
                name, self._tsas[name][0], client,
                credentials=self._credentials, retry=self._retry, deadline=deadline,
            )

        return await self._fan_out(list(self._tsas), reader, question)

    def _targets(self, nodes: Sequence[str] | None) -> list[str]:
        if nodes is None:
            return self.node_names
        unknown = [node for node in nodes if node not in self._nodes]
        if unknown:
            raise NotFound(
                f"unknown node(s): {', '.join(unknown)}; "
                f"known nodes: {', '.join(self._nodes) or 'none'}"
            )
        return list(dict.fromkeys(nodes))  # each node once, in the order asked

    def _kept_client(self, name: str) -> tuple[httpx.AsyncClient, bool]:
        """The node's kept client on the park's loop; elsewhere a fresh one to close."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - always called inside a loop
            running = None
        if running is None or running is not self._loop:
            return self._client(), True
        client = self._clients.get(name)
        if client is None or client.is_closed:
            client = self._clients[name] = self._client()
        return client, False

    def _client(self) -> httpx.AsyncClient:
        # One small pool per node: httpcore scans every pooled connection for
        # every queued request, so one pool shared by a hundred nodes turns
        # quadratic; a pool per node stays a handful of connections.
        # The TLS context is built once: loading the CA bundle costs ~30 ms.
        # Shared by every question in flight (the worker pool asks several at once).
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=16)
        transport = self._transport
        if transport is None and not _environment_proxies():
            transport = asyncio_transport(verify=self._tls, limits=limits)
        return httpx.AsyncClient(
            timeout=httpx.Timeout(self._timeout),
            limits=limits,
            transport=transport,
            verify=self._tls,
        )

    async def _fan_out(
        self,
        names: list[str],
        make_reader: Callable[[str, httpx.AsyncClient, float], R],
        question: Callable[[R], Awaitable[T]],
    ) -> ParkAnswer[T]:
        slots = asyncio.Semaphore(self._concurrency)

        async def one(name: str) -> T | NodeFailure:
            async with slots:
                client, owned = self._kept_client(name)
                # The deadline starts when the node's turn comes, not while it
                # waits for a slot: queueing is not the node's fault.
                deadline = time.monotonic() + self._timeout
                reader = make_reader(name, client, deadline)
                try:
                    return await asyncio.wait_for(question(reader), self._timeout)
                except TimeoutError:
                    return NodeFailure(
                        node=name, kind="timeout",
                        detail=f"{name}: no answer within {self._timeout:g}s",
                    )
                except UpstreamError as exc:
                    return _failure(name, exc)
                finally:
                    if owned:
                        await client.aclose()

        outcomes = await gather_all(one(name) for name in names)
        results: dict[str, T] = {}
        failures: list[NodeFailure] = []
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, NodeFailure):
                failures.append(outcome)
            else:
                results[name] = outcome
        return ParkAnswer(results=results, failures=failures, asked=names)


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    """The park's loop thread.  It runs asyncio and nothing else, so it says so to
    sniffio once (as event loops do): httpcore and anyio ask which async library is
    running several times per request, and the answer is then a thread-local read."""
    sniffio.thread_local.name = "asyncio"
    loop.run_forever()


def _environment_proxies() -> bool:
    """Whether HTTP(S)_PROXY / ALL_PROXY are set: httpx's default transport honours them,
    so then the park keeps it (its own transport would bypass them)."""
    return any(k in ("http", "https", "all") for k in urllib.request.getproxies())


def _failure(name: str, exc: UpstreamError) -> NodeFailure:
    """Name what went wrong on one node in the park's vocabulary."""
    kind = "http"
    if isinstance(exc, PermissionDenied):
        kind = "denied"
    elif isinstance(exc, UpstreamTimeout):
        kind = "timeout"
    elif isinstance(exc, UpstreamUnavailable):
        kind = "down"
    elif isinstance(exc, BadAnswer):
        kind = "bad-answer"
    return NodeFailure(node=name, kind=kind, detail=str(exc), status=exc.status)
