"""What the bot knows about replies: the classifier and TSA's automation rules, loaded.

:class:`ResponseKnowledge` owns the I/O the pure core needs: it reads the shaping
files through the ``ShapingSource`` port, looks up the MX of the domain blocks that
roll up (and of the domain being explained) through the ``SiteResolver`` port, and
keeps the result for 30 s, the interval at which tsa-daemon reloads its shaping
data.  ``explain`` is what ``/kumo explain``, ``kumo-bot classify`` and (later)
``diagnose`` call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.core.automation import Automation, ShapingPolicy, mx_hosts
from bot.core.classifier import ResponseClassifier
from bot.core.errors import BotError, ConfigError
from bot.core.explanation import DomainHow, DomainLookup, Explanation, explain_response
from bot.core.models import MxRecord
from bot.core.responses import ResponseLine, parse_response
from bot.core.scope import normalize_domain
from bot.core.shaping_files import ShapingFile, parse_shaping_file
from bot.core.sitename import site_name
from bot.core.tsa_effects import RecordContext
from bot.ports import ShapingSource, SiteResolver

RELOAD_SECONDS = 30.0
"""tsa-daemon reloads its shaping data every 30 s (REFERENCE 5.1); so do we."""
_LOOKUP_WORKERS = 8


class ResponseKnowledge:
    """The classifier plus the automation of the configured shaping files, kept fresh."""

    def __init__(
        self,
        *,
        classifier: ResponseClassifier,
        shaping: ShapingSource,
        resolver: SiteResolver,
        ttl: float = RELOAD_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.classifier = classifier
        self.shaping = shaping
        self.resolver = resolver
        self.ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._loaded: tuple[float, Automation, list[str]] | None = None
        self._lookups: dict[str, tuple[float, DomainLookup]] = {}

    def automation(self) -> Automation:
        """The merged automation rules; ``ConfigError`` when a shaping file is unusable."""
        return self._load()[0]

    def load_notes(self) -> list[str]:
        """Sources that could not be read and were skipped (remote ones, as kumod does)."""
        return list(self._load()[1])

    def _load(self) -> tuple[Automation, list[str]]:
        with self._lock:
            now = self._monotonic()
            if self._loaded is not None and now - self._loaded[0] < self.ttl:
                return self._loaded[1], self._loaded[2]
            files: list[ShapingFile] = []
            notes: list[str] = []
            for source in self.shaping.texts():
                if source.text is None:
                    if not source.remote:
                        raise ConfigError(
                            f"KUMO_SHAPING_FILES: cannot read {source.name}: {source.problem}",
                            hint="kumod refuses to start on a shaping file it cannot read.",
                        )
                    notes.append(f"Shaping source {source.name} could not be fetched "
                                 f"({source.problem}); kumod skips it too until it answers.")
                    continue
                files.append(parse_shaping_file(source.text, name=source.name))
            policy = ShapingPolicy(files)
            automation = policy.resolve(self._rollup_lookups(policy.rollup_domains()))
            self._loaded = (now, automation, notes)
            return automation, notes

    def _rollup_lookups(self, domains: list[str]) -> dict[str, list[MxRecord] | None]:
        if not domains:
            return {}
        with ThreadPoolExecutor(min(_LOOKUP_WORKERS, len(domains)),
                                thread_name_prefix="kumo-mx") as pool:
            found = pool.map(self._mx_or_none, domains)
            return dict(zip(domains, found, strict=True))

    def _mx_or_none(self, domain: str) -> list[MxRecord] | None:
        try:
            return self.resolver.mx_records(domain)
        except BotError:
            return None  # kumod drops the block when its lookup fails (dns_fail)

    def lookup(self, domain: str) -> DomainLookup:
        """The domain's MX hosts and site, or why the lookup failed (cached like the rules)."""
        domain = normalize_domain(domain)
        now = self._monotonic()
        with self._lock:
            cached = self._lookups.get(domain)
            if cached is not None and now - cached[0] < self.ttl:
                return cached[1]
        try:
            records = self.resolver.mx_records(domain)
            result = DomainLookup(domain=domain, hosts=tuple(mx_hosts(domain, records)),
                                  site=site_name(records, domain))
        except BotError as exc:
            result = DomainLookup(domain=domain, problem=exc.message)
        except ValueError as exc:  # a malformed domain literal: kumod's lookup fails too
            result = DomainLookup(domain=domain, problem=str(exc))
        with self._lock:
            self._lookups[domain] = (now, result)
        return result

    def explain(
        self,
        response: str | ResponseLine,
        *,
        domain: str | None = None,
        context: RecordContext | None = None,
    ) -> Explanation:
        """Classify a reply and say which TSA rules fire on it, for ``domain`` or the
        domain its provider signature implies."""
        line = parse_response(response) if isinstance(response, str) else response
        classification = self.classifier.classify(line)
        target = domain or classification.provider_domain
        how: DomainHow = "given" if domain else ("inferred" if target else "none")
        automation, notes = self._load()
        explanation = explain_response(
            line,
            classification,
            automation,
            lookup=self.lookup(target) if target else None,
            domain_how=how,
            context=context,
        )
        if notes:
            explanation = explanation.model_copy(update={"notes": [*explanation.notes, *notes]})
        return explanation
