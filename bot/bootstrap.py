"""The composition root: the only place that picks concrete adapters.

``build_services(settings, **overrides)`` wires the use cases to real adapters;
tests pass fakes through ``overrides``.  ``build_slack_bot`` and ``build_demo``
do the same for the Slack side and for the embedded demo.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.clock import FollowingClock, SystemClock
from bot.adapters.kumomta import BasicAuth, BearerToken, Credentials, HttpPark
from bot.adapters.resolver import DnsResolver, SiteMapResolver
from bot.adapters.slack.app import SlackBot, local_authorize, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.ports import AuditLog, Clock, Park, SiteResolver
from bot.services import ServiceConfig, Services
from bot.settings import Settings, TsaEndpoint
from bot.simulator import SimulatedPark

DEMO_USERS = {"alice": "U0ALICE", "bob": "U0BOB", "carol": "U0CAROL"}


def read_credentials(settings: Settings) -> Credentials | None:
    """Basic or Bearer credentials for reads, from settings (None: trusted-host access)."""
    if settings.KUMO_READ_TOKEN is not None:
        return BearerToken(token=settings.KUMO_READ_TOKEN.get_secret_value())
    if settings.KUMO_READ_USER and settings.KUMO_READ_PASSWORD is not None:
        return BasicAuth(
            user=settings.KUMO_READ_USER, password=settings.KUMO_READ_PASSWORD.get_secret_value()
        )
    return None


def build_park(settings: Settings) -> HttpPark:
    """The KumoMTA park over HTTP, as the settings describe it."""
    tsas = {t.name: (t.url, t.serves) for t in settings.KUMO_TSA_URLS}
    return HttpPark(
        settings.KUMO_NODES,
        tsas,
        credentials=read_credentials(settings),
        timeout=settings.KUMO_NODE_TIMEOUT,
    )


def build_resolver(settings: Settings) -> SiteResolver:
    """The site map file when configured, DNS otherwise."""
    if settings.KUMO_SITE_MAP is not None:
        return SiteMapResolver(settings.KUMO_SITE_MAP)
    return DnsResolver()


def build_services(
    settings: Settings,
    *,
    park: Park | None = None,
    resolver: SiteResolver | None = None,
    audit: AuditLog | None = None,
    clock: Clock | None = None,
) -> Services:
    """The use cases wired to adapters; any port can be overridden (tests, the demo)."""
    return Services(
        park=park or build_park(settings),
        resolver=resolver or build_resolver(settings),
        audit=audit or InMemoryAuditLog(),
        clock=clock or SystemClock(),
        config=ServiceConfig(
            log_dirs={k: tuple(str(p) for p in v) for k, v in settings.KUMO_LOG_DIRS.items()},
            log_redact=settings.KUMO_LOG_REDACT,
        ),
    )


def build_slack_bot(settings: Settings, services: Services, **kwargs: Any) -> SlackBot:
    """The Bolt app for real Slack (or any Web API at SLACK_API_URL)."""
    token = settings.SLACK_BOT_TOKEN.get_secret_value() if settings.SLACK_BOT_TOKEN else ""
    secret = (
        settings.SLACK_SIGNING_SECRET.get_secret_value() if settings.SLACK_SIGNING_SECRET else None
    )
    return SlackBot(
        services,
        client=make_web_client(token, settings.SLACK_API_URL),
        signing_secret=secret,
        **kwargs,
    )


@dataclass
class LocalSlack:
    """A bot wired to the local Slack emulator (demo, shell, tests)."""

    services: Services
    emulator: SlackEmulator
    bot: SlackBot
    users: dict[str, str] = field(default_factory=lambda: dict(DEMO_USERS))

    def close(self) -> None:
        self.bot.pool.wait_idle(timeout=30)
        self.bot.pool.shutdown()
        self.emulator.stop()


def build_local_slack(services: Services) -> LocalSlack:
    """Start the Slack emulator on loopback and a bot that talks to it."""
    emulator = SlackEmulator()
    emulator.start()
    bot = SlackBot(
        services,
        client=make_web_client(None, emulator.api_url),
        signing_secret=None,
        authorize=local_authorize(),
    )
    return LocalSlack(services=services, emulator=emulator, bot=bot)


@dataclass
class Demo:
    """The embedded demo: a simulated park, the local Slack, and the bot between them."""

    park: SimulatedPark
    local: LocalSlack
    settings: Settings
    workdir: Path
    _owns_workdir: bool = False

    def close(self) -> None:
        self.local.close()
        self.park.stop()
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def demo_settings(park: SimulatedPark, workdir: Path, db: Path | None = None) -> Settings:
    """Settings that point the bot at the simulated park (nothing read from the environment)."""
    database = db if db is not None else workdir / "demo.sqlite3"
    return Settings(
        _env_file=None,
        KUMO_NODES=dict(park.node_urls),
        KUMO_TSA_URLS=tuple(TsaEndpoint(name=n, url=u) for n, u in park.tsa_urls.items()),
        KUMO_SITE_MAP=park.site_map_path,
        KUMO_LOG_DIRS={n: (p,) for n, p in park.log_dirs.items()},
        KUMO_DATA_DIR=workdir,
        KUMO_APPROVERS=(DEMO_USERS["bob"], DEMO_USERS["carol"]),
        DATABASE_URL=f"sqlite:///{database}",
        KUMO_NODE_TIMEOUT=3.0,
    )


def build_demo(scenario: str, *, db: Path | None = None, workdir: Path | None = None) -> Demo:
    """Start the simulator and the local Slack, and wire the bot between them."""
    owns = workdir is None
    work = workdir or Path(tempfile.mkdtemp(prefix="kumo-demo-"))
    park = SimulatedPark.start(scenario=scenario, log_root=work / "logs")
    try:
        settings = demo_settings(park, work, db)
        services = build_services(settings, clock=FollowingClock(park.clock.now))
        local = build_local_slack(services)
    except Exception:
        park.stop()
        raise
    return Demo(park=park, local=local, settings=settings, workdir=work, _owns_workdir=owns)
