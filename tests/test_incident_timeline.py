"""Timeline lines built from plain records: TSA's per-source actions grouped, its rules
cut short; a requester's Confirm told apart from a second person's approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters.slack.views_incident import timeline_line
from bot.core.audit import Actor, AuditEvent
from bot.core.tsa_history import DiaryEntry
from bot.core.tsa_timeline import RULE_CHARS, short_rule, sources_text, tsa_lines
from bot.use_cases.incident_timeline import from_audit

T0 = datetime(2026, 11, 29, 9, 0, 12, tzinfo=UTC)
LONG_RULE = ("(Messages from \\d+\\.\\d+\\.\\d+\\.\\d+ temporarily deferred,All messages from "
             "\\d+\\.\\d+\\.\\d+\\.\\d+ will be permanently deferred,Server busy)")
SITE = "(mta5|mta6|mta7).am0.yahoodns.net"


def throttle(id_: int, source: str, *, option: str = "connection_limit", value: str = "1",
             at: datetime = T0, ended: bool = True) -> DiaryEntry:
    return DiaryEntry(id=id_, tsa="tsa", kind="throttle", rule=LONG_RULE, reason="r",
                      source=source, domain="yahoo.com", option=option, value=value,
                      first_seen=at, first_expires=at + timedelta(minutes=17),
                      expires=at + timedelta(minutes=17),
                      ended_at=at + timedelta(minutes=17) if ended else None,
                      end_reason="expired" if ended else None)


def suspend_path(id_: int, source: str) -> DiaryEntry:
    return DiaryEntry(id=id_, tsa="tsa", kind="suspend-path", rule="\\[TS?S04\\]", reason="r",
                      source=source, site=SITE, path=f"{source}->{SITE}@smtp_client",
                      first_seen=T0 + timedelta(seconds=20),
                      first_expires=T0 + timedelta(minutes=47),
                      expires=T0 + timedelta(minutes=47))


def test_one_line_per_action_lists_the_sources_and_cuts_the_rule() -> None:
    diary = [throttle(i, f"ip-{n}") for i, n in enumerate((3, 1, 10, 2), start=1)]
    diary += [throttle(10 + i, f"ip-{n}", option="max_message_rate", value="1/minute")
              for i, n in enumerate((1, 2), start=1)]
    diary += [suspend_path(20 + n, f"ip-{n}") for n in (1, 2, 3)]
    lines = tsa_lines(diary, until=T0 + timedelta(hours=1))
    texts = [line.text for line in lines]
    assert texts == [
        "TSA: throttle connection_limit=1 for yahoo.com from sources ip-1, ip-2, ip-3, ip-10 "
        "until 09:17 UTC, rule",
        "TSA: throttle max_message_rate=1/minute for yahoo.com from sources ip-1, ip-2 "
        "until 09:17 UTC, rule",
        f"TSA: suspend-path egress paths from ip-1, ip-2, ip-3 to {SITE} until 09:47 UTC, rule",
        "TSA: throttle connection_limit=1 for yahoo.com from sources ip-1, ip-2, ip-3, ip-10 "
        "ended, rule",
        "TSA: throttle max_message_rate=1/minute for yahoo.com from sources ip-1, ip-2 "
        "ended, rule",
    ]
    assert [line.outcome for line in lines] == ["started"] * 3 + ["expired"] * 2
    assert all(len(line.quoted or "") <= RULE_CHARS for line in lines)
    assert lines[0].quoted is not None and lines[0].quoted.endswith("…")
    assert lines[2].quoted == "\\[TS?S04\\]"  # short rules are kept whole
    assert lines[0].at == T0 and lines[0].correlation_id == "tsa-1-2-3-4"


def test_actions_in_different_minutes_or_unended_stay_apart() -> None:
    diary = [throttle(1, "ip-1"), throttle(2, "ip-2", at=T0 + timedelta(minutes=1)),
             throttle(3, "ip-3", ended=False)]
    lines = tsa_lines(diary, until=T0 + timedelta(hours=1))
    starts = [line.text for line in lines if line.outcome == "started"]
    assert starts[0].startswith("TSA: throttle connection_limit=1 for yahoo.com from sources "
                                "ip-1, ip-3 until")
    assert "from source ip-2 until" in starts[1]
    ends = [line.text for line in lines if line.outcome == "expired"]
    assert len(ends) == 2 and "from source ip-1 ended" in ends[0]
    # an end after the window is not on the timeline
    assert not [line for line in tsa_lines(diary, until=T0 + timedelta(minutes=5))
                if line.outcome == "expired"]


def test_one_actions_sources_seen_across_a_minute_boundary_are_one_line() -> None:
    # The watcher saw ip-1 at 09:00:59 and ip-2 at 09:01:02 (T0 is 09:00:12): the same action.
    early, late = T0 + timedelta(seconds=47), T0 + timedelta(seconds=50)
    first, second = throttle(1, "ip-1", at=early), throttle(2, "ip-2", at=late)
    second = second.model_copy(update={"refreshes": 3})
    starts = [line for line in tsa_lines([first, second], until=T0 + timedelta(hours=1))
              if line.outcome == "started"]
    assert [line.text for line in starts] == [
        "TSA: throttle connection_limit=1 for yahoo.com from sources ip-1, ip-2 "
        "until 09:17 UTC, refreshed up to 3 time(s), rule"]


def test_short_rule_and_sources_text() -> None:
    assert short_rule("a  b\nc") == "a b c"
    assert len(short_rule("x" * 500)) == RULE_CHARS
    assert sources_text([f"ip-{n}" for n in range(12, 0, -1)]) == (
        "ip-1, ip-2, ip-3, ip-4, ip-5, ip-6, ip-7, ip-8, ip-9, ip-10 and 2 more")


def test_the_slack_line_of_a_grouped_action_is_short_and_escaped() -> None:
    line = tsa_lines([throttle(1, "ip-1"), throttle(2, "ip-2")], until=T0)[0]
    shown = timeline_line(line)
    assert "from sources ip-1, ip-2" in shown and "\\d+" in shown
    assert len(shown) < 200 and "permanently" not in shown


def event(phase: str, actor: str, detail: str = "", outcome: str = "ok", **kw: Any
          ) -> AuditEvent:
    return AuditEvent(at=kw.pop("at", T0), actor=Actor(id=actor, name=actor.lower()),
                      transport="guard", command_text="bounce yahoo.com --reason x",
                      parsed={"verb": "bounce"}, action_class="dangerous", phase=phase,
                      outcome=outcome, detail=detail, correlation_id=kw.pop("cid", "r1"), **kw)


def test_a_confirm_is_the_requesters_and_an_approval_a_second_persons() -> None:
    confirmed = from_audit([
        event("decision", "U0ALICE", "confirm: "),
        event("approval", "U0ALICE", "confirmed by U0ALICE"),
        event("outcome", "U0ALICE", nodes=["mta1"]),
    ])
    approval = next(e for e in confirmed if e.kind == "approval")
    assert approval.text == "Confirmed by the requester" and approval.approver is None
    change = next(e for e in confirmed if e.kind == "change")
    assert change.actor == "U0ALICE" and change.approver is None

    signed = from_audit([
        event("decision", "U0ALICE", "sign-off: bounce", cid="r2"),
        event("approval", "U0BOB", "approved by U0BOB; override: receiver is fine", cid="r2"),
        event("outcome", "U0BOB", nodes=["mta1"], cid="r2"),  # run by the approver's press
    ])
    approval = next(e for e in signed if e.kind == "approval")
    assert approval.approver == "U0BOB" and "override reason: receiver is fine" in approval.text
    change = next(e for e in signed if e.kind == "change")
    assert change.actor == "U0ALICE" and change.approver == "U0BOB"  # requester kept

    denied = from_audit([event("approval", "U0BOB", "denied by U0BOB", outcome="refused")])
    assert denied[0].text == "Denied by U0BOB" and denied[0].approver is None  # case kept


def test_the_slack_line_of_a_change_says_ok_once_for_nodes_that_all_succeeded() -> None:
    change = next(e for e in from_audit([
        event("outcome", "U0ALICE", 'done: {"id":"818481e9"}', nodes=["mta2"]),
        event("outcome", "U0ALICE", 'done: {"id":"ba705eab"}', nodes=["mta1"]),
    ]) if e.kind == "change")
    assert timeline_line(change).endswith(" · mta1, mta2: ok")
    failed = change.model_copy(update={"nodes": {"mta1": "ok: done", "mta2": "error: timeout"}})
    assert timeline_line(failed).endswith(" · mta1: ok: done, mta2: error: timeout")
