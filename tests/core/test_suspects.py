"""Replies that point at a standing suspect: a blocklist, or authentication."""

from __future__ import annotations

from bot.core.diagnosis_model import ExplainedGroup
from bot.core.explanation import Explanation
from bot.core.logtally import ResponseGroup
from bot.core.suspects import suspects_in


def _group(text: str, enhanced: str = "5.7.1", *, internal: bool = False) -> ExplainedGroup:
    return ExplainedGroup.model_construct(
        group=ResponseGroup(code=550, enhanced=enhanced, text=text, internal=internal, count=3),
        recent=0, explanation=Explanation.model_construct())


def test_a_spamhaus_block_points_at_the_blocklists() -> None:
    found = suspects_in([_group("Client host [<ip>] blocked using Spamhaus"),
                         _group("User unknown", "5.1.1")])
    assert [g.group.text for g in found.blocklist] == ["Client host [<ip>] blocked using Spamhaus"]
    assert found.auth == ()


def test_5_7_26_and_dmarc_wording_point_at_authentication() -> None:
    found = suspects_in([_group("Unauthenticated email is not accepted", "5.7.26"),
                         _group("rejected by DMARC policy", "5.7.1")])
    assert len(found.auth) == 2 and found.blocklist == ()


def test_kumomtas_own_replies_never_count() -> None:
    found = suspects_in([_group("KumoMTA internal: blocklist", internal=True)])
    assert found.blocklist == () and found.auth == ()
