"""Which incident ``postmortem`` renders, against the ``IncidentStore`` contract."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.answers_postmortem import PostmortemAnswer, RenderedFile
from bot.core.errors import NotFound, UserInputError
from bot.use_cases.postmortem import find_incident
from tests.incident_fakes import InMemoryIncidentStore
from tests.postmortem.docs import OPEN, incident


def store_with_two_in_one_channel() -> InMemoryIncidentStore:
    store = InMemoryIncidentStore()
    store.create(incident(id="", status="open", resolved_by=None, resolved_at=None))
    store.resolve("INC-20261129-1", by="U0BOB", at=OPEN + timedelta(hours=1))
    store.create(incident(id="", title="Again", status="open", resolved_by=None,
                          resolved_at=None, opened_at=OPEN + timedelta(hours=2)))
    store.resolve("INC-20261129-2", by="U0BOB", at=OPEN + timedelta(hours=3))
    return store


def test_an_id_is_found_in_any_case() -> None:
    store = store_with_two_in_one_channel()
    assert find_incident(store, "inc-20261129-1", None).id == "INC-20261129-1"


def test_without_an_id_the_channels_newest_incident_even_resolved() -> None:
    store = store_with_two_in_one_channel()
    assert find_incident(store, None, "C0INCIDENT").title == "Again"


def test_an_unknown_id_or_a_channel_without_incident_is_a_clear_error() -> None:
    store = store_with_two_in_one_channel()
    with pytest.raises(NotFound, match="There is no incident `INC-1`"):
        find_incident(store, "INC-1", "C0INCIDENT")
    with pytest.raises(UserInputError, match="No incident lives in this channel"):
        find_incident(store, None, "C0ELSEWHERE")
    with pytest.raises(UserInputError):
        find_incident(store, None, None)


def test_ask_json_shows_the_files_by_name_and_size_not_their_bytes() -> None:
    answer = PostmortemAnswer(
        command="postmortem INC-1", generated_at=OPEN, incident_id="INC-1", title="t",
        status="resolved", files=[RenderedFile(name="p.png", media_type="image/png",
                                               title="chart", content=b"\x89PNG\xff\x00")])
    dumped = answer.model_dump_json()
    assert '"name":"p.png"' in dumped and '"size":6' in dumped and "content" not in dumped
