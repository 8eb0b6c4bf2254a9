"""`log` and `responses` end to end: the simulated yahoo-tss04 park's real log segments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.clock import FollowingClock
from bot.bootstrap import build_services
from bot.bootstrap_demo import demo_settings
from bot.core.answers import ErrorAnswer
from bot.core.answers_logs import LogAnswer, ResponsesAnswer
from bot.core.audit import Actor
from bot.services import RequestContext, ServiceConfig, Services
from bot.simulator import SimClock, SimulatedPark
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock

CTX = RequestContext(actor=Actor(id="U0ALICE", name="alice"), transport="terminal")
START = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def yahoo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    park = SimulatedPark.start("yahoo-tss04", clock=SimClock(start=START, scale=0))
    settings = demo_settings(park, tmp_path_factory.mktemp("work"))
    yield build_services(settings, clock=FollowingClock(park.clock.now), audit=InMemoryAuditLog())
    park.stop()


def ask(services: Services, text: str) -> object:
    return services.handle(text, CTX)


def test_log_shows_the_five_newest_tss04_deferrals_and_not_kumomtas_own(yahoo: Services) -> None:
    answer = ask(yahoo, "log yahoo.com --type deferral --limit 5")
    assert isinstance(answer, LogAnswer)
    assert len(answer.records) == 5
    for entry in answer.records:
        assert (entry.type, entry.code, entry.enhanced) == ("TransientFailure", 421, "4.7.0")
        assert entry.text.startswith("[TSS04] Messages from 203.0.113.")
        assert not entry.internal and entry.source in {"ip-1", "ip-2", "ip-3"}
    times = [e.at for e in answer.records]
    assert times == sorted(times, reverse=True)  # type: ignore[type-var]
    assert answer.report.internal > 0  # KumoMTA's 451s: counted, left out
    assert answer.asked == ["mta1", "mta2", "mta3"] and answer.failures == []


def test_log_internal_shows_kumomtas_own_451s(yahoo: Services) -> None:
    answer = ask(yahoo, "log yahoo.com --type deferral --limit 3 --internal")
    assert isinstance(answer, LogAnswer)
    assert [e.internal for e in answer.records] == [True, True, True]
    assert all(e.text.startswith("KumoMTA internal: no sources for") for e in answer.records)
    more = ask(yahoo, "log yahoo.com --internal --limit 60")
    assert isinstance(more, LogAnswer)
    # queue names in kumod's own text are not people: redaction leaves them alone
    assert any("for acme@yahoo.com pool" in e.text for e in more.records)


def test_responses_lead_with_the_first_digit_and_group_the_tss04_texts(yahoo: Services) -> None:
    answer = ask(yahoo, "responses yahoo.com")
    assert isinstance(answer, ResponsesAnswer)
    summary = answer.summary
    assert (summary.deferrals, summary.bounces) == (90, 0)  # 10 per path, 3 paths, 3 nodes
    assert summary.internal > 0 and summary.internal_groups == []
    (group,) = summary.groups
    assert group.text == ("[TSS04] Messages from <ip> temporarily deferred due to unexpected "
                          "volume or user complaints")
    assert (group.count, group.code, group.enhanced) == (90, 421, "4.7.0")
    assert group.sources == ["ip-1", "ip-2", "ip-3"] and group.nodes == ["mta1", "mta2", "mta3"]
    assert group.sites == ["(mta5|mta6|mta7).am0.yahoodns.net"]
    assert answer.since_is_default


def test_responses_internal_groups_kumomtas_own_texts(yahoo: Services) -> None:
    answer = ask(yahoo, "responses yahoo.com --internal --since 3h")
    assert isinstance(answer, ResponsesAnswer)
    assert {g.text.split(" for ")[0] for g in answer.summary.internal_groups} == {
        "KumoMTA internal: no sources"}


def test_a_short_window_sees_none_of_the_tss04_minute(yahoo: Services) -> None:
    answer = ask(yahoo, "responses yahoo.com --since 30m")
    assert isinstance(answer, ResponsesAnswer)
    assert answer.summary.deferrals == 0 and answer.report.segments_skipped > 0


def test_log_on_one_node_reads_only_that_node(yahoo: Services) -> None:
    answer = ask(yahoo, "log gmail.com --node mta2 --limit 4")
    assert isinstance(answer, LogAnswer)
    assert {e.node for e in answer.records} == {"mta2"} and len(answer.records) == 4
    assert answer.asked == ["mta2"] and answer.filters == "node mta2"


def test_site_widens_the_scope_and_says_so(yahoo: Services) -> None:
    answer = ask(yahoo, "log yahoo.com --site --limit 2")
    assert isinstance(answer, LogAnswer)
    assert "every recipient domain on yahoo.com's site" in answer.scope_sentence
    assert all(e.domains == ["yahoo.com"] for e in answer.records)


@pytest.mark.parametrize(("text", "message"), [
    ("log yahoo.com --type bouncy", "`--type bouncy` is not a log record type. Did you mean"),
    ("log yahoo.com --node mta9", "There is no node called 'mta9'."),
    ("responses", "`responses` needs DOMAIN."),
    ("log yahoo.com --limit 0", "--limit"),
    ("responses nowhere.example", "nowhere.example"),
])
def test_bad_requests_get_a_clear_error_and_nothing_is_read(yahoo: Services, text: str,
                                                            message: str) -> None:
    answer = ask(yahoo, text)
    assert isinstance(answer, ErrorAnswer)
    assert message in answer.message


def test_without_log_dirs_the_answer_says_which_setting_to_set() -> None:
    services = Services(park=FakePark([FakeMta("mta1")]),
                        resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
                        audit=InMemoryAuditLog(), clock=FixedClock(),
                        config=ServiceConfig(log_dirs={}))
    answer = services.handle("log yahoo.com", CTX)
    assert isinstance(answer, ErrorAnswer) and answer.error_type == "ConfigError"
    assert "KUMO_LOG_DIRS" in (answer.hint or "")


def test_a_node_without_logs_is_named_and_the_others_answer(tmp_path: Path) -> None:
    from bot.adapters.logs import ZstdLogReader
    from tests.logs.logfiles import at, record, write_segment

    write_segment(tmp_path / "mta1", at(0), [record(at(1))])
    services = Services(park=FakePark([FakeMta("mta1"), FakeMta("mta2"), FakeMta("mta3")]),
                        resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
                        audit=InMemoryAuditLog(), clock=FixedClock(),
                        config=ServiceConfig(log_dirs={}),
                        logs=ZstdLogReader({"mta1": [tmp_path / "mta1"],
                                            "mta2": [tmp_path / "missing"]}))
    answer = services.handle("log yahoo.com", CTX)
    assert isinstance(answer, LogAnswer) and len(answer.records) == 1
    assert {f.node: f.kind for f in answer.failures} == {"mta3": "no-logs", "mta2": "unreadable"}
    assert services.audit.recent()[0].outcome == "partial"


def test_site_takes_in_every_domain_the_resolver_puts_on_the_same_site(tmp_path: Path) -> None:
    from bot.adapters.logs import ZstdLogReader
    from tests.logs.logfiles import at, record, write_segment

    write_segment(tmp_path, at(0), [record(at(1), recipient="a@ymail.com"),
                                    record(at(2), recipient="b@gmail.com"),
                                    record(at(3), recipient="c@unknown.example"),
                                    record(at(4), recipient="d@yahoo.com")])
    services = Services(park=FakePark([FakeMta("mta1")]),
                        resolver=FakeResolver({"yahoo.com": YAHOO_MX, "ymail.com": YAHOO_MX,
                                               "gmail.com": []}),
                        audit=InMemoryAuditLog(), clock=FixedClock(),
                        config=ServiceConfig(log_dirs={}),
                        logs=ZstdLogReader({"mta1": [tmp_path]}))
    narrow = services.handle("log yahoo.com", CTX)
    wide = services.handle("log yahoo.com --site", CTX)
    responses = services.handle("responses yahoo.com --site --since 3h", CTX)
    assert isinstance(narrow, LogAnswer) and isinstance(wide, LogAnswer)
    assert [e.domains for e in narrow.records] == [["yahoo.com"]]
    assert [e.domains for e in wide.records] == [["yahoo.com"], ["ymail.com"]]
    assert isinstance(responses, ResponsesAnswer) and responses.summary.deferrals == 2
