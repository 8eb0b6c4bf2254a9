"""``shaping set DOMAIN ...`` without ``--source`` finds the domain's egress sources in the
nodes' current metrics (the paths ``source->site`` they report), on the gmail-421-brake
park: Gmail brakes every source and TSA holds nothing, so no TSA override or suspended
path names a source.  Driven through ``Services.handle`` over loopback, real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.adapters.resolver import SiteMapResolver
from bot.bootstrap_demo import Demo, build_demo
from bot.core.answers import ErrorAnswer
from bot.core.answers_guard import GuardAnswer
from bot.core.audit import Actor
from bot.services import RequestContext, Services
from bot.use_cases import guarded
from bot.use_cases.overrides_file import OVERRIDES_PATH

ALICE = Actor(id="U0ALICE", name="alice")
COMMAND = "shaping set gmail.com max_message_rate=100/h --for 1h"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("gmail-421-brake", workdir=tmp_path)
    yield opened
    opened.close()


def handle(services: Services, text: str) -> object:
    return services.handle(text, RequestContext(actor=ALICE, transport="test",
                                                channel="C0INCIDENT"))


def served(demo: Demo) -> str:
    """The overrides file as kumod loads it."""
    host, port = demo.overrides.server_address[:2]
    return httpx.get(f"http://{host}:{port}{OVERRIDES_PATH}", timeout=5).text


def test_without_source_the_card_names_the_sources_of_the_domains_paths_in_the_metrics(
        demo: Demo) -> None:
    services = demo.local.services
    assert services.writes is not None
    answer = handle(services, COMMAND)
    assert isinstance(answer, GuardAnswer), answer
    assert (answer.decision, answer.state) == ("confirm", "pending")
    assert "each of its egress sources now: `ip-1`, `ip-2`, `ip-3`" in answer.action
    # Nothing is written before the requester confirms.
    assert services.writes.records.active_overrides(services.clock.now()) == []
    assert "gmail.com" not in served(demo)

    done = guarded.press(services, answer.request_id, by=ALICE, what="agree")
    assert done.state == "done", done
    assert [(o.node, o.status) for o in done.outcomes] == [
        (f"source ip-{i}", "done") for i in (1, 2, 3)]
    kept = services.writes.records.active_overrides(services.clock.now())
    assert sorted((o.domain, o.source, o.value) for o in kept) == [
        ("gmail.com", f"ip-{i}", "100/h") for i in (1, 2, 3)]
    assert '["gmail.com".sources."ip-2"]' in served(demo)


def test_a_named_source_is_the_only_one_overridden(demo: Demo) -> None:
    answer = handle(demo.local.services, COMMAND + " --source ip-2")
    assert isinstance(answer, GuardAnswer), answer
    assert "on source ip-2 " in answer.action and "ip-1" not in answer.action


def test_a_domain_with_no_egress_path_is_still_refused_and_nothing_is_asked(
        demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    services = demo.local.services
    site_map = tmp_path / "sitemap-plus.toml"
    site_map.write_text(demo.park.site_map_path.read_text(encoding="utf-8")
                        + '\n"quiet.example" = [{pref = 10, host = "mx.quiet.example"}]\n',
                        encoding="utf-8")
    monkeypatch.setattr(services, "resolver", SiteMapResolver(site_map))
    answer = handle(services, "shaping set quiet.example max_message_rate=100/h --for 1h")
    assert isinstance(answer, ErrorAnswer), answer
    assert answer.message == "I see no egress path of quiet.example to override."
    assert answer.hint == "Name the egress source: `--source S`."
    decisions = [e for e in demo.storage.audit.recent(limit=200) if e.phase == "decision"]
    assert decisions == []  # refused before any request was kept
    assert services.writes is not None
    assert services.writes.records.active_overrides(services.clock.now()) == []


def test_a_node_that_does_not_answer_hides_no_source_the_others_report(demo: Demo) -> None:
    demo.park.knobs("mta2").down = True
    answer = handle(demo.local.services, COMMAND)
    assert isinstance(answer, GuardAnswer), answer
    assert "`ip-1`, `ip-2`, `ip-3`" in answer.action


def test_when_no_node_answers_it_says_so_rather_than_that_there_is_no_path(demo: Demo) -> None:
    for node in demo.park.node_urls:
        demo.park.knobs(node).down = True
    answer = handle(demo.local.services, COMMAND)
    assert isinstance(answer, ErrorAnswer), answer
    assert "No node answered, so I cannot find the egress paths of gmail.com" in answer.message
    assert "mta1" in (answer.hint or "")
