"""The packaged classifier and the labelled reply sets, for the classifier tests and benchmark."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from bot.core.classifier import ResponseClassifier
from bot.core.classifier_rules import load_rules
from tests.fixtures import KUMOMTA

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "bot" / "data" / "response_rules.toml"
SHARED = KUMOMTA
DEV_FILE = SHARED / "responses-dev.jsonl"
EXTRA_FILE = ROOT / "tests" / "data" / "responses-extra.jsonl"
BRAKES_AND_BLOCKS = frozenset({"rate_limit_brake", "reputation_block"})


@cache
def packaged_classifier() -> ResponseClassifier:
    return ResponseClassifier(load_rules(RULES.read_text(encoding="utf-8"), source=RULES.name))


def labelled(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass(frozen=True)
class Scores:
    """Accuracy of a classifier on a labelled set."""

    total: int
    category: float
    temporary: float
    suppress: float
    blocks_suppressed: int


def score(classifier: ResponseClassifier, rows: list[dict[str, object]]) -> Scores:
    category = temporary = suppress = blocks_suppressed = 0
    for row in rows:
        got = classifier.classify(str(row["response"]))
        category += got.category == row["category"]
        temporary += got.temporary_in_nature == row["temporary_in_nature"]
        suppress += got.should_suppress_recipient == row["should_suppress_recipient"]
        if got.should_suppress_recipient and row["category"] in BRAKES_AND_BLOCKS:
            blocks_suppressed += 1
    n = len(rows)
    return Scores(n, category / n, temporary / n, suppress / n, blocks_suppressed)
