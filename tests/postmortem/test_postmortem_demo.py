"""The post-mortem on the yahoo-tss04 demo: simulator over loopback, SQLite, real zstd logs.

An incident is started, commands and a confirmed change are filed under it, time
passes (the TSA suspension expires and mail flows), it is resolved; the post-mortem's
impact numbers must equal what the simulator's log segments hold for the window,
counted here independently (zstandard, json, no bot code).
"""

from __future__ import annotations

import argparse
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import zstandard

from bot import cli_postmortem
from bot.adapters.slack.terminal import Terminal
from bot.adapters.slack.views import build_answer_message
from bot.bootstrap import build_postmortem_setup
from bot.bootstrap_demo import Demo, build_demo
from bot.cli_postmortem import write_postmortem
from bot.core.answers import AnswerBase, ErrorAnswer
from bot.core.answers_guard import GuardAnswer
from bot.core.answers_incident import IncidentAnswer
from bot.core.answers_postmortem import PostmortemAnswer
from bot.core.audit import Actor
from bot.core.incidents import Incident
from bot.services import RequestContext, Services
from bot.use_cases import guarded
from bot.use_cases.postmortem import postmortem_doc
from tests.postmortem.test_render import stable, texts

ALICE = Actor(id="U0ALICE", name="alice")
HERE = "C0INCIDENT"
WANTED = {"TransientFailure": "deferrals", "Bounce": "bounces", "Delivery": "deliveries"}


@pytest.fixture(scope="module")
def lived(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Demo, Incident]]:
    """One demo that lived one incident, shared by the module: building it takes seconds.

    The tests only read it, render it and move time forward (which leaves the
    incident's window, and so its numbers, as they were).
    """
    opened = build_demo("yahoo-tss04", workdir=tmp_path_factory.mktemp("lived"))
    try:
        yield opened, lived_incident(opened)
    finally:
        opened.close()


@pytest.fixture
def demo(lived: tuple[Demo, Incident]) -> Iterator[Demo]:
    """The shared demo; a test that swaps its post-mortem setup gets it back afterwards."""
    shared = lived[0]
    setup = shared.local.services.postmortem
    yield shared
    shared.local.services.postmortem = setup


@pytest.fixture
def incident(lived: tuple[Demo, Incident]) -> Incident:
    return lived[1]


def ask(services: Services, text: str, *, channel: str | None = HERE) -> AnswerBase:
    return services.handle(text, RequestContext(actor=ALICE, transport="test", channel=channel))


def lived_incident(demo: Demo) -> Incident:
    """Start, look, note, change (confirmed), let an hour pass, resolve."""
    services = demo.local.services
    started = ask(services, 'incident start "Yahoo deferrals" --domain yahoo.com')
    assert isinstance(started, IncidentAnswer)
    ask(services, "queue yahoo.com")
    ask(services, "responses yahoo.com")
    ask(services, "incident note cause: [TSS04] brake after the spring campaign <b>x</b>")
    ask(services, "incident note follow-up: warm up the new IPs slowly")
    request = ask(services, "suspend yahoo.com --tenant acme --for 20m --reason brake")
    assert isinstance(request, GuardAnswer)
    guarded.press(services, request.request_id, by=ALICE, what="agree")
    demo.advance(timedelta(minutes=65))  # TSA's suspension ends: mail flows again
    resolved = ask(services, "incident resolve")
    assert isinstance(resolved, IncidentAnswer) and resolved.incident.resolved_at is not None
    return resolved.incident


def _event_time(text: str) -> datetime:
    head, _, frac = text.rstrip("Z").partition(".")
    return datetime.fromisoformat(f"{head}.{(frac + '000000')[:6]}+00:00")


def count_in_logs(log_dirs: dict[str, Path], domain: str, since: datetime, until: datetime
                  ) -> tuple[Counter[str], Counter[tuple[str, str]], int]:
    """By type, by (source, type), and KumoMTA internal ones: straight from the segments."""
    by_type: Counter[str] = Counter()
    by_source: Counter[tuple[str, str]] = Counter()
    internal = 0
    for directory in log_dirs.values():
        for segment in sorted(directory.iterdir()):
            data = zstandard.ZstdDecompressor().decompressobj().decompress(segment.read_bytes())
            for line in data.split(b"\n")[:-1]:  # a live segment may end mid-line
                raw = json.loads(line)
                recipients = raw["recipient"]
                recipients = [recipients] if isinstance(recipients, str) else recipients
                if raw["type"] not in WANTED or not any(
                        r.rpartition("@")[2].lower() == domain for r in recipients):
                    continue
                if not since <= _event_time(raw["event_time"]) < until:
                    continue
                if (raw.get("response") or {}).get("content", "").startswith(
                        "KumoMTA internal:"):
                    internal += 1
                    continue
                by_type[WANTED[raw["type"]]] += 1
                by_source[(raw["egress_source"], WANTED[raw["type"]])] += 1
    return by_type, by_source, internal


def test_the_impact_equals_what_the_simulators_logs_hold_for_the_window(
        demo: Demo, incident: Incident) -> None:
    services = demo.local.services
    assert services.incidents is not None and incident.resolved_at is not None
    doc, failures, _ = postmortem_doc(services, services.incidents, incident,
                                      now=demo.park.clock.now())
    assert failures == [] and doc.impact is not None
    by_type, by_source, internal = count_in_logs(
        demo.park.log_dirs, "yahoo.com", incident.opened_at, incident.resolved_at)
    totals = doc.impact.totals
    assert (totals.deferrals, totals.bounces, totals.deliveries) == (
        by_type["deferrals"], by_type["bounces"], by_type["deliveries"])
    assert totals.deliveries > 0 and internal > 0  # mail flowed, and paths were held
    assert doc.impact.internal_total == internal
    mine = {(c.name, field): getattr(c, field) for c in doc.impact.sources
            for field in WANTED.values() if getattr(c, field)}
    assert mine == dict(by_source)
    assert sum(c.total for c in doc.impact.providers) == totals.total
    # KumoMTA's own records (no provider name) join the provider their domain's records name
    assert {c.name for c in doc.impact.internal} == {c.name for c in doc.impact.providers}
    assert {b.provider for b in doc.impact.buckets} == {"yahoo"}
    # TSA's actions on three egress sources: one line per action, started and ended
    assert [e.outcome for e in doc.tsa] == ["started"] * 3 + ["expired"] * 3
    assert all("from ip-1, ip-2, ip-3" in e.text or "sources ip-1, ip-2, ip-3" in e.text
               for e in doc.tsa)
    assert doc.queued is not None and doc.queued.total > 0
    assert "metric history" in doc.queued.basis
    # the timeline's parts reach the document
    assert [a.kind for a in doc.actions] == ["request", "approval", "change"]
    assert doc.tsa and any("brake after the spring campaign" in (e.quoted or e.text)
                           for e in doc.causes)
    assert any("warm up the new IPs" in f for f in doc.followups)


def test_rendering_twice_is_byte_identical_but_for_the_stamp_and_image(
        demo: Demo, incident: Incident) -> None:
    services = demo.local.services
    demo.advance(timedelta(minutes=2))  # kumod has flushed the window's last minute
    first = ask(services, f"postmortem {incident.id}")
    demo.advance(timedelta(minutes=2))
    second = ask(services, f"postmortem {incident.id.lower()}", channel="C0ELSEWHERE")
    assert isinstance(first, PostmortemAnswer) and isinstance(second, PostmortemAnswer)
    one, two = texts(first.files), texts(second.files)
    assert one != two  # generated two minutes apart ...
    assert [stable(t) for t in one] == [stable(t) for t in two]  # ... the same otherwise
    md = one[0]
    assert "| **all** |" in md and "Per egress source" in md
    assert "\\<b\\>x\\</b\\>" in md and "&lt;b&gt;x&lt;/b&gt;" in one[1]
    assert "permanently deferred" not in md  # TSA's long rules are cut short
    assert "Not drawn, being zero over the whole window: deferrals and bounces." in md
    assert "Confirmed by the requester" in md and "approved by U0" not in md
    assert "u0alice" not in md  # Slack ids keep their case


def test_without_an_id_the_channels_incident_is_used_even_once_resolved(
        demo: Demo, incident: Incident) -> None:
    answer = ask(demo.local.services, "postmortem")
    assert isinstance(answer, PostmortemAnswer) and answer.incident_id == incident.id
    assert answer.saved_to is not None and Path(answer.saved_to, f"postmortem-{incident.id}.md"
                                                ).exists()
    elsewhere = ask(demo.local.services, "postmortem", channel="C0ELSEWHERE")
    assert isinstance(elsewhere, ErrorAnswer)
    assert "No incident lives in this channel" in elsewhere.message
    unknown = ask(demo.local.services, "postmortem INC-19990101-9")
    assert isinstance(unknown, ErrorAnswer) and "There is no incident" in unknown.message


def test_slack_gets_an_escaped_summary_and_the_three_files(
        demo: Demo, incident: Incident) -> None:
    printed = io.StringIO()
    term = Terminal(demo.local.bot, demo.local.emulator, users=demo.local.users, out=printed)
    before = len(demo.local.emulator.files)
    term.handle("/kumo postmortem")  # the real listeners, through the local Slack
    out = printed.getvalue()
    assert f"Post-mortem {incident.id}: Yahoo deferrals" in out
    assert "deliveries for these domains" in out and "A copy is kept in" in out
    uploaded = demo.local.emulator.files[before:]
    names = [f"postmortem-{incident.id}.{ext}" for ext in ("md", "html", "png")]
    assert [f.name for f in uploaded] == names
    assert all(f.channel == HERE and f.content for f in uploaded)
    assert all(f"[file: {name}" in out for name in names)
    assert uploaded[2].content is not None and uploaded[2].content.startswith(b"\x89PNG")
    answer = ask(demo.local.services, f"postmortem {incident.id}")
    blocks = json.dumps(build_answer_message(answer, asked_by="U0ALICE", text="x").blocks)
    assert "<b>" not in blocks


def test_the_cli_writes_the_files_into_the_directory(
        demo: Demo, incident: Incident, tmp_path: Path) -> None:
    services = demo.local.services
    services.postmortem = build_postmortem_setup(demo.settings, out=tmp_path / "pm")
    out = tmp_path / "printed.txt"
    with out.open("w") as printed:
        assert write_postmortem(services, incident.id, actor=ALICE, out=printed) == 0
        assert write_postmortem(services, "INC-19990101-9", actor=ALICE, out=printed) == 1
    written = sorted(p.name for p in (tmp_path / "pm").iterdir())
    assert written == [f"postmortem-{incident.id}.{ext}" for ext in ("html", "md", "png")]
    text = out.read_text()
    assert f"wrote {tmp_path / 'pm' / written[1]}" in text and "There is no incident" in text


def test_kumo_bot_postmortem_out_dir_builds_from_the_settings(
        demo: Demo, incident: Incident, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(incident=incident.id, out=tmp_path / "cli")
    assert cli_postmortem.run(args, demo.settings) == 0
    assert sorted(p.suffix for p in (tmp_path / "cli").iterdir()) == [".html", ".md", ".png"]
    assert f"Post-mortem {incident.id}: Yahoo deferrals" in capsys.readouterr().out
