"""Reading a receiver's reply as an operator does (DESIGN 1, step 1).

The first digit says how the receiver wants to be treated; the wording says what is
really wrong.  Microsoft sends ``550 5.7.1 ... (S3150)`` for an IP block caused by
reputation or pace (temporary in nature, addresses fine); Yahoo sends ``421 ... [TS03]``
for a block that retrying will not lift.  :class:`ResponseClassifier` applies the rules
of ``bot/data/response_rules.toml`` (see its header) and answers with a
:class:`Classification`: category, provider, whether the condition is temporary in
nature, whether the address is dead, and what to do and not do.

Suppression is decided structurally: only a dead-address category, and only on a
5xx, may set ``should_suppress_recipient``; a block or a brake never does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import Field

from bot.core.classifier_rules import (
    Category,
    CompiledProvider,
    CompiledRule,
    CompiledRules,
    ProviderSpec,
)
from bot.core.models import Model
from bot.core.responses import ResponseLine, parse_response

# Addresses are masked before wording is read: `spam@example.com` decides nothing.
_ADDRESS = re.compile(r"[<\[(]?[^\s<>\[\]()@,;:\"']+@[^\s<>\[\]()@,;:\"']+[>\])]?")


class BlocklistHit(Model):
    """A blocklist the reply cites, and where to look the listing up."""

    name: str
    lookup: str | None = None


class Classification(Model):
    """What one reply means."""

    line: str = Field(description="the single-line form `<code> <enhanced> <content>`")
    code: int | None
    enhanced: str | None
    text: str = Field(description="the content, after the codes")
    category: Category
    provider: str | None = None
    provider_label: str | None = None
    signature: str | None = Field(None, description="the text that named the provider")
    shaping_providers: tuple[str, ...] = ()
    provider_domain: str | None = None
    blocklists: tuple[BlocklistHit, ...] = ()
    temporary_in_nature: bool
    should_suppress_recipient: bool
    internal: bool = False
    rule_id: str
    meaning: str
    do: str
    dont: str
    notes: tuple[str, ...] = ()
    truncated: bool = False


def mask_addresses(text: str) -> str:
    """Replace e-mail addresses with ``<address>``."""
    return _ADDRESS.sub("<address>", text)


class ResponseClassifier:
    """Classify replies with compiled rules; ``exclude`` drops providers (leave-one-out)."""

    def __init__(self, rules: CompiledRules, *, exclude: Iterable[str] = ()) -> None:
        self.rules = rules
        self.excluded = frozenset(exclude)
        self._providers = [p for p in rules.providers if p.spec.name not in self.excluded]
        self._rules = [r for r in rules.rules if r.spec.provider not in self.excluded]

    def without(self, *providers: str) -> ResponseClassifier:
        """The same classifier with these providers' signatures and rules taken out."""
        return ResponseClassifier(self.rules, exclude=self.excluded | set(providers))

    def provider(self, name: str) -> ProviderSpec | None:
        """The provider called ``name`` in the rules file."""
        return next((p.spec for p in self.rules.providers if p.spec.name == name), None)

    @property
    def provider_names(self) -> list[str]:
        """Every provider the rules know, in file order."""
        return [p.spec.name for p in self.rules.providers]

    def classify(self, response: str | ResponseLine) -> Classification:
        """Classify one reply (text as pasted or logged, or an already parsed line)."""
        line = parse_response(response) if isinstance(response, str) else response
        text = mask_addresses(line.plain_text)
        lowered = text.lower()  # the rules were compiled in lower case (classifier_rules)
        detected, signature = self._detect(text, lowered)
        rule = self._first_rule(line, lowered, detected)
        spec = rule.spec
        provider = detected
        if provider is None and spec.provider is not None:
            provider = next(p for p in self._providers if p.spec.name == spec.provider)
            signature = f"wording of rule {spec.id}"
        base = self.rules.categories[spec.category]
        temporary = spec.temporary if spec.temporary is not None else base.temporary
        suppress = spec.suppress if spec.suppress is not None else base.suppress
        # A temporary answer proves nothing about the address, whatever its wording.
        suppress = suppress and line.code_class == 5
        return Classification(
            line=line.single_line,
            code=line.code,
            enhanced=line.enhanced,
            text=line.content,
            category=spec.category,
            provider=provider.spec.name if provider else None,
            provider_label=provider.spec.label if provider else None,
            signature=signature,
            shaping_providers=provider.spec.shaping if provider else (),
            provider_domain=provider.spec.domain if provider else None,
            blocklists=self._blocklists(lowered),
            temporary_in_nature=temporary,
            should_suppress_recipient=suppress,
            internal=line.is_internal,
            rule_id=spec.id,
            meaning=spec.meaning or base.meaning,
            do=spec.do or base.do,
            dont=spec.dont or base.dont,
            notes=_notes(line, temporary),
            truncated=line.truncated,
        )

    def _detect(self, text: str, lowered: str) -> tuple[CompiledProvider | None, str | None]:
        for provider in self._providers:
            for pattern in provider.patterns:
                found = pattern.search(lowered)
                if found:
                    # Quote the signature as written when lower-casing kept every position.
                    same = len(lowered) == len(text)
                    return provider, text[found.start():found.end()] if same else found.group(0)
        return None, None

    def _first_rule(self, line: ResponseLine, text: str,
                    detected: CompiledProvider | None) -> CompiledRule:
        name = detected.spec.name if detected else None
        for rule in self._rules:
            if _holds(rule, line, text, name):
                return rule
        # The file's last rules cover every code and none; only a rules file that
        # dropped them gets here, and then the reply is plainly not understood.
        return self._rules[-1]

    def _blocklists(self, text: str) -> tuple[BlocklistHit, ...]:
        return tuple(
            BlocklistHit(name=b.spec.name, lookup=b.spec.lookup)
            for b in self.rules.blocklists
            if any(p.search(text) for p in b.patterns)
        )


def _holds(rule: CompiledRule, line: ResponseLine, text: str, provider: str | None) -> bool:
    spec = rule.spec
    if spec.requires_provider and provider != spec.provider:
        return False
    if spec.codes:
        if line.code is None:
            if not rule.accepts_no_code:
                return False
        elif not any(c.fullmatch(str(line.code)) for c in rule.codes):
            return False
    if rule.enhanced and (
        line.enhanced is None or not any(e.fullmatch(line.enhanced) for e in rule.enhanced)
    ):
        return False
    if rule.match and not any(m.search(text) for m in rule.match):
        return False
    return not any(u.search(text) for u in rule.unless)


def _notes(line: ResponseLine, temporary: bool) -> tuple[str, ...]:
    """Where the digit and the nature of the condition disagree (DESIGN 1, step 1)."""
    notes = []
    if line.code_class == 5 and temporary:
        notes.append(
            "Sent as a permanent 5xx, but the condition is temporary: kumod bounces the "
            "message instead of retrying, and the address is not dead."
        )
    if line.code_class == 4 and not temporary:
        notes.append(
            "Sent as a temporary 4xx, but it will not clear by itself: the engine keeps "
            "retrying until the cause is fixed or the message expires."
        )
    if line.is_internal:
        notes.append("KumoMTA's own message: TSA rules ignore it unless they set match_internal.")
    if line.truncated:
        notes.append("The reply was longer than any real SMTP reply; only its start was read.")
    return tuple(notes)
