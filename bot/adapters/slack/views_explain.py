"""Block Kit for ``explain`` and for the TSA origin lines of holds.

The reply being explained is untrusted text (a receiver wrote it, a person pasted
it): it goes through ``code``/``escape`` like every other string here, so
``<!channel>`` in a reply stays text.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import context as _context
from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.text import clip, code, escape
from bot.core.answers import AnswerBase
from bot.core.answers_explain import ExplainAnswer
from bot.core.classifier import Classification
from bot.core.explanation import Explanation
from bot.core.tsa_effects import RuleView
from bot.core.tsa_origin import TsaOrigin

Block = dict[str, Any]
MAX_RULES_SHOWN = 8
MAX_INERT_SHOWN = 4

_ICON = {
    "rate_limit_brake": "🐌", "reputation_block": "⛔", "auth_failure": "🔑",
    "invalid_recipient": "👻", "mailbox_full": "📥", "content_spam": "🗑️", "policy": "📜",
    "protocol": "🔌", "greylisting": "⏳", "transient_other": "☁️",
}


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def category_words(category: str) -> str:
    """``rate_limit_brake`` -> ``rate limit brake``."""
    return category.replace("_", " ")


def build_classification(c: Classification) -> list[Block]:
    """The reply, what it is, who sent it, and what to do and not do."""
    head = f"*Reply:* {code(clip(c.line, 1200))}"
    who = "no provider signature"
    if c.provider_label:
        who = f"from *{escape(c.provider_label)}* (signature {code(c.signature or '?')}"
        if c.shaping_providers:
            names = ", ".join(code(p) for p in c.shaping_providers)
            who += f"; shaping provider {names}"
        who += ")"
    facts = (f"{_ICON.get(c.category, '')} *{escape(category_words(c.category))}* · {who}\n"
             f"temporary in nature: *{_yes(c.temporary_in_nature)}* · "
             f"suppress the recipient: *{_yes(c.should_suppress_recipient)}*")
    if c.blocklists:
        facts += "\ncites: " + ", ".join(
            escape(b.name) + (f" (look it up: {escape(b.lookup)})" if b.lookup else "")
            for b in c.blocklists
        )
    advice = (f"{escape(c.meaning)}\n*Do:* {escape(c.do)}\n*Don't:* {escape(c.dont)}")
    blocks = [_section(head), _section(facts), _section(advice)]
    if c.notes:
        blocks.append(_section("\n".join(f":warning: {escape(n)}" for n in c.notes)))
    return blocks


def rule_lines(view: RuleView) -> str:
    """One rule: where it is, what found the reply, when it fires and what each action does."""
    lines = [f"*{escape(view.scope_text)}* rule {view.number} in {code(view.file)}: "
             f"regex {code(view.regex)}, fires {escape(view.fires)}"]
    for action in view.actions:
        mark = ":rotating_light: " if action.destructive else ""
        lines.append(f"      • {mark}{code(action.text)}: {escape(action.effect)}")
    return "\n".join(lines)


def build_rules(e: Explanation) -> list[Block]:
    """The TSA rules that fire, the near misses, and what is not loaded or cannot fire."""
    where = escape(e.domain) if e.domain else "any domain (default rules only)"
    if e.site:
        where += f" (site {code(e.site)})"
    files = ", ".join(code(f) for f in e.files) or "no shaping file"
    blocks: list[Block] = []
    if e.domain_note:
        blocks.append(_section(f":mag: {escape(e.domain_note)}"))
    if e.fired:
        head = f"*TSA rules that fire on it for {where}* ({len(e.fired)}, from {files}):"
        shown = [rule_lines(r) for r in e.fired[:MAX_RULES_SHOWN]]
        blocks.append(_section(head + "\n" + "\n".join(f"{i}. {t}" for i, t in
                                                      enumerate(shown, start=1))))
    else:
        blocks.append(_section(f"*No TSA rule fires on it for {where}* (rules from {files})."))
    if e.notes:
        blocks.append(_section("\n".join(f":warning: {escape(n)}" for n in e.notes)))
    if e.others:
        lines = [f"• {rule_lines(o.rule)}\n      _does not fire here: {escape(o.why)}_"
                 for o in e.others]
        blocks.append(_section("*Also matches the reply, but does not fire:*\n" + "\n".join(lines)))
    if e.inert:
        listed = "; ".join(escape(i) for i in e.inert[:MAX_INERT_SHOWN])
        more = f" (and {len(e.inert) - MAX_INERT_SHOWN} more)" if len(e.inert) > MAX_INERT_SHOWN \
            else ""
        blocks.append(_context(f"{len(e.inert)} rule(s) in the loaded files can never fire or "
                               f"cannot be evaluated: {listed}{more}"))
    return blocks


def build_explain(answer: ExplainAnswer) -> list[Block]:
    """The whole ``explain`` answer."""
    e = answer.explanation
    return [*build_classification(e.classification), {"type": "divider"}, *build_rules(e)]


def build_explain_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """Blocks and notification text for an explain answer; None for any other answer."""
    if not isinstance(answer, ExplainAnswer):
        return None
    c = answer.explanation.classification
    return build_explain(answer), f"Explained: {category_words(c.category)}"


def origin_lines(rule: str | None, origin: TsaOrigin) -> str:
    """The TSA lines of a hold: the rule regex, the shaping rule behind it, the cancel story."""
    return (f"\n      by TSA rule {code(rule or '?')}: {escape(origin.summary)}"
            f"\n      {escape(origin.on_cancel)}")
