"""Helpers: load a fake server with recorded answers; ask one reader a question."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from bot.adapters.kumomta import KumoHttpReader, KumoTsaReader

from . import recorded
from .fakehttp import FakeServer, Reply, json_reply

T = TypeVar("T")


def load_kumod(server: FakeServer) -> FakeServer:
    """Every read of the MtaReader port, answered as REFERENCE records it."""
    server.route("/api/check-liveness/v1", Reply(200, "OK"))
    server.route("/api/machine-info", json_reply(recorded.MACHINE_INFO))
    server.route("/metrics", Reply(200, recorded.SAMPLE_METRICS, "text/plain; version=0.0.4"))
    server.route("/api/admin/bounce/v1", json_reply(recorded.BOUNCES))
    server.route("/api/admin/suspend/v1", json_reply(recorded.SUSPENSIONS))
    server.route("/api/admin/suspend-ready-q/v1", json_reply(recorded.READY_Q_SUSPENSIONS))
    server.route("/api/admin/ready-q-states/v1", json_reply(recorded.READY_Q_STATES))
    server.route(
        "/api-docs/openapi.json", Reply(200, recorded.KUMOD_OPENAPI, "application/json")
    )
    return server


def load_tsa(server: FakeServer) -> FakeServer:
    """tsa-daemon's read endpoints (REFERENCE 5.2)."""
    server.route("/tsa/status", Reply(200, "TSA Daemon OK"))
    server.route("/get_suspension_v1/suspended.json", json_reply(recorded.TSA_SUSPENDED))
    server.route("/get_bounce_v1/bounced.json", json_reply(recorded.TSA_BOUNCED))
    server.route("/get_config_v1/shaping.toml", Reply(200, recorded.TSA_SHAPING))
    return server


def ask_node(url: str, question: Callable[[KumoHttpReader], Awaitable[T]], *,
             timeout: float = 5.0, **reader_kw: Any) -> T:
    """Run one question against one node with a fresh client and event loop."""

    async def main() -> T:
        async with httpx.AsyncClient(timeout=timeout) as client:
            return await question(KumoHttpReader("mta1", url, client, **reader_kw))

    return asyncio.run(main())


def ask_tsa(url: str, question: Callable[[KumoTsaReader], Awaitable[T]], **reader_kw: Any) -> T:
    """Run one question against one tsa-daemon."""

    async def main() -> T:
        async with httpx.AsyncClient(timeout=5.0) as client:
            return await question(KumoTsaReader("tsa1", url, client, **reader_kw))

    return asyncio.run(main())
