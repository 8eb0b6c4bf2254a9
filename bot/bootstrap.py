"""The composition root: with ``bot.bootstrap_demo``, the only place that picks adapters.

``build_services(settings, **overrides)`` wires the use cases to real adapters;
tests pass fakes through ``overrides``.  ``build_slack_bot`` does the same for the
Slack side; the local Slack emulator and the embedded demo are ``bot.bootstrap_demo``.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.adapters.audit_jobs import ensure_standard_jobs, standard_handlers
from bot.adapters.clock import SystemClock
from bot.adapters.dns_lookup import DnsPythonLookup
from bot.adapters.guard_toml import load_guard_file
from bot.adapters.kumomta import BasicAuth, BearerToken, Credentials, HttpPark
from bot.adapters.kumomta.writer import KumoHttpWriter
from bot.adapters.logs import ZstdLogReader
from bot.adapters.metric_sampler import SAMPLE as SAMPLE_METRICS
from bot.adapters.metric_sampler import ensure_sampler_job, sample_metrics
from bot.adapters.playbook_files import DEFAULT_DIR as PLAYBOOKS_DIR
from bot.adapters.playbook_files import FileReport, check_directory, load_playbooks
from bot.adapters.resolver import DnsResolver, SiteMapResolver
from bot.adapters.rule_files import ShapingFiles, read_response_rules
from bot.adapters.scheduler import Scheduler
from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.audit_anchor import SlackChannelAnchor
from bot.adapters.slack.guard_notifier import SlackGuardNotifier
from bot.adapters.slack.notices import SlackNoticePoster
from bot.adapters.slack.text import escape
from bot.adapters.storage import (
    FileAnchor,
    HeadAnchor,
    Storage,
    is_sqlite_url,
    open_storage,
    resolve_audit_key,
)
from bot.adapters.storage.follow_ups_sql import SqlFollowUps
from bot.adapters.storage.guarded_sql import SqlGuardedRecords
from bot.adapters.storage.playbook_runs_sql import SqlPlaybookRuns
from bot.adapters.storage.tsa_diary_sql import SqlTsaDiary
from bot.adapters.tsa_watcher import TsaWatcher, TsaWatchers
from bot.core.classifier import ResponseClassifier
from bot.core.classifier_rules import load_rules
from bot.core.guard_file import GuardFile
from bot.ports import (
    AuditLog,
    Clock,
    DnsLookup,
    GuardNotifier,
    LogReader,
    MtaWriter,
    Park,
    SiteResolver,
)
from bot.services import ServiceConfig, Services
from bot.settings import Settings
from bot.use_cases.bot_holds import RESTART_EVERY, RESTART_JOB, is_bot_hold, restart_job
from bot.use_cases.follow_ups import REVERT_JOB, revert_job
from bot.use_cases.guarded import EXPIRE_JOB, WriteSetup, expire_job
from bot.use_cases.incident_watch import LOOK_JOB, ensure_look_job, look_job
from bot.use_cases.incidents import open_incident_channels
from bot.use_cases.knowledge import ResponseKnowledge
from bot.use_cases.playbooks import PlaybookSetup
from bot.use_cases.postmortem import PostmortemSetup
from bot.use_cases.tsa_notices import TsaNotifier, no_incidents

# A Slack channel id (public C..., private G...); anything else in KUMO_AUDIT_ANCHOR is a path.
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{6,}")

log = logging.getLogger(__name__)


def read_credentials(settings: Settings) -> Credentials | None:
    """Basic or Bearer credentials for reads, from settings (None: trusted-host access)."""
    if settings.KUMO_READ_TOKEN is not None:
        return BearerToken(token=settings.KUMO_READ_TOKEN.get_secret_value())
    if settings.KUMO_READ_USER and settings.KUMO_READ_PASSWORD is not None:
        return BasicAuth(
            user=settings.KUMO_READ_USER, password=settings.KUMO_READ_PASSWORD.get_secret_value()
        )
    return None


def write_credentials(settings: Settings) -> Credentials | None:
    """Basic or Bearer credentials for writes (KUMO_WRITE_*), defaulting to the read ones."""
    if settings.KUMO_WRITE_TOKEN is not None:
        return BearerToken(token=settings.KUMO_WRITE_TOKEN.get_secret_value())
    if settings.KUMO_WRITE_USER and settings.KUMO_WRITE_PASSWORD is not None:
        return BasicAuth(
            user=settings.KUMO_WRITE_USER, password=settings.KUMO_WRITE_PASSWORD.get_secret_value()
        )
    return read_credentials(settings)


def build_writes(settings: Settings, storage: Storage, guard: GuardFile,
                 writer: MtaWriter | None = None) -> WriteSetup:
    """Guarded writes: the park writer, pending requests in SQL, approvers, the scheduler."""
    return WriteSetup(
        writer=writer or KumoHttpWriter(settings.KUMO_NODES,
                                        credentials=write_credentials(settings),
                                        timeout=settings.KUMO_NODE_TIMEOUT),
        records=SqlGuardedRecords(storage.engine), rules=guard.guard,
        approvers=frozenset(settings.KUMO_APPROVERS), jobs=storage.jobs,
        follow_ups=SqlFollowUps(storage.engine),
        log_filter_baseline=settings.KUMO_LOG_FILTER_BASELINE,
    )


def serve_overrides(listen: str, storage: Storage, *, clock: Clock | None = None) -> Any:
    """``watch``: serve GET /shaping/overrides.toml on ``listen`` (KUMO_OVERRIDES_LISTEN)."""
    from bot.adapters.overrides_server import start_overrides_server
    from bot.use_cases.overrides_file import overrides_route

    return start_overrides_server(listen, overrides_route(SqlGuardedRecords(storage.engine),
                                                          clock or SystemClock()))


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


@lru_cache(maxsize=1)
def build_classifier() -> ResponseClassifier:
    """The response classifier with the packaged rules (checked strictly, once a process)."""
    name, text = read_response_rules()
    return ResponseClassifier(load_rules(text, source=name))


def build_knowledge(settings: Settings, *, resolver: SiteResolver | None = None
                    ) -> ResponseKnowledge:
    """The classifier and the shaping files of KUMO_SHAPING_FILES, with MX lookups."""
    return ResponseKnowledge(
        classifier=build_classifier(),
        shaping=ShapingFiles(settings.KUMO_SHAPING_FILES),
        resolver=resolver or build_resolver(settings),
    )


def build_anchors(settings: Settings) -> list[HeadAnchor]:
    """Where the signed audit head is copied (KUMO_AUDIT_ANCHOR): a file or a channel."""
    target = settings.KUMO_AUDIT_ANCHOR
    if not target:
        return []
    if not _CHANNEL_ID.fullmatch(target):
        return [FileAnchor(Path(target).expanduser())]
    if settings.SLACK_BOT_TOKEN is None:
        log.warning("KUMO_AUDIT_ANCHOR is the Slack channel %s but SLACK_BOT_TOKEN is not set: "
                    "the audit head is not copied there", target)
        return []
    client = make_web_client(settings.SLACK_BOT_TOKEN.get_secret_value(), settings.SLACK_API_URL)
    return [SlackChannelAnchor(client, target)]


def build_storage(settings: Settings, *, clock: Clock | None = None) -> Storage:
    """The SQL storage the settings name (DATABASE_URL or SQLite in the data dir), migrated."""
    url = settings.database_url()
    secret = settings.KUMO_AUDIT_KEY.get_secret_value() if settings.KUMO_AUDIT_KEY else None
    key = resolve_audit_key(secret, sqlite=is_sqlite_url(url), data_dir=settings.KUMO_DATA_DIR)
    return open_storage(url, key=key, clock=clock or SystemClock(),
                        anchors=build_anchors(settings))


def build_scheduler(storage: Storage, *, clock: Clock | None = None,
                    park: Park | None = None, services: Services | None = None,
                    notifier: GuardNotifier | None = None) -> Scheduler:
    """The scheduler over ``storage``'s jobs with every handler of this release;
    with ``park``, also the metric sampler (every minute); with ``services`` (guarded
    writes wired), the writes' follow-ups, told to the channel through ``notifier``."""
    clock = clock or SystemClock()
    ensure_standard_jobs(storage, clock)
    handlers = standard_handlers(storage, clock)
    handlers[EXPIRE_JOB] = expire_job(SqlGuardedRecords(storage.engine), storage.audit, clock,
                                      notifier)
    if services is not None and services.writes is not None:
        handlers[REVERT_JOB] = revert_job(services, notifier)
        # Every minute: a kumod whose online_since changed gets the bot's holds back.
        storage.jobs.schedule(RESTART_JOB, due=clock.now(), key=RESTART_JOB, every=RESTART_EVERY)
        handlers[RESTART_JOB] = restart_job(services, notifier)
    if services is not None and services.incidents is not None:  # holds made outside the bot
        ensure_look_job(storage.jobs, clock)
        handlers[LOOK_JOB] = look_job(services)
    if park is not None and storage.metrics is not None:
        ensure_sampler_job(storage.jobs, clock)
        handlers[SAMPLE_METRICS] = sample_metrics(park, storage.metrics, clock)
    return Scheduler(storage.jobs, clock, handlers=handlers)


def build_sampler(storage: Storage, park: Park, *, clock: Clock | None = None
                  ) -> Scheduler | None:
    """A scheduler that runs the metric sampler only (``kumo-bot web`` hosts it, so the
    history fills when no ``watch`` runs; the job is keyed and leased in SQL, so with
    ``watch`` running too each minute's sample is still taken once).  None without a
    metric history."""
    if storage.metrics is None:
        return None
    clock = clock or SystemClock()
    ensure_sampler_job(storage.jobs, clock)
    return Scheduler(storage.jobs, clock,
                     handlers={SAMPLE_METRICS: sample_metrics(park, storage.metrics, clock)})


def build_guard_notifier(settings: Settings) -> GuardNotifier | None:
    """Slack, where timed jobs tell the channel what they did (None without SLACK_BOT_TOKEN)."""
    if settings.SLACK_BOT_TOKEN is None:
        return None
    return SlackGuardNotifier(make_web_client(settings.SLACK_BOT_TOKEN.get_secret_value(),
                                              settings.SLACK_API_URL))


def build_tsa_watchers(settings: Settings, storage: Storage, *, clock: Clock | None = None,
                       worker: str, slack: Any = None, poll: float = 5.0) -> TsaWatchers:
    """A TSA watcher per KUMO_TSA_URLS entry, writing the diary in ``storage`` and
    posting notices to KUMO_NOTICE_CHANNELS (through ``slack``, else SLACK_BOT_TOKEN)."""
    clock = clock or SystemClock()
    diary = SqlTsaDiary(storage.engine)
    if slack is None and settings.SLACK_BOT_TOKEN is not None:
        slack = make_web_client(settings.SLACK_BOT_TOKEN.get_secret_value(),
                                settings.SLACK_API_URL)
    notifier = None
    if slack is not None and (settings.KUMO_NOTICE_CHANNELS or storage.incidents is not None):
        notifier = TsaNotifier(claims=diary, poster=SlackNoticePoster(slack), clock=clock,
                               channels=settings.KUMO_NOTICE_CHANNELS, worker=worker,
                               escape=escape, incidents=open_incident_channels(storage.incidents)
                               if storage.incidents is not None else no_incidents)
    park = build_park(settings) if settings.KUMO_NODES else None  # kumod's hold lists
    return TsaWatchers([
        TsaWatcher(tsa=t.name, base_url=t.url, diary=diary, clock=clock, worker=worker,
                   on_started=notifier, poll=poll, park=park,
                   is_bot_hold=is_bot_hold(SqlGuardedRecords(storage.engine), clock))
        for t in settings.KUMO_TSA_URLS
    ], on_stop=park.close if park is not None else None)


def build_services(
    settings: Settings,
    *,
    park: Park | None = None,
    resolver: SiteResolver | None = None,
    audit: AuditLog | None = None,
    clock: Clock | None = None,
    logs: LogReader | None = None,
    knowledge: ResponseKnowledge | None = None,
    storage: Storage | None = None,
    guard: GuardFile | None = None,
    writer: MtaWriter | None = None,
    dns: DnsLookup | None = None,
    postmortem: PostmortemSetup | None = None,
) -> Services:
    """The use cases wired to adapters; any port can be overridden (tests, the demo)."""
    if audit is None:
        storage = storage or build_storage(settings, clock=clock)
        audit = storage.audit
    resolver = resolver or build_resolver(settings)
    return Services(
        park=park or build_park(settings),
        resolver=resolver,
        audit=audit,
        clock=clock or SystemClock(),
        config=ServiceConfig(
            log_dirs={k: tuple(str(p) for p in v) for k, v in settings.KUMO_LOG_DIRS.items()},
            log_redact=settings.KUMO_LOG_REDACT,
            dnsbl_zones=settings.KUMO_DNSBL_ZONES,
            dkim_selectors=dict(settings.KUMO_DKIM_SELECTORS),
        ),
        dns=dns or DnsPythonLookup(),
        logs=logs or ZstdLogReader(settings.KUMO_LOG_DIRS),
        tsa_diary=SqlTsaDiary(storage.engine) if storage is not None else None,
        knowledge=knowledge or build_knowledge(settings, resolver=resolver),
        # Read at start-up: a bad KUMO_GUARD_FILE stops the bot before it judges anything.
        guard=guard or load_guard_file(settings.KUMO_GUARD_FILE),
        history=storage.metrics if storage is not None else None,
        # Read at start-up: a broken playbook file stops the bot with every error.
        playbooks=build_playbooks(settings, storage) if storage is not None else None,
        incidents=storage.incidents if storage is not None else None,
        postmortem=postmortem or build_postmortem_setup(settings),
        writes=build_writes(settings, storage, guard or load_guard_file(settings.KUMO_GUARD_FILE),
                            writer) if storage is not None else None,
    )


def build_postmortem_setup(settings: Settings, *, out: Path | None = None) -> PostmortemSetup:
    """The post-mortem's templates (``templates/``, checked now) and where a copy of each
    rendering is kept: ``out`` (``kumo-bot postmortem --out``), else the data directory's
    ``postmortems/``."""
    from bot.adapters.postmortem_files import DirectoryShelf, JinjaPostmortemRenderer

    return PostmortemSetup(renderer=JinjaPostmortemRenderer(),
                           shelf=DirectoryShelf(out or settings.KUMO_DATA_DIR / "postmortems"))


def check_playbook_files(settings: Settings, directory: Path | None = None
                         ) -> tuple[Path, list[FileReport]]:
    """``kumo-bot playbooks check``: the directory checked (DIR, else KUMO_PLAYBOOKS_DIR,
    else the project's ``playbooks/``) and one report per file."""
    where = directory or settings.KUMO_PLAYBOOKS_DIR or PLAYBOOKS_DIR
    return where, check_directory(where) if where.is_dir() else []


def build_playbooks(settings: Settings, storage: Storage) -> PlaybookSetup:
    """The playbooks of KUMO_PLAYBOOKS_DIR (checked now) and their runs in SQL."""
    return PlaybookSetup(library=load_playbooks(settings.KUMO_PLAYBOOKS_DIR),
                         runs=SqlPlaybookRuns(storage.engine))


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
