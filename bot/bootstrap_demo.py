"""The composition root's local half: the bot without real Slack, or without a real park.

``build_local_slack`` starts the Slack emulator on loopback and a bot that talks to it
(``kumo-bot shell``, the demo, tests); ``build_demo`` also starts the simulated park and
wires the bot, its scheduler, its TSA watcher and its served overrides between them, on
the simulator's clock.  Production wiring is ``bot.bootstrap``, which this builds on.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.adapters.clock import FollowingClock
from bot.adapters.dns_lookup import FixtureDns
from bot.adapters.scheduler import Scheduler, SchedulerThread
from bot.adapters.slack.app import SlackBot, local_authorize, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.guard_notifier import SlackGuardNotifier
from bot.adapters.storage import Storage
from bot.adapters.tsa_watcher import TsaWatchers
from bot.bootstrap import (
    build_scheduler,
    build_services,
    build_storage,
    build_tsa_watchers,
    serve_overrides,
)
from bot.ports import IdempotencyKeys
from bot.services import Services
from bot.settings import Settings, TsaEndpoint
from bot.simulator import SimulatedPark
from bot.use_cases.overrides_file import OVERRIDES_PATH

# The demo's DNS answers (blocklists, SPF, DKIM, DMARC): a fixture, never the network.
DEMO_DNS = Path(__file__).parent / "data" / "demo_dns.toml"
DEMO_USERS = {"alice": "U0ALICE", "bob": "U0BOB", "carol": "U0CAROL"}
DEMO_CHANNEL = "C0INCIDENT"  # the emulator's #incident: where the demo's notices go


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


def build_local_slack(services: Services, *, keys: IdempotencyKeys | None = None) -> LocalSlack:
    """Start the Slack emulator on loopback and a bot that talks to it."""
    emulator = SlackEmulator()
    emulator.start()
    bot = SlackBot(
        services,
        client=make_web_client(None, emulator.api_url),
        signing_secret=None,
        authorize=local_authorize(),
        keys=keys,
    )
    return LocalSlack(services=services, emulator=emulator, bot=bot)


@dataclass
class Demo:
    """The embedded demo: a simulated park, the local Slack, and the bot between them."""

    park: SimulatedPark
    local: LocalSlack
    settings: Settings
    workdir: Path
    storage: Storage
    scheduler: SchedulerThread
    _owns_workdir: bool = False
    jobs: Scheduler | None = None  # the same scheduler, for `advance` to run step by step
    watchers: TsaWatchers | None = None  # the TSA diary's watcher, in-process
    overrides: Any = None  # the served shaping overrides the simulated kumods reload

    def advance(self, delta: timedelta) -> None:
        """Move simulated time one minute at a time, running due jobs (the metric
        sampler) at each step, as a real park would have lived through it."""
        left = delta
        while left > timedelta(0):
            step = min(left, timedelta(minutes=1))
            self.park.advance(step)
            if self.jobs is not None:
                self.jobs.run_due()
            if self.watchers is not None:
                self.watchers.poll_now()  # the diary sees each minute, as `watch` would
            left -= step

    def close(self) -> None:
        self.local.close()
        self.scheduler.stop()
        if self.overrides is not None:
            self.overrides.shutdown()
            self.overrides.server_close()
        if self.watchers is not None:
            self.watchers.stop()
        self.storage.close()
        self.park.stop()
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def demo_settings(park: SimulatedPark, workdir: Path, db: Path | None = None) -> Settings:
    """Settings that point the bot at the simulated park (nothing read from the environment)."""
    database = db.resolve() if db is not None else workdir / "demo.sqlite3"
    return Settings(
        _env_file=None,
        KUMO_NODES=dict(park.node_urls),
        KUMO_TSA_URLS=tuple(TsaEndpoint(name=n, url=u) for n, u in park.tsa_urls.items()),
        KUMO_SITE_MAP=park.site_map_path,
        KUMO_LOG_DIRS={n: (p,) for n, p in park.log_dirs.items()},
        # A kept database keeps its audit key beside it, so `audit verify` finds both.
        KUMO_DATA_DIR=database.parent if db is not None else workdir,
        KUMO_APPROVERS=(DEMO_USERS["bob"], DEMO_USERS["carol"]),
        KUMO_NOTICE_CHANNELS=(DEMO_CHANNEL,),
        DATABASE_URL=f"sqlite:///{database}",
        KUMO_NODE_TIMEOUT=3.0,
        KUMO_DKIM_SELECTORS={"mail.acme.example": ("s1", "s2")},
    )


def build_demo(scenario: str, *, db: Path | None = None, workdir: Path | None = None) -> Demo:
    """Start the simulator and the local Slack, and wire the bot between them."""
    owns = workdir is None
    work = workdir or Path(tempfile.mkdtemp(prefix="kumo-demo-"))
    park = SimulatedPark.start(scenario=scenario, log_root=work / "logs")
    try:
        settings = demo_settings(park, work, db)
        clock = FollowingClock(park.clock.now)
        storage = build_storage(settings, clock=clock)
    except Exception:
        park.stop()
        raise
    try:
        services = build_services(settings, clock=clock, storage=storage,
                                  dns=FixtureDns(DEMO_DNS))
        local = build_local_slack(services, keys=storage.keys)
        # The scheduler runs in-process on the simulator's clock: `/advance` makes jobs due.
        notifier = SlackGuardNotifier(make_web_client("xoxb-local", local.emulator.api_url))
        jobs = build_scheduler(storage, clock=clock, park=services.park, services=services,
                               notifier=notifier)
        jobs.run_due()  # the first metric sample, taken now
        scheduler = jobs.start(poll=0.5)
        # The TSA watcher runs in-process too, and posts its notices to the local Slack.
        watchers = build_tsa_watchers(settings, storage, clock=clock, worker="demo",
                                      slack=make_web_client("xoxb-local", local.emulator.api_url),
                                      poll=0.5)
        watchers.poll_now()
        watchers.start()
        # The bot's shaping overrides, served as `web` serves them; the simulated kumods
        # reload the URL each simulated minute, loading it before TSA's file.
        overrides = serve_overrides("127.0.0.1:0", storage, clock=clock)
        park.follow_overrides(f"http://127.0.0.1:{overrides.server_address[1]}"
                              f"{OVERRIDES_PATH}")
    except Exception:
        storage.close()
        park.stop()
        raise
    return Demo(park=park, local=local, settings=settings, workdir=work, storage=storage,
                scheduler=scheduler, _owns_workdir=owns, jobs=jobs, watchers=watchers,
                overrides=overrides)
