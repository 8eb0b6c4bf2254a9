"""Which TSA automation rules a reply triggers, evaluated as tsa-daemon does (REFERENCE 5.6).

Two steps, so the core does no I/O:

1. :class:`ShapingPolicy` holds the parsed files in load order and says which
   domains need an MX lookup (``rollup_domains``): a ``["<domain>"]`` block with
   ``mx_rollup=true`` is stored under its MX *site name* at load time.
2. ``ShapingPolicy.resolve(mx)`` takes the caller's lookups (``None`` for a lookup
   that failed) and merges the files into an :class:`Automation`, exactly as
   ``Shaping::merge_files`` does: blocks of the same key merge, later files append
   their rules (``replace_base`` replaces), a failed lookup or a null MX drops the
   whole block, as kumod does with its ``dns_fail`` warning.

``Automation.match`` then collects the rules of the four scopes in order: ``default``,
every provider whose ``match`` list covers the domain (``MXSuffix``/``HostName``
need the domain's MX hosts; a provider without a ``match`` list never matches),
the block of the record's site, the block of the exact domain; and keeps those whose
regex finds the single-line reply.  Thresholds and action scopes: ``bot.core.tsa_effects``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.core.models import MxRecord
from bot.core.responses import ResponseLine
from bot.core.shaping_files import DomainBlock, Rule, ShapingFile
from bot.core.sitename import site_name


@dataclass(frozen=True)
class ScopedRule:
    """A rule with the scope it was merged into and whether it counts as rolled up."""

    rule: Rule
    scope: str
    """``default``, ``provider:<name>``, ``site:<site>`` or ``domain:<domain>``."""
    was_rollup: bool
    """True for default and site rules: their SetConfig overrides carry mx_rollup=true."""
    rolled_from: tuple[str, ...] = ()
    """For a site rule, the domain blocks that were stored under that site."""

    @property
    def scope_text(self) -> str:
        """``provider "yahoo"``, ``site (mx1a1|mx2c1).comcast.net (domain block comcast.net)``."""
        kind, _, name = self.scope.partition(":")
        if kind == "default":
            return "default"
        if kind == "site" and self.rolled_from:
            return f'domain block "{", ".join(self.rolled_from)}" (rolled up to site {name})'
        return f'{kind} "{name}"'


@dataclass(frozen=True)
class RuleHit:
    """A rule whose regex found the reply, in a scope that applies to the domain."""

    scoped: ScopedRule
    regex: str


@dataclass(frozen=True)
class InertRule:
    """A rule that can never fire, or that the bot cannot evaluate, and why."""

    rule: Rule
    why: str
    kind: str  # "never-fires" | "ignored-block" | "cannot-evaluate" | "double-escaped"


@dataclass
class _Entry:
    rules: list[Rule] = field(default_factory=list)
    matches: list[tuple[str, str]] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)

    def merge(self, rules: Iterable[Rule], *, replace: bool,
              matches: Iterable[tuple[str, str]] = ()) -> None:
        if replace:
            self.rules, self.matches = list(rules), list(matches)
        else:
            self.rules.extend(rules)
            self.matches.extend(matches)


def mx_hosts(domain: str, mx: Sequence[MxRecord]) -> list[str]:
    """The exchange hosts kumod matches providers against; the domain itself if no MX."""
    if not mx:
        return [domain.lower().rstrip(".")]
    return [r.host.lower().rstrip(".") for r in sorted(mx, key=lambda r: (r.pref, r.host))]


def provider_matches(matches: Sequence[tuple[str, str]], domain: str,
                     hosts: Sequence[str] | None) -> bool:
    """``ProviderEntry::domain_matches``: DomainSuffix first, then every MX host must match.

    ``hosts`` None means the domain's MX lookup failed: MX rules then do not match.
    Suffixes are compared as written (kumod does not lower-case or strip them).
    """
    need_mx = False
    for kind, arg in matches:
        if kind == "DomainSuffix" and domain.rstrip(".").endswith(arg):
            return True
        if kind in ("MXSuffix", "HostName"):
            need_mx = True
    if not need_mx or hosts is None:
        return False
    for host in hosts:
        if not any(
            (kind == "MXSuffix" and host.endswith(arg)) or (kind == "HostName" and host == arg)
            for kind, arg in matches
        ):
            return False
    return True


class ShapingPolicy:
    """The shaping files in load order, before their domain blocks are resolved."""

    def __init__(self, files: Sequence[ShapingFile]) -> None:
        self.files = tuple(files)

    @property
    def file_names(self) -> list[str]:
        """The files in load order."""
        return [f.name for f in self.files]

    def rollup_domains(self) -> list[str]:
        """Domains whose blocks need an MX lookup to be stored under their site."""
        seen: dict[str, None] = {}
        for file in self.files:
            for block in file.domains:
                if block.mx_rollup:
                    seen.setdefault(block.domain, None)
        return list(seen)

    def resolve(self, mx: Mapping[str, Sequence[MxRecord] | None]) -> Automation:
        """Merge the files as kumod does, given the MX lookups (None: the lookup failed)."""
        default = _Entry()
        providers: dict[str, _Entry] = {}
        by_site: dict[str, _Entry] = {}
        by_domain: dict[str, _Entry] = {}
        ignored: list[tuple[DomainBlock, str, str]] = []
        for file in self.files:
            default.merge(file.default_rules, replace=file.default_replace_base)
            for block in file.domains:
                if not block.mx_rollup:
                    entry = by_domain.setdefault(block.domain.lower(), _Entry())
                    entry.merge(block.rules, replace=block.replace_base)
                    continue
                records = mx.get(block.domain)
                if records is None:
                    ignored.append((block, file.name, "its MX lookup failed when the file was "
                                    "loaded, so kumod ignores the whole block"))
                    continue
                site = _site(block.domain, records)
                if not site:
                    ignored.append((block, file.name, "it has a null MX, which cannot be used "
                                    "with mx_rollup=true, so kumod ignores the block"))
                    continue
                entry = by_site.setdefault(site, _Entry())
                entry.domains.append(block.domain)
                entry.merge(block.rules, replace=block.replace_base)
            for prov in file.providers:
                entry = providers.setdefault(prov.name, _Entry())
                entry.merge(prov.rules, replace=prov.replace_base, matches=prov.matches)
        return Automation(self, default, providers, by_site, by_domain, ignored)


def _site(domain: str, records: Sequence[MxRecord]) -> str:
    try:
        return site_name(list(records), domain)
    except ValueError:
        return ""


class Automation:
    """The merged automation rules, ready to match replies against."""

    def __init__(self, policy: ShapingPolicy, default: _Entry, providers: dict[str, _Entry],
                 by_site: dict[str, _Entry], by_domain: dict[str, _Entry],
                 ignored: list[tuple[DomainBlock, str, str]]) -> None:
        self.policy = policy
        self._default = default
        self._providers = providers
        self._by_site = by_site
        self._by_domain = by_domain
        self._ignored = ignored

    @property
    def warnings(self) -> list[str]:
        """What the files' loading had to say (unknown keys, regexes the bot cannot read)."""
        return [w for f in self.policy.files for w in f.warnings]

    def all_rules(self) -> list[ScopedRule]:
        """Every merged rule with its scope, in the order tsa-daemon would consider them."""
        out = [ScopedRule(r, "default", True) for r in self._default.rules]
        for name, entry in self._providers.items():
            out += [ScopedRule(r, f"provider:{name}", False) for r in entry.rules]
        for site, entry in self._by_site.items():
            out += [ScopedRule(r, f"site:{site}", True, tuple(entry.domains)) for r in entry.rules]
        for domain, entry in self._by_domain.items():
            out += [ScopedRule(r, f"domain:{domain}", False) for r in entry.rules]
        return out

    def providers_for(self, domain: str, hosts: Sequence[str] | None) -> list[str]:
        """The shaping providers whose ``match`` list covers the domain."""
        return [n for n, e in self._providers.items()
                if provider_matches(e.matches, domain.lower(), hosts)]

    def site_domains(self, site: str) -> list[str]:
        """The domain blocks stored under ``site`` (empty when none)."""
        entry = self._by_site.get(site)
        return list(entry.domains) if entry else []

    def applicable(self, *, domain: str, site: str | None,
                   hosts: Sequence[str] | None) -> list[ScopedRule]:
        """The rules tsa-daemon considers for a record of this domain and site, in order."""
        domain = domain.lower().rstrip(".")
        out = [ScopedRule(r, "default", True) for r in self._default.rules]
        for name in self.providers_for(domain, hosts):
            out += [ScopedRule(r, f"provider:{name}", False) for r in self._providers[name].rules]
        site_entry = self._by_site.get(site) if site is not None else None
        if site_entry is not None:
            out += [ScopedRule(r, f"site:{site}", True, tuple(site_entry.domains))
                    for r in site_entry.rules]
        domain_entry = self._by_domain.get(domain)
        if domain_entry is not None:
            out += [ScopedRule(r, f"domain:{domain}", False) for r in domain_entry.rules]
        return out

    def match(self, line: ResponseLine, *, domain: str, site: str | None,
              hosts: Sequence[str] | None) -> list[RuleHit]:
        """Every rule that fires on this reply for this domain (``match_rules_impl``)."""
        text, internal = line.single_line, line.is_internal
        hits = []
        for scoped in self.applicable(domain=domain, site=site, hosts=hosts):
            regex = scoped.rule.search(text, internal=internal)
            if regex is not None:
                hits.append(RuleHit(scoped, regex))
        return hits

    def regex_hits(self, line: ResponseLine) -> list[RuleHit]:
        """Every rule whose regex finds the reply, whatever its scope (and ignored blocks')."""
        text, internal = line.single_line, line.is_internal
        hits = [RuleHit(s, rx) for s in self.all_rules()
                if (rx := s.rule.search(text, internal=internal)) is not None]
        for block, _, _ in self._ignored:
            for rule in block.rules:
                rx = rule.search(text, internal=internal)
                if rx is not None:
                    hits.append(RuleHit(ScopedRule(rule, f"domain:{block.domain}", True), rx))
        return hits

    def inert_rules(self) -> list[InertRule]:
        """Rules that can never fire, or that the bot cannot evaluate, with the reason."""
        out: list[InertRule] = []
        for block, _, why in self._ignored:
            out += [InertRule(r, f'domain block "{block.domain}" is ignored: {why}',
                              "ignored-block") for r in block.rules]
        for name, entry in self._providers.items():
            never = _never_matches(entry.matches)
            if never is not None:
                out += [InertRule(r, f'provider "{name}" {never}', "never-fires")
                        for r in entry.rules]
        for scoped in self.all_rules():
            rule = scoped.rule
            if not rule.regexes:
                out.append(InertRule(rule, "it has no regex", "never-fires"))
            elif rule.untranslatable is not None:
                out.append(InertRule(rule, f"the bot cannot evaluate {rule.untranslatable}",
                                     "cannot-evaluate"))
            elif rule.needs_literal_backslash:
                out.append(InertRule(
                    rule, f"its regex {rule.reason_regex!r} demands a literal backslash "
                    "(double escaping in a '''literal''' string), which real replies never "
                    "contain", "double-escaped"))
        return out

    def ignored_block(self, domain: str) -> str | None:
        """Why the block of ``domain`` was dropped at load, or None if it was not."""
        for block, file, why in self._ignored:
            if block.domain.lower() == domain.lower():
                return f'the "{block.domain}" block of {file} is ignored: {why}'
        return None

    def rules_with_reason(self, reason_regex: str, kinds: Iterable[str]) -> list[ScopedRule]:
        """Merged rules whose reason text is ``reason_regex`` and that take one of ``kinds``."""
        wanted = set(kinds)
        return [s for s in self.all_rules() if s.rule.reason_regex == reason_regex
                and any(a.kind in wanted for a in s.rule.actions)]


def _never_matches(matches: Sequence[tuple[str, str]]) -> str | None:
    if not matches:
        return "has no match list, so it never matches a domain"
    if all(kind != "DomainSuffix" and arg.endswith(".") for kind, arg in matches):
        listed = ", ".join(f"{kind}={arg!r}" for kind, arg in matches)
        return (f"matches only with {listed}, ending in a dot; kumod strips the dot from MX "
                "host names, so it never matches")
    return None
