"""The response classifier's figures: accuracy, leave-one-provider-out, confusion, speed.

    .venv/bin/python benchmarks/classifier.py

Baselines measured in the same run:
* "digit only": temporary in nature = the reply is a 4xx (what DESIGN 1 warns against);
* "KumoMTA bounce classes": KumoMTA's own classifier files (community-bounces.toml, then
  iana.toml, first listed pattern wins, as kumod's RegexSet does), its classes mapped to
  our ten categories; its speed is the speed baseline.
Leave-one-provider-out: each provider's replies classified with that provider's
signatures and rules taken out, i.e. how the generic rules read a provider they were
not written for.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.classifier import ResponseClassifier  # noqa: E402 (after the path fix above)
from bot.core.classifier_rules import CATEGORIES  # noqa: E402
from bot.core.responses import parse_response  # noqa: E402
from tests.core.classifier_helpers import (  # noqa: E402
    DEV_FILE,
    EXTRA_FILE,
    SHARED,
    labelled,
    packaged_classifier,
    score,
)

KUMO_CLASS_TO_CATEGORY = {
    "InvalidRecipient": "invalid_recipient", "InactiveMailbox": "invalid_recipient",
    "BadDomain": "invalid_recipient", "QuotaIssues": "mailbox_full",
    "SpamBlock": "reputation_block", "SpamContent": "content_spam",
    "VirusRelated": "content_spam", "ContentRelated": "content_spam",
    "ProhibitedAttachment": "content_spam", "AuthenticationFailed": "auth_failure",
    "PolicyRelated": "policy", "RelayingIssues": "policy", "RelayDenied": "policy",
    "RoutingErrors": "policy", "InvalidSender": "policy", "TooManyRecipients": "protocol",
    "ProtocolErrors": "protocol", "TransientFailure": "transient_other",
    "NoAnswerFromHost": "transient_other", "BadConnection": "transient_other",
    "DNSFailure": "transient_other", "MessageExpired": "transient_other",
}
TEMPORARY = {"rate_limit_brake", "reputation_block", "greylisting", "transient_other",
             "mailbox_full"}
SPEED_ROUNDS = 40


class KumoBounceClasses:
    """KumoMTA's bounce classifier files, first matching pattern wins."""

    def __init__(self, *files: Path) -> None:
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        for path in files:
            for klass, regexes in tomllib.loads(path.read_text())["rules"].items():
                self.patterns += [(re.compile(r), klass) for r in regexes]

    def category(self, reply: str) -> str:
        line = parse_response(reply).single_line
        for pattern, klass in self.patterns:
            if pattern.search(line):
                return KUMO_CLASS_TO_CATEGORY.get(klass, "policy")
        return "transient_other" if line.startswith("4") else "policy"


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def accuracy_section(classifier: ResponseClassifier, kumo: KumoBounceClasses) -> None:
    print("Accuracy (targets on the dev file: category >= 90%, temporary >= 95%, "
          "no block or brake suppressed)")
    print(f"{'set':<28}{'n':>4}  {'category':>8}  {'temporary':>9}  {'suppress':>8}  "
          f"{'blocks suppressed':>17}")
    for name, path in (("responses-dev.jsonl", DEV_FILE), ("responses-extra.jsonl", EXTRA_FILE)):
        rows = labelled(path)
        s = score(classifier, rows)
        print(f"{name:<28}{s.total:>4}  {_pct(s.category):>8}  {_pct(s.temporary):>9}  "
              f"{_pct(s.suppress):>8}  {s.blocks_suppressed:>17}")
        digit = sum((str(r["response"])[:1] == "4") == r["temporary_in_nature"] for r in rows)
        kumo_right = sum(kumo.category(str(r["response"])) == r["category"] for r in rows)
        kumo_temp = sum((kumo.category(str(r["response"])) in TEMPORARY)
                        == r["temporary_in_nature"] for r in rows)
        print(f"{'  baseline: digit only':<28}{'':>4}  {'-':>8}  {_pct(digit / len(rows)):>9}")
        print(f"{'  baseline: KumoMTA classes':<28}{'':>4}  {_pct(kumo_right / len(rows)):>8}  "
              f"{_pct(kumo_temp / len(rows)):>9}")
    print()


def leave_one_out_section(classifier: ResponseClassifier) -> None:
    rows_by: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in labelled(DEV_FILE):
        rows_by[str(row["provider"])].append(row)
    print("Leave-one-provider-out on the dev file (category accuracy)")
    print(f"{'provider':<18}{'n':>4}  {'with its rules':>14}  {'left out':>9}")
    right = total = 0
    for provider, rows in sorted(rows_by.items(), key=lambda kv: -len(kv[1])):
        with_rules = score(classifier, rows)
        known = provider in classifier.provider_names
        without = score(classifier.without(provider), rows) if known else with_rules
        right += round(without.category * without.total)
        total += without.total
        print(f"{provider:<18}{len(rows):>4}  {_pct(with_rules.category):>14}  "
              f"{_pct(without.category):>9}{'' if known else '  (no own rules)'}")
    print(f"{'all, left out':<18}{total:>4}  {'':>14}  {_pct(right / total):>9}\n")


def confusion_section(classifier: ResponseClassifier) -> None:
    table: Counter[tuple[str, str]] = Counter()
    rows = labelled(DEV_FILE) + labelled(EXTRA_FILE)
    for row in rows:
        table[(str(row["category"]), classifier.classify(str(row["response"])).category)] += 1
    short = dict(zip(CATEGORIES, ("RLB", "RB", "AF", "IR", "MF", "CS", "POL", "PRO", "GL", "TO"),
                     strict=True))
    print("Confusion on both sets (rows: label, columns: classifier; "
          + ", ".join(f"{v}={k}" for k, v in short.items()) + ")")
    print(f"{'':<18}" + "".join(f"{short[c]:>5}" for c in CATEGORIES))
    for actual in CATEGORIES:
        cells = "".join(f"{table[(actual, got)] or '.':>5}" for got in CATEGORIES)
        print(f"{actual:<18}{cells}")
    print()


def speed_section(classifier: ResponseClassifier, kumo: KumoBounceClasses) -> None:
    replies = [str(r["response"]) for r in labelled(DEV_FILE) + labelled(EXTRA_FILE)]

    def rate(fn: object) -> float:
        start = time.perf_counter()
        for _ in range(SPEED_ROUNDS):
            for reply in replies:
                fn(reply)  # type: ignore[operator]
        return SPEED_ROUNDS * len(replies) / (time.perf_counter() - start)

    ours, theirs = rate(classifier.classify), rate(kumo.category)
    print(f"Speed: {ours:,.0f} replies/s; baseline KumoMTA classes in Python {theirs:,.0f} "
          f"replies/s; ratio {ours / theirs:.2f}x")


def main() -> int:
    classifier = packaged_classifier()
    kumo = KumoBounceClasses(SHARED / "community-bounces.toml", SHARED / "iana.toml")
    accuracy_section(classifier, kumo)
    leave_one_out_section(classifier)
    confusion_section(classifier)
    speed_section(classifier, kumo)
    dev = score(classifier, labelled(DEV_FILE))
    ok = dev.category >= 0.90 and dev.temporary >= 0.95 and dev.blocks_suppressed == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
