"""Sign-off rules: who may agree to a guarded write, and when (DESIGN 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.authorization import Authorization, PendingAction, agree, args_digest
from bot.core.errors import GuardRefused

NOW = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)
APPROVERS = frozenset({"U0BOB", "U0CAROL"})


def pending(*, decision: str = "sign-off", needed: int = 1, **changes: object) -> PendingAction:
    args = {"verb": "bounce", "domain": "yahoo.com", "reason": "x"}
    base = PendingAction(
        request_id="r1", verb="bounce", args=args, digest=args_digest("bounce", args),
        command_text="bounce yahoo.com --reason x", requester="U0ALICE",
        decision=decision,  # type: ignore[arg-type]  # the two literals, as a test parameter
        action_class="dangerous", fingerprint="f", approvals_needed=needed, created=NOW,
        expires=NOW + timedelta(minutes=15))
    return base.model_copy(update=changes)


def test_another_listed_person_approving_authorizes_the_exact_request() -> None:
    agreed = agree(pending(), by="U0BOB", approvers=APPROVERS, now=NOW)
    assert agreed.authorization is not None
    assert agreed.authorization.agreed_by == ("U0BOB",)
    assert agreed.authorization.digest == pending().digest


def test_the_guard_refuses_self_approval() -> None:
    with pytest.raises(GuardRefused, match="your own request"):
        agree(pending(), by="U0ALICE", approvers=APPROVERS | {"U0ALICE"}, now=NOW)


def test_an_approver_not_listed_is_refused() -> None:
    with pytest.raises(GuardRefused, match="not listed in KUMO_APPROVERS"):
        agree(pending(), by="U0MALLORY", approvers=APPROVERS, now=NOW)


def test_an_expired_request_cannot_be_approved() -> None:
    with pytest.raises(GuardRefused, match="expired"):
        agree(pending(), by="U0BOB", approvers=APPROVERS, now=NOW + timedelta(minutes=15))


def test_an_approval_is_bound_to_the_exact_arguments() -> None:
    tampered = pending(args={"verb": "bounce", "everything": True, "reason": "x"})
    with pytest.raises(GuardRefused, match="arguments changed"):
        agree(tampered, by="U0BOB", approvers=APPROVERS, now=NOW)


def test_bouncing_everything_needs_two_different_approvers() -> None:
    first = agree(pending(needed=2), by="U0BOB", approvers=APPROVERS, now=NOW)
    assert first.authorization is None
    with pytest.raises(GuardRefused, match="already approved"):
        agree(pending(needed=2, approvals=first.approvals), by="U0BOB", approvers=APPROVERS,
              now=NOW)
    second = agree(pending(needed=2, approvals=first.approvals), by="U0CAROL",
                   approvers=APPROVERS, now=NOW)
    assert second.authorization is not None and second.authorization.agreed_by == (
        "U0BOB", "U0CAROL")


def test_a_change_is_confirmed_by_its_requester_only() -> None:
    change = pending(decision="confirm", needed=0)
    assert agree(change, by="U0ALICE", approvers=(), now=NOW).authorization is not None
    with pytest.raises(GuardRefused, match="Only the person who asked"):
        agree(change, by="U0BOB", approvers=APPROVERS, now=NOW)


def test_against_the_evidence_approving_needs_a_typed_override_reason() -> None:
    against = pending(override_required=True)
    with pytest.raises(GuardRefused, match="override"):
        agree(against, by="U0BOB", approvers=APPROVERS, now=NOW)
    agreed = agree(against, by="U0BOB", approvers=APPROVERS, now=NOW,
                   override_reason="Yahoo postmaster lifted the limit")
    assert agreed.authorization is not None


def test_a_request_no_longer_pending_cannot_be_agreed_to() -> None:
    with pytest.raises(GuardRefused, match="already done"):
        agree(pending(status="done"), by="U0BOB", approvers=APPROVERS, now=NOW)


def test_an_authorization_cannot_be_made_by_hand() -> None:
    with pytest.raises(GuardRefused):
        Authorization("r1", "bounce", "d", "U0ALICE", ("U0BOB",))
