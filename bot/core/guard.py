"""The guard: what a write may do, and who must agree first (DESIGN 3 and 5).

``judge`` takes a requested action and the situation on its scope now and decides:
``run`` (nothing to agree), ``confirm`` (a change: the requester presses Confirm),
``sign-off`` (dangerous: another person listed in ``KUMO_APPROVERS`` approves) or
``refuse`` (malformed or unbounded: the verdict says what to write instead).  Every
reason names the rule that fired and cites its evidence.

The evidence **fingerprint** is the class, the rules that fired and the keys of the
holds involved; counts and time left are not part of it.  At execution the guard
judges again, and a different fingerprint stops the run (a hold appeared or went).
The verb x condition -> class table is ``GUARD_TABLE``; ``/kumo help`` shows it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from bot.core.durations import format_duration
from bot.core.effective_shaping import Effective, time_left
from bot.core.guard_file import GuardRules
from bot.core.holds import Hold

Decision = Literal["run", "confirm", "sign-off", "refuse"]
ActionClass = Literal["read", "change", "dangerous"]


@dataclass(frozen=True)
class GuardRow:
    """One line of the verb x condition -> class table."""

    verb: str
    condition: str
    action_class: ActionClass


GUARD_TABLE: tuple[GuardRow, ...] = (
    GuardRow("suspend", "up to the guard file's `suspend_change_max` (4 h)", "change"),
    GuardRow("suspend", "longer than that", "dangerous"),
    GuardRow("suspend-path", "up to `suspend_change_max`; the path exists in metrics", "change"),
    GuardRow("suspend-path", "longer than that", "dangerous"),
    GuardRow("cancel", "a manual hold", "change"),
    GuardRow("cancel", "a hold TSA applied (TSA re-applies it)", "dangerous"),
    GuardRow("shaping set", "lowers the effective value (base, bot, then TSA)", "change"),
    GuardRow("shaping set", "raises it; against the evidence needs a typed override",
             "dangerous"),
    GuardRow("log-filter", "up to `log_filter_change_max` (60 min)", "change"),
    GuardRow("log-filter", "longer than that", "dangerous"),
    GuardRow("bounce", "with criteria; `--everything` needs two approvers", "dangerous"),
    GuardRow("rebind", "always; a path TSA holds fights the safety system", "dangerous"),
    GuardRow("xfer", "always; a path TSA holds fights the safety system", "dangerous"),
    GuardRow("any change", "the third on one scope within `same_scope_window` (15 min)",
             "dangerous"),
)
"""DESIGN 3's classes, with the conditions the guard checks, in one place."""

BLOCKING_CATEGORIES = frozenset({"rate_limit_brake", "reputation_block"})
_WRITE_VERBS = frozenset({"suspend", "suspend-path", "cancel", "shaping", "log-filter",
                          "bounce", "rebind", "xfer"})


@dataclass(frozen=True)
class Reason:
    """Why the guard decided as it did: the rule's id, a sentence, and its evidence."""

    rule: str
    text: str
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplyEvidence:
    """Receivers' replies on the scope (never KumoMTA's internal ones), by category."""

    category: str
    count: int
    sample: str


@dataclass(frozen=True)
class Situation:
    """What is true on the action's scope now; the services gather it, the guard reads it."""

    now: datetime
    holds: tuple[Hold, ...] = ()
    replies: tuple[ReplyEvidence, ...] = ()
    recent_changes: int = 0
    effective: Effective | None = None
    target_hold: Hold | None = None  # for `cancel`
    override_sources: tuple[str, ...] = ()  # for `shaping set`: the sources it would cover


@dataclass(frozen=True)
class Verdict:
    """The guard's decision on one request."""

    decision: Decision
    action_class: ActionClass
    reasons: tuple[Reason, ...]
    fingerprint: str
    instead: str | None = None
    approvers_needed: int = 0
    override_reason_required: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def rules(self) -> tuple[str, ...]:
        """The ids of the rules that fired."""
        return tuple(r.rule for r in self.reasons)


def fingerprint(action_class: str, rules: Sequence[str], hold_ids: Sequence[str]) -> str:
    """A short hash of the class, the rules fired and the holds involved (not counts, not time)."""
    blob = "|".join([action_class, ",".join(sorted(set(rules))), ",".join(sorted(set(hold_ids)))])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _refuse(rule: str, text: str, instead: str) -> Verdict:
    return Verdict("refuse", "dangerous", (Reason(rule, text),), fingerprint("refuse", [rule], []),
                   instead=instead)


def _tsa_holds(situation: Situation) -> list[Hold]:
    return [h for h in situation.holds if h.origin == "tsa"]


def _hold_line(hold: Hold, now: datetime) -> str:
    left = hold.remaining if hold.remaining is not None else (
        hold.expires - now if hold.expires else None)
    when = f", {format_duration(left)} left" if left is not None else ""
    rule = f" (rule {hold.rule})" if hold.rule else ""
    return f"`{hold.hold_id}` {hold.origin} {hold.kind} {hold.criteria_text}{rule}{when}"


def _blocking_replies(situation: Situation) -> list[ReplyEvidence]:
    return [r for r in situation.replies if r.category in BLOCKING_CATEGORIES and r.count > 0]


def _reply_line(reply: ReplyEvidence) -> str:
    return f"{reply.count} × {reply.category.replace('_', ' ')}: {reply.sample[:200]}"


def judge(verb: str, args: Mapping[str, object], situation: Situation,
          rules: GuardRules) -> Verdict:
    """Decide ``run`` / ``confirm`` / ``sign-off`` / ``refuse`` for one write request."""
    if verb not in _WRITE_VERBS:
        return Verdict("run", "read", (), fingerprint("read", [], []))
    refusal = _malformed(verb, args, rules)
    if refusal is not None:
        return refusal
    reasons: list[Reason] = []
    warnings: list[str] = []
    dangerous = verb in ("bounce", "rebind", "xfer")
    approvers = 1
    override = False
    involved = [h.hold_id for h in situation.holds]
    duration = args.get("duration")
    if verb in ("suspend", "suspend-path") and isinstance(duration, timedelta) \
            and duration > rules.suspend_change_max:
        dangerous = True
        reasons.append(Reason("long-suspension", f"A suspension of {format_duration(duration)}"
                              f" is longer than {format_duration(rules.suspend_change_max)}."))
    if verb == "log-filter" and isinstance(duration, timedelta) \
            and duration > rules.log_filter_change_max:
        dangerous = True
        reasons.append(Reason("long-log-filter", f"A diagnostic log filter for "
                              f"{format_duration(duration)} outlasts "
                              f"{format_duration(rules.log_filter_change_max)}: chatty filters "
                              "fill disks."))
    if verb == "cancel" and situation.target_hold is not None:
        hold = situation.target_hold
        involved.append(hold.hold_id)
        if hold.origin == "tsa":
            dangerous = True
            reasons.append(Reason(
                "cancel-tsa-hold",
                "TSA applied this hold; TSA re-applies it when it reconnects and on the next "
                "matching reply, so cancelling it fights the automation.",
                (_hold_line(hold, situation.now),)))
    if verb == "shaping":
        d, o, w = _judge_shaping(args, situation, reasons)
        dangerous, override = dangerous or d, o
        warnings.extend(w)
    if verb == "bounce":
        if args.get("everything"):
            approvers = 2
            reasons.append(Reason("bounce-everything", "`--everything` bounces every queue on "
                                  "every node; it needs two approvers."))
        blocked = _blocking_replies(situation)
        reasons.append(Reason("bounce", "A bounce destroys mail and cannot be undone."))
        if blocked:
            warnings.append("Recent failures are blocks or brakes, not dead addresses: "
                            "bouncing this mail poisons the suppression list.")
            reasons.append(Reason("bounce-blocked-mail", "Recent failures here are blocks or "
                                  "brakes rather than dead addresses.",
                                  tuple(_reply_line(r) for r in blocked)))
    if verb in ("rebind", "xfer"):
        reasons.append(Reason(verb, f"`{verb}` moves queued mail; it is always signed off."))
        tsa = _tsa_holds(situation)
        if tsa:
            reasons.append(Reason("fights-tsa", f"TSA holds this path on purpose: `{verb}` "
                                  "fights the safety system.",
                                  tuple(_hold_line(h, situation.now) for h in tsa)))
    if situation.recent_changes >= rules.same_scope_changes:
        dangerous = True
        reasons.append(Reason("third-change", f"This would be change number "
                              f"{situation.recent_changes + 1} on this scope within "
                              f"{format_duration(rules.same_scope_window)}: one change at a "
                              "time, or cause and effect become unknowable."))
    action_class: ActionClass = "dangerous" if dangerous else "change"
    return Verdict(
        "sign-off" if dangerous else "confirm", action_class, tuple(reasons),
        fingerprint(action_class, [r.rule for r in reasons], involved),
        approvers_needed=approvers if dangerous else 0,
        override_reason_required=override, warnings=tuple(warnings),
    )


def _judge_shaping(args: Mapping[str, object], situation: Situation,
                   reasons: list[Reason]) -> tuple[bool, bool, list[str]]:
    effective = situation.effective
    setting = args.get("setting")
    if effective is None or not isinstance(setting, tuple):
        return False, False, []
    _, value = setting
    shown = effective.value
    now_text = f"{shown.value} ({shown.origin})" if shown else "kumod's built-in default"
    if effective.compare(value) <= 0:
        reasons.append(Reason("lower-limit", f"{effective.key}={value} does not raise the "
                              f"effective value {now_text}."))
        return False, False, []
    reasons.append(Reason("raise-limit", f"{effective.key}={value} raises the effective "
                          f"value {now_text}.", ()))
    warnings: list[str] = []
    tsa = effective.tsa
    if tsa is not None:
        left = time_left(tsa, situation.now)
        until = f" for {format_duration(left)} more" if left else ""
        warnings.append(f"TSA's throttle {effective.key}={tsa.value} outranks this override"
                        f"{until}: the raise has no effect until it ends.")
    against = [_reply_line(r) for r in _blocking_replies(situation)]
    against += [_hold_line(h, situation.now) for h in _tsa_holds(situation)]
    if tsa is not None:
        against.append(f"TSA override {effective.key}={tsa.value}")
    if against:
        reasons.insert(0, Reason("against-evidence", "Raising a limit while the receiver "
                                 "brakes or TSA holds the path is the wrong reflex: it makes "
                                 "the brake longer, not the queue shorter.", tuple(against)))
    return True, bool(against), warnings


def _malformed(verb: str, args: Mapping[str, object], rules: GuardRules) -> Verdict | None:
    duration = args.get("duration")
    if verb in ("suspend", "suspend-path", "shaping", "log-filter"):
        if not isinstance(duration, timedelta):
            return _refuse("unbounded", f"`{verb}` without `--for` would never end by itself.",
                           f"Add how long it lasts, e.g. `--for 30m` (at most "
                           f"{format_duration(rules.hold_max)}).")
        if duration > rules.hold_max:
            return _refuse("unbounded", f"`--for {format_duration(duration)}` is longer than "
                           f"the guard's limit of {format_duration(rules.hold_max)}.",
                           f"Use `--for {format_duration(rules.hold_max)}` or less, and "
                           "extend it later if you must.")
    needs_reason = ("suspend", "suspend-path", "bounce", "rebind", "xfer")
    if verb in needs_reason and not str(args.get("reason") or "").strip():
        return _refuse("no-reason", f"`{verb}` needs a reason: it is shown in kumod and "
                       "the audit log.", 'Add `--reason "why"`.')
    if verb == "rebind" and not args.get("settings"):
        return _refuse("rebind-nothing", "`rebind` without `--set` would change nothing.",
                       "Say what to set, e.g. `--set queue=other.example`.")
    if verb == "xfer" and not str(args.get("target") or "").startswith(("http://", "https://")):
        return _refuse("xfer-no-target", "`xfer` needs the node that takes the mail.",
                       "Add `--target http://HOST:PORT` (the target kumod's HTTP listener).")
    if verb == "bounce":
        criteria = any(args.get(k) for k in ("domain", "tenant", "campaign", "queues"))
        if not criteria and not args.get("everything"):
            return _refuse("bounce-no-criteria", "A bounce with no criteria would destroy "
                           "every queued message on every node.",
                           "Name what to bounce: `/kumo bounce DOMAIN [--tenant T] "
                           "[--campaign C] --reason R` or `/kumo bounce --queue Q --reason R`; "
                           "to really bounce everything, `/kumo bounce --everything "
                           "--reason R` (two approvers).")
        if criteria and args.get("everything"):
            return _refuse("bounce-mixed", "`--everything` and criteria contradict each other.",
                           "Give either criteria or `--everything`, not both.")
    return None
