"""The classifier's rules file, validated strictly (STYLE 9).

``bot/data/response_rules.toml`` is data, not code; this module turns its text into
compiled rules and refuses anything doubtful: an unknown key, a bad regex, an unknown
category or provider, a duplicate id, a rule with no condition, ``suppress`` on a
category that is not a dead address.  Every error names the file and the rule.
The file is read by an adapter; this module only parses text.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.errors import ConfigError

Category = Literal[
    "rate_limit_brake",
    "reputation_block",
    "auth_failure",
    "invalid_recipient",
    "mailbox_full",
    "content_spam",
    "policy",
    "protocol",
    "greylisting",
    "transient_other",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
DEAD_ADDRESS_CATEGORIES = frozenset({"invalid_recipient"})
"""The only categories whose replies may put an address on the suppression list."""

_CODE_PATTERN = re.compile(r"none|[2-5][0-9x]{2}")


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CategoryText(_Strict):
    """What a category means, whether it is temporary in nature, what to do and not do."""

    temporary: bool
    suppress: bool = False
    meaning: str = Field(min_length=1)
    do: str = Field(min_length=1)
    dont: str = Field(min_length=1)


class ProviderSpec(_Strict):
    """A receiver recognisable by its signatures; ``domain`` is what explain assumes."""

    name: str = Field(min_length=1)
    label: str = Field(min_length=1)
    domain: str | None = None
    shaping: tuple[str, ...] = ()
    signatures: tuple[str, ...] = Field(min_length=1)


class BlocklistSpec(_Strict):
    """A blocklist a reply may cite, with where to look a listing up."""

    name: str = Field(min_length=1)
    lookup: str | None = None
    signatures: tuple[str, ...] = Field(min_length=1)


class RuleSpec(_Strict):
    """One rule as written; all given conditions must hold."""

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9-]*$")
    category: Category
    provider: str | None = None
    requires_provider: bool = False
    match: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    enhanced: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    temporary: bool | None = None
    suppress: bool | None = None
    meaning: str | None = None
    do: str | None = None
    dont: str | None = None


class RulesFile(_Strict):
    """The whole file."""

    version: Literal[1]
    categories: dict[Category, CategoryText]
    provider: tuple[ProviderSpec, ...]
    blocklist: tuple[BlocklistSpec, ...] = ()
    rule: tuple[RuleSpec, ...] = Field(min_length=1)


class CompiledProvider(BaseModel):
    """A provider with its signatures compiled."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spec: ProviderSpec
    patterns: tuple[re.Pattern[str], ...]


class CompiledBlocklist(BaseModel):
    """A blocklist with its signatures compiled."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spec: BlocklistSpec
    patterns: tuple[re.Pattern[str], ...]


class CompiledRule(BaseModel):
    """A rule ready to test: regexes compiled, code patterns as regexes."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    spec: RuleSpec
    match: tuple[re.Pattern[str], ...]
    unless: tuple[re.Pattern[str], ...]
    enhanced: tuple[re.Pattern[str], ...]
    codes: tuple[re.Pattern[str], ...]
    accepts_no_code: bool


class CompiledRules(BaseModel):
    """Everything the classifier needs, checked."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    source: str
    categories: dict[str, CategoryText]
    providers: tuple[CompiledProvider, ...]
    blocklists: tuple[CompiledBlocklist, ...]
    rules: tuple[CompiledRule, ...]


def lower_pattern(pattern: str) -> str:
    """The pattern in lower case, escapes untouched (``\\S`` stays ``\\S``).

    Rules are matched case-insensitively; lower-casing the text once and the patterns at
    load is the same question, and lets ``re`` scan for literal prefixes (5-8x faster
    than ``re.IGNORECASE`` on these rules).
    """
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            continue
        out.append(pattern[i].lower())
        i += 1
    return "".join(out)


def _compile(source: str, where: str, field: str, patterns: tuple[str, ...]
             ) -> tuple[re.Pattern[str], ...]:
    """Compile for a search of lower-cased text (``enhanced`` codes have no letters)."""
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(lower_pattern(pattern)))
        except re.error as exc:
            raise ConfigError(f"{source}: {where}: bad regex in `{field}`: {pattern!r}: {exc}") \
                from None
    return tuple(compiled)



def _check_rule(source: str, spec: RuleSpec, providers: set[str],
                categories: dict[str, CategoryText]) -> CompiledRule:
    where = f"rule {spec.id!r}"
    if not (spec.match or spec.enhanced or spec.codes):
        raise ConfigError(f"{source}: {where} has no condition (match, enhanced or codes): "
                          "it would claim every reply")
    if spec.provider is not None and spec.provider not in providers:
        raise ConfigError(f"{source}: {where}: unknown provider {spec.provider!r}")
    if spec.requires_provider and spec.provider is None:
        raise ConfigError(f"{source}: {where}: `requires_provider` needs `provider`")
    suppress = spec.suppress if spec.suppress is not None else categories[spec.category].suppress
    if suppress and spec.category not in DEAD_ADDRESS_CATEGORIES:
        raise ConfigError(f"{source}: {where}: `suppress` is only for dead addresses "
                          f"({', '.join(sorted(DEAD_ADDRESS_CATEGORIES))}), "
                          f"not {spec.category}")
    for code in spec.codes:
        if not _CODE_PATTERN.fullmatch(code):
            raise ConfigError(f"{source}: {where}: bad code pattern {code!r} "
                              "(write e.g. '4xx', '55x', '421' or 'none')")
    return CompiledRule(
        spec=spec,
        match=_compile(source, where, "match", spec.match),
        unless=_compile(source, where, "unless", spec.unless),
        enhanced=_compile(source, where, "enhanced", spec.enhanced),
        codes=tuple(re.compile(c.replace("x", r"\d")) for c in spec.codes if c != "none"),
        accepts_no_code="none" in spec.codes,
    )


def _first_error(exc: ValidationError, data: dict[str, Any]) -> str:
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ".".join(str(p) for p in loc)
    # Name the rule by its id when the error is inside one: `rule 'yahoo-brake'.codes`.
    if len(loc) >= 2 and loc[0] in ("rule", "provider", "blocklist") and isinstance(loc[1], int):
        items = data.get(str(loc[0]), [])
        item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else {}
        name = item.get("id") or item.get("name") if isinstance(item, dict) else None
        label = f"{loc[0]} {name!r}" if name else f"{loc[0]} #{loc[1] + 1}"
        where = ".".join([label, *(str(p) for p in loc[2:])])
    message = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
    return f"{where}: {message}"


def load_rules(text: str, *, source: str) -> CompiledRules:
    """Parse and check the rules file's text; ``ConfigError`` names ``source`` and the rule."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        parsed = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{source}: {_first_error(exc, data)}") from None
    missing = [c for c in CATEGORIES if c not in parsed.categories]
    if missing:
        raise ConfigError(f"{source}: categories missing: {', '.join(missing)}")
    for name in (c for c, t in parsed.categories.items() if t.suppress):
        if name not in DEAD_ADDRESS_CATEGORIES:
            raise ConfigError(f"{source}: category {name!r}: `suppress` is only for dead addresses")
    names = [p.name for p in parsed.provider]
    duplicates = {n for n in names if names.count(n) > 1}
    ids = [r.id for r in parsed.rule]
    duplicates |= {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ConfigError(f"{source}: duplicate names: {', '.join(sorted(duplicates))}")
    categories: dict[str, CategoryText] = {str(k): v for k, v in parsed.categories.items()}
    return CompiledRules(
        source=source,
        categories=categories,
        providers=tuple(
            CompiledProvider(spec=p, patterns=_compile(source, f"provider {p.name!r}",
                                                       "signatures", p.signatures))
            for p in parsed.provider
        ),
        blocklists=tuple(
            CompiledBlocklist(spec=b, patterns=_compile(source, f"blocklist {b.name!r}",
                                                        "signatures", b.signatures))
            for b in parsed.blocklist
        ),
        rules=tuple(_check_rule(source, r, set(names), categories) for r in parsed.rule),
    )
