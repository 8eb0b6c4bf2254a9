"""Playbook runs in SQL: every transition a compare-and-set, one winner per step (both DBs)."""

from __future__ import annotations

import threading
from pathlib import Path

from bot.adapters.storage import Storage
from bot.adapters.storage.engine import make_engine
from bot.adapters.storage.playbook_runs_sql import SqlPlaybookRuns
from bot.core import playbook_engine as engine
from bot.core.playbook_engine import RunState
from bot.core.playbook_spec import Playbook, parse_playbook

from .databases import T0

DRILL = Path(__file__).resolve().parents[1] / "data" / "playbooks" / "drill.toml"


def book() -> Playbook:
    return parse_playbook(DRILL.read_text(), source="drill.toml", stem="drill")


def new_run(run_id: str = "run-1", *, channel: str = "C0INCIDENT",
            incident: str | None = None) -> RunState:
    return engine.start(book(), run_id=run_id, domain="yahoo.com", incident=incident,
                        channel=channel, by="U0ALICE", at=T0).state


def checked(state: RunState) -> RunState:
    return engine.apply(book(), state, engine.CheckDone(
        step=state.step, version=state.version, by=engine.BOT, at=T0, result="ok")).state


def test_a_run_is_kept_and_read_back_whole(storage: Storage) -> None:
    runs = SqlPlaybookRuns(storage.engine)
    state = new_run().model_copy(update={"parent_ts": "1700000000.000100"})
    runs.add(state)
    assert runs.get("run-1") == state
    assert runs.get("run-2") is None


def test_a_transition_is_saved_only_over_the_version_it_was_computed_from(
        storage: Storage) -> None:
    runs = SqlPlaybookRuns(storage.engine)
    first = new_run()
    runs.add(first)
    moved = checked(first)
    assert runs.save(moved)
    assert not runs.save(moved)  # the same transition again: version 1 is gone
    stored = runs.get("run-1")
    assert stored is not None and stored.version == 2 and stored.step == "why"


def click(runs: SqlPlaybookRuns, run_id: str, who: str, start: threading.Barrier,
          won: list[tuple[str, bool]]) -> None:
    """One replica reads the run, computes the step's transition, and saves it."""
    seen = runs.get(run_id)
    assert seen is not None
    moved = engine.apply(book(), seen, engine.CheckDone(
        step=seen.step, version=seen.version, by=who, at=T0, result=who))
    start.wait()  # both have read version 1 before either saves
    won.append((who, runs.save(moved.state)))


def test_two_replicas_applying_one_step_at_once_leave_exactly_one_winner(
        storage: Storage, database_url: str) -> None:
    # Two replicas, each its own engine (its own connections), on one database.
    replicas = [SqlPlaybookRuns(storage.engine), SqlPlaybookRuns(make_engine(database_url))]
    for round_ in range(10):
        run_id = f"race-{round_}"
        replicas[0].add(new_run(run_id))
        start = threading.Barrier(2)
        won: list[tuple[str, bool]] = []
        threads = [threading.Thread(target=click, args=(r, run_id, f"replica{i}", start, won))
                   for i, r in enumerate(replicas)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(w for _, w in won) == [False, True]
        winner = next(who for who, w in won if w)
        stored = replicas[1].get(run_id)
        assert stored is not None and stored.version == 2
        assert [h.result for h in stored.history] == [winner]  # the winner's step, once


def test_open_runs_leave_out_ended_runs_and_filter_by_channel(storage: Storage) -> None:
    runs = SqlPlaybookRuns(storage.engine)
    runs.add(new_run("run-a"))
    runs.add(new_run("run-b", channel="C0OTHER"))
    ended = new_run("run-c").model_copy(update={"status": "ended"})
    runs.add(ended)
    assert {r.run_id for r in runs.open_runs()} == {"run-a", "run-b"}
    assert [r.run_id for r in runs.open_runs(channel="C0OTHER")] == ["run-b"]


def test_runs_filed_under_an_incident_are_listed_for_it(storage: Storage) -> None:
    runs = SqlPlaybookRuns(storage.engine)
    runs.add(new_run("run-a", incident="INC-20261129-1"))
    runs.add(new_run("run-b"))
    (line,) = runs.runs_for_incident("INC-20261129-1")
    assert (line.run_id, line.playbook, line.state, line.started_by) == \
        ("run-a", "drill", "active", "U0ALICE")
    assert line.step == "holds (stabilize)"


def test_a_new_parent_message_is_kept_without_a_new_version(storage: Storage) -> None:
    runs = SqlPlaybookRuns(storage.engine)
    first = new_run()
    runs.add(first)
    assert runs.rethread(first.model_copy(update={"parent_ts": "2.0", "card_ts": "2.0"}))
    stored = runs.get("run-1")
    assert stored is not None and (stored.parent_ts, stored.version) == ("2.0", 1)
    runs.save(checked(first))
    assert not runs.rethread(first.model_copy(update={"parent_ts": "3.0"}))  # moved on
