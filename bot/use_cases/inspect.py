"""``health`` and ``doctor``: is each node taking mail, and can the bot do its job?"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.core.answers import DoctorAnswer, DoctorCheck, HealthAnswer, NodeDoctor
from bot.core.commands import Doctor, Health
from bot.core.errors import BotError, PermissionDenied
from bot.core.health import HEALTH_METRICS, NodeHealth, assess_node
from bot.core.models import MachineInfo
from bot.ports import MtaReader, MtaWriter, TsaReader

if TYPE_CHECKING:
    from bot.services import Services

# What the bot reads, and the kumod version that first served it (REFERENCE 1.0, 2.1).
NEEDED_PATHS = {
    "/api/admin/ready-q-states/v1": "the path status column of `queue` (kumod 2025.01.23+)",
    "/api/admin/inspect-sched-q/v1": "message samples for `who` (kumod 2025.01.29+)",
    "/api/admin/xfer/v1": "`xfer` (kumod 2025.12.02+)",
}
CLOCK_SKEW_LIMIT = 30  # seconds; the HTTP Date header has one-second resolution
LOG_STALE_AFTER = 15 * 60  # seconds without a new segment byte before we call a log dir stale


def node_health(svc: Services, cmd: Health, base: dict[str, Any]) -> HealthAnswer:
    """Liveness, memory headroom, disk and spool for every node (or one)."""

    async def ask(reader: MtaReader) -> NodeHealth:
        live = await reader.liveness()
        try:
            samples = await reader.metrics(HEALTH_METRICS)
        except PermissionDenied as exc:
            health = assess_node(reader.name, live, [])
            return health.model_copy(update={"notes": [*health.notes, exc.message]})
        return assess_node(reader.name, live, samples)

    answer = svc.park.ask(ask, nodes=[cmd.node] if cmd.node else None)
    nodes = [answer.results[n] for n in answer.asked if n in answer.results]
    return HealthAnswer(nodes=nodes, asked=answer.asked, failures=answer.failures, **base)


async def _check(name: str, coro: Any, ok_detail: str) -> tuple[DoctorCheck, Any]:
    try:
        value = await coro
    except BotError as exc:
        return DoctorCheck(name=name, ok=False, detail=exc.message, fix=exc.hint), None
    return DoctorCheck(name=name, ok=True, detail=ok_detail), value


def _skew_check(server_time: datetime | None, now: datetime) -> DoctorCheck:
    if server_time is None:
        return DoctorCheck(name="clock skew", ok=None, detail="the node sent no Date header")
    skew = (server_time - now).total_seconds()
    ok = abs(skew) <= CLOCK_SKEW_LIMIT
    return DoctorCheck(
        name="clock skew",
        ok=ok,
        detail=(
            "in step with the bot's (within the Date header's 1 s resolution)"
            if abs(skew) < 2
            else f"node clock {'ahead of' if skew >= 0 else 'behind'} the bot's by {abs(skew):.0f}s"
        ),
        fix=None if ok else "sync both clocks (NTP): time left and log ages are off by this much",
    )


async def _doctor_node(reader: MtaReader, now: datetime) -> NodeDoctor:
    checks: list[DoctorCheck] = []
    live = await reader.liveness()
    checks.append(DoctorCheck(name="reachable", ok=True, detail=f"liveness answered {live.status}"))
    checks.append(_skew_check(live.server_time, now))
    checks.append(
        DoctorCheck(
            name="accepting mail",
            ok=live.ok,
            detail="OK" if live.ok else f"refusing: {live.text.strip()}",
            fix=None if live.ok else "run `/kumo health` for memory, disk and spool",
        )
    )
    results = await asyncio.gather(
        _check("read machine-info", reader.machine_info(), "permitted"),
        _check("read metrics", reader.metrics(frozenset({"memory_usage"})), "permitted"),
        _check("read admin lists", reader.bounces(), "permitted"),
        _check("api docs", reader.api_paths(), "listed"),
    )
    info: MachineInfo | None = results[0][1]
    paths: set[str] | None = results[3][1]
    checks.extend(check for check, _ in results[:3])
    if info is not None:
        checks.append(
            DoctorCheck(
                name="version",
                ok=True,
                detail=f"{info.process_kind} {info.version} on {info.hostname}",
            )
        )
    if paths is not None:
        for path, need in NEEDED_PATHS.items():
            present = path in paths
            checks.append(
                DoctorCheck(
                    name=f"supports {path}",
                    ok=present,
                    detail="yes" if present else f"missing: {need} is unavailable on this node",
                )
            )
    return NodeDoctor(node=reader.name, info=info, checks=checks)


def _log_dir_checks(node: str, dirs: tuple[str, ...], now: float) -> list[DoctorCheck]:
    checks = []
    for d in dirs:
        path = Path(d)
        if not path.is_dir() or not os.access(path, os.R_OK | os.X_OK):
            checks.append(
                DoctorCheck(
                    name=f"log dir {d}",
                    ok=False,
                    detail="not readable",
                    fix=f"give the bot read access to {d} on {node}",
                )
            )
            continue
        segments = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
        if not segments:
            checks.append(DoctorCheck(name=f"log dir {d}", ok=False, detail="no log segments"))
            continue
        newest = max(p.stat().st_mtime for p in segments)
        age = int(now - newest)
        checks.append(
            DoctorCheck(
                name=f"log dir {d}",
                ok=age < LOG_STALE_AFTER,
                detail=f"{len(segments)} segments, newest written {age // 60} min ago",
                fix=None
                if age < LOG_STALE_AFTER
                else "is kumod logging here? check configure_local_logs",
            )
        )
    return checks


def doctor(svc: Services, cmd: Doctor, base: dict[str, Any]) -> DoctorAnswer:
    """Per node: reachable, permissions (with the ACL to paste), version, TSA, log dirs."""
    started = svc.clock.now()
    answer = svc.park.ask(lambda reader: _doctor_node(reader, started))
    nodes = [answer.results[n] for n in answer.asked if n in answer.results]
    now = time.time()
    for i, nd in enumerate(nodes):
        extra = _log_dir_checks(nd.node, svc.config.log_dirs.get(nd.node, ()), now)
        if extra:
            nodes[i] = nd.model_copy(update={"checks": [*nd.checks, *extra]})

    if svc.writes is not None:
        nodes = _with_write_checks(svc.writes.writer, nodes)

    async def tsa_status(reader: TsaReader) -> str:
        return await reader.status()

    tsa = svc.park.ask_tsa(tsa_status)
    for name in tsa.asked:
        if name in tsa.results:
            check = DoctorCheck(name="reachable", ok=True, detail=tsa.results[name].strip())
        else:
            why = next((f.detail for f in tsa.failures if f.node == name), "no answer")
            check = DoctorCheck(name="reachable", ok=False, detail=why)
        nodes.append(NodeDoctor(node=name, role="tsa-daemon", checks=[check]))
    if not tsa.asked:
        nodes.append(
            NodeDoctor(
                node="tsa-daemon",
                role="tsa-daemon",
                checks=[
                    DoctorCheck(
                        name="configured",
                        ok=None,
                        detail="no tsa-daemon configured",
                        fix="set KUMO_TSA_URLS so the bot can say what the automation did",
                    )
                ],
            )
        )
    return DoctorAnswer(
        nodes=nodes,
        asked=answer.asked + tsa.asked,
        failures=answer.failures + tsa.failures,
        **base,
    )


def _with_write_checks(writer: MtaWriter, nodes: list[NodeDoctor]) -> list[NodeDoctor]:
    """Add the write probe (cancel the nil UUID: 404 proves permission) to each node."""
    names = [nd.node for nd in nodes if nd.node in writer.node_names]
    with ThreadPoolExecutor(max(len(names), 1), thread_name_prefix="kumo-doctor") as pool:
        verdicts = dict(zip(names, pool.map(writer.preflight, names), strict=True))
    out = []
    for nd in nodes:
        if nd.node not in verdicts:
            out.append(nd)
            continue
        why = verdicts[nd.node]
        check = DoctorCheck(
            name="write permission",
            ok=why is None,
            detail="permitted (probe: cancel of the nil UUID answered 404)"
            if why is None else why.split("\n", 1)[0],
            fix=None if why is None else why,
        )
        out.append(nd.model_copy(update={"checks": [*nd.checks, check]}))
    return out
