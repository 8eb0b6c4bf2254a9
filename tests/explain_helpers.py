"""Services with the real classifier and KumoMTA's real shaping files, over fake ports."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.rule_files import ShapingFiles
from bot.core.answers import AnswerBase
from bot.core.audit import Actor
from bot.services import RequestContext, ServiceConfig, Services
from bot.use_cases.knowledge import ResponseKnowledge
from tests.core.classifier_helpers import packaged_classifier
from tests.core.shaping_helpers import COMMUNITY_FILE, DEFAULT_FILE, SITE_MAP
from tests.fakes import FakeMta, FakePark, FakeResolver, FakeTsa, FixedClock

ALICE = RequestContext(actor=Actor(id="U0ALICE", name="alice"), transport="test")
TSS04 = "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to user complaints"
S3150 = ("550 5.7.1 Unfortunately, messages from [198.51.100.203] weren't sent. Please contact "
         "your Internet service provider since part of their network is on our block list "
         "(S3150). You can also refer your provider to http://mail.live.com/mail/"
         "troubleshooting.aspx#errors. [Name=Protocol Filter Agent][AGT=PFA]")


def knowledge(files: Sequence[str | Path] = (DEFAULT_FILE,)) -> ResponseKnowledge:
    return ResponseKnowledge(
        classifier=packaged_classifier(),
        shaping=ShapingFiles([str(f) for f in files]),
        resolver=FakeResolver(SITE_MAP),
    )


def services(*, files: Sequence[str | Path] = (DEFAULT_FILE,), nodes: Sequence[FakeMta] = (),
             tsas: Sequence[FakeTsa] = (), audit: InMemoryAuditLog | None = None) -> Services:
    return Services(
        park=FakePark(list(nodes) or [FakeMta(name="mta1")], tsas),
        resolver=FakeResolver(SITE_MAP),
        audit=audit or InMemoryAuditLog(),
        clock=FixedClock(),
        config=ServiceConfig(log_dirs={}),
        knowledge=knowledge(files),
    )


def ask(svc: Services, text: str) -> AnswerBase:
    return svc.handle(text, ALICE)


WITH_COMMUNITY = (DEFAULT_FILE, COMMUNITY_FILE)
