"""One reply explained: its classification plus the TSA rules that fire on it.

``explain_response`` is pure: the caller classifies the reply, looks the domain up
(through the resolver port) and loads the automation; this module puts the pieces
together, including what an operator would miss: the domain it had to assume, a
lookup that failed (kumod ignores provider MX rules and rolled-up blocks then), rules
that match but can never fire, and replies the loaded rules do not catch at all
(REFERENCE 5.7 "Gap": a bracketed IP defeats the default file's Microsoft regex).
``diagnose`` calls the same function for the replies it finds in the logs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from bot.core.automation import Automation, InertRule, RuleHit
from bot.core.classifier import Classification
from bot.core.models import Model
from bot.core.responses import ResponseLine
from bot.core.tsa_effects import RecordContext, RuleView, describe_hit, describe_rule

DomainHow = Literal["given", "inferred", "none"]
# Categories whose replies TSA exists to act on: a reply of these that no rule catches
# leaves the engine sending at full pace into a wall.
_TSA_WORTHY = frozenset({"rate_limit_brake", "reputation_block"})
_BRACKETED_IP = re.compile(r"\[(\d{1,3}(?:\.\d{1,3}){3})\]")
MAX_OTHER_HITS = 5


class DomainLookup(Model):
    """The domain's MX as the resolver saw it: hosts and site, or why it failed."""

    domain: str
    hosts: tuple[str, ...] | None = None
    site: str | None = None
    problem: str | None = None


class OtherHit(Model):
    """A rule whose regex finds the reply but that does not fire for this domain, and why."""

    rule: RuleView
    why: str


class Explanation(Model):
    """What a reply means and what the automation will do about it."""

    classification: Classification
    domain: str | None = None
    domain_how: DomainHow = "none"
    domain_note: str | None = None
    site: str | None = None
    shaping_providers: list[str] = Field(default_factory=list)
    fired: list[RuleView] = Field(default_factory=list)
    others: list[OtherHit] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)
    inert: list[str] = Field(default_factory=list)
    """Rules in the loaded files that can never fire, as ``label: why``."""


def explain_response(
    line: ResponseLine,
    classification: Classification,
    automation: Automation,
    *,
    lookup: DomainLookup | None,
    domain_how: DomainHow,
    context: RecordContext | None = None,
) -> Explanation:
    """Put the classification and the firing rules together, with the notes that matter."""
    notes: list[str] = []
    domain = lookup.domain if lookup else None
    domain_note = _domain_note(classification, domain, domain_how)
    inert = automation.inert_rules()
    fired: list[RuleView] = []
    hits: list[RuleHit] = []
    providers: list[str] = []
    site: str | None = None
    if lookup is not None:
        site = context.site if context and context.site else lookup.site
        ctx = (context or RecordContext(domain=lookup.domain)).model_copy(
            update={"domain": lookup.domain, "site": site})
        hosts = list(lookup.hosts) if lookup.hosts is not None else None
        providers = automation.providers_for(lookup.domain, hosts)
        hits = automation.match(line, domain=lookup.domain, site=site, hosts=hosts)
        fired = [describe_hit(h, ctx) for h in hits]
        notes += _lookup_notes(automation, lookup)
    else:
        ctx = RecordContext(domain="the domain")
        hits = [h for h in automation.regex_hits(line) if h.scoped.scope == "default"]
        fired = [describe_hit(h, ctx) for h in hits]
        notes.append("No domain given or recognisable: only `default` rules are shown. "
                     "Give `--domain D` for the provider, site and domain rules.")
    others = _others(automation, line, hits, inert, ctx)
    if line.is_internal and not fired:
        notes.append("TSA ignores KumoMTA's own replies unless a rule sets match_internal.")
    elif not fired and classification.category in _TSA_WORTHY:
        notes.append(_not_caught(automation, line, lookup, ctx))
    return Explanation(
        classification=classification,
        domain=domain,
        domain_how=domain_how if domain else "none",
        domain_note=domain_note,
        site=site,
        shaping_providers=providers,
        fired=fired,
        others=others,
        notes=notes,
        files=automation.policy.file_names,
        inert=[f"{i.rule.label}: {i.why}" for i in _unique(inert)],
    )


def _domain_note(c: Classification, domain: str | None, how: DomainHow) -> str | None:
    if how != "inferred" or domain is None:
        return None
    return (f"Assumed {domain}: the reply carries {c.provider_label}'s signature "
            f"`{c.signature}`. Give `--domain D` if it came from another domain.")


def _lookup_notes(automation: Automation, lookup: DomainLookup) -> list[str]:
    notes = []
    if lookup.problem is not None:
        notes.append(
            f"The MX lookup of {lookup.domain} failed ({lookup.problem}). kumod matches provider "
            "MXSuffix/HostName rules and rolled-up domain blocks through that lookup, so for "
            "this domain they do not fire: only default, DomainSuffix and exact-domain rules do."
        )
    ignored = automation.ignored_block(lookup.domain)
    if ignored is not None:
        notes.append(ignored[0].upper() + ignored[1:] + ": its automation rules never fire.")
    return notes


def _others(automation: Automation, line: ResponseLine, hits: Sequence[RuleHit],
            inert: Sequence[InertRule], ctx: RecordContext) -> list[OtherHit]:
    fired = {id(h.scoped.rule) for h in hits}
    inert_why = {id(i.rule): i.why for i in inert}
    out = []
    for hit in automation.regex_hits(line):
        rule = hit.scoped.rule
        if id(rule) in fired:
            continue
        why = inert_why.get(id(rule)) or f"it applies to {hit.scoped.scope_text}, not here"
        out.append(OtherHit(rule=describe_hit(hit, ctx), why=why))
        fired.add(id(rule))
    return out[:MAX_OTHER_HITS]


def _not_caught(automation: Automation, line: ResponseLine, lookup: DomainLookup | None,
                ctx: RecordContext) -> str:
    files = ", ".join(automation.policy.file_names) or "no shaping file"
    text = (f"No automation rule in {files} fires on this reply: TSA will neither slow nor "
            "suspend the path by itself, so the engine keeps sending into the block.")
    unbracketed = _BRACKETED_IP.sub(r"\1", line.content)
    if unbracketed == line.content:
        return text
    variant = line.model_copy(update={"content": unbracketed})
    if lookup is not None:
        near = automation.match(variant, domain=lookup.domain, site=ctx.site,
                                hosts=list(lookup.hosts) if lookup.hosts is not None else None)
    else:
        near = [h for h in automation.regex_hits(variant) if h.scoped.scope == "default"]
    for hit in near:
        view = describe_rule(hit.scoped, ctx, regex=hit.regex)
        who = "KumoMTA's default rules do not catch it" if hit.scoped.scope == "default" \
            else "the rules do not catch it"
        text += (f" {who}: {view.scope_text} rule {view.number} in {view.file} would fire if "
                 f"the IP were not in brackets, but its regex `{hit.regex}` expects a bare dotted "
                 "IP and this receiver writes `[a.b.c.d]` (REFERENCE 5.7, \"Gap\").")
        break
    return text


def _unique(inert: Sequence[InertRule]) -> list[InertRule]:
    seen: set[int] = set()
    out = []
    for item in inert:
        if id(item.rule) not in seen:
            seen.add(id(item.rule))
            out.append(item)
    return out
