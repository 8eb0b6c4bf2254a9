"""What ``/kumo help`` answers, built from the verb table in ``bot.core.catalog``.

``help_text`` returns plain data (a title and sections of lines); the views render it.
"""

from __future__ import annotations

from bot.core.catalog import CATALOG, GENERAL_USAGE, VerbSpec, unknown_verb, usage
from bot.core.guard import GUARD_TABLE
from bot.core.models import Model

__all__ = ["HelpSection", "HelpText", "help_text"]


class HelpSection(Model):
    """A heading and its lines (plain text, code in backticks)."""

    heading: str
    lines: tuple[str, ...]


class HelpText(Model):
    """What ``help`` answers; views render it, so it holds no Slack markup."""

    title: str
    sections: tuple[HelpSection, ...]


def _entry(spec: VerbSpec) -> str:
    return f"{usage(spec.name)}: {spec.summary}. Class: {spec.action_class}."


def help_text(topic: str | None) -> HelpText:
    """The verbs with their class (no topic), or one verb's usage, class and flags."""
    if topic is None:
        planned = tuple(_entry(spec) for spec in CATALOG.values() if not spec.available)
        return HelpText(title="kumo-bot commands", sections=(
            HelpSection(heading="Available now", lines=tuple(
                _entry(spec) for spec in CATALOG.values() if spec.available)),
            # Only while some designed verb is not shipped: no empty heading.
            *((HelpSection(heading="Designed, not in this version yet", lines=planned),)
              if planned else ()),
            HelpSection(heading="Good to know", lines=(
                f"Write {GENERAL_USAGE}; `/kumo help VERB` shows a verb's flags.",
                "Every verb accepts `--incident ID` to file the command under that incident.",
                'Quote words that belong together: `--reason "Yahoo TS03 deferrals"`.',
                "Durations: `90s`, `30m`, `2h`, `1h30m`, `2 hours` (at most 30 days).",
                "The guard: a change runs when its requester presses Confirm; a dangerous "
                "action needs another person listed in KUMO_APPROVERS:",
                *(f"• `{row.verb}` {row.condition}: {row.action_class}." for row in GUARD_TABLE),
            )),
        ))
    spec = CATALOG.get(topic.lower())
    if spec is None:
        raise unknown_verb(topic)
    about = [f"{spec.summary[0].upper()}{spec.summary[1:]}.", f"Class: {spec.action_class}."]
    if not spec.available:
        about.append("Designed but not available in this version yet.")
    flags = tuple(
        f"`{flag.display}`: {flag.help}" + (" (repeat for more)" if flag.repeatable else "")
        for flag in spec.all_flags
    )
    return HelpText(title=f"/kumo {spec.name}", sections=(
        HelpSection(heading="Usage", lines=tuple(f"`/kumo {form}`" for form in spec.usage)),
        HelpSection(heading="What it does", lines=tuple(about)),
        HelpSection(heading="Flags", lines=flags),
        *_guard_rows(spec.name),
    ))


def _guard_rows(verb: str) -> tuple[HelpSection, ...]:
    rows = [row for row in GUARD_TABLE if row.verb.split()[0] == verb]
    if not rows:
        return ()
    return (HelpSection(heading="The guard", lines=tuple(
        f"{row.condition}: {row.action_class}." for row in rows)),)
