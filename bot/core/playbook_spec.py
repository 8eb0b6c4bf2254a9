"""Playbook files, read and checked strictly (DESIGN 6; the format is ``playbooks/README.md``).

``parse_playbook(text, source=..., stem=...)`` turns one TOML text into a
:class:`Playbook` or raises :class:`PlaybookInvalid` carrying *every* error of the
file, each naming the file and the field: ``playbooks/x.toml: steps[3].next: no step
"foo"``.  The structure is checked by the pydantic models (``extra="forbid"``, one
model per step kind); the cross-references (ids, ``next``, ``start``, reachability,
commands, placeholders, findings) by :func:`_cross_check`.  Pure: the file reading is
at the edge (``bot.adapters.playbook_files``).
"""

from __future__ import annotations

import re
import tomllib
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core import commands
from bot.core.commands_write import WriteCommand
from bot.core.diagnosis_model import FindingKind
from bot.core.errors import UserInputError

PHASES = ("stabilize", "diagnose", "correct", "write-up")
Phase = Literal["stabilize", "diagnose", "correct", "write-up"]
FINDINGS: tuple[str, ...] = get_args(FindingKind)
PLACEHOLDERS = ("domain", "reason", "run")
# What a placeholder becomes when a command is checked at load time.
_SAMPLES = {"domain": "example.com", "reason": "playbook check", "run": "run-check"}
_ID = r"^[A-Za-z0-9][A-Za-z0-9-]*$"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Verbs a check step may not run: they are not questions (or would start runs in runs).
_NOT_CHECKS = frozenset({"playbook", "incident", "postmortem"})


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Choice(_Strict):
    """One answer of an ``ask`` step; ``findings`` let ``diagnose`` pick it."""

    id: Annotated[str, Field(pattern=_ID, max_length=60)]
    label: Annotated[str, Field(min_length=1, max_length=75)]
    next: str
    findings: tuple[str, ...] = ()


class _Step(_Strict):
    id: Annotated[str, Field(pattern=_ID, max_length=60)]
    phase: Phase
    title: Annotated[str, Field(min_length=1, max_length=150)]
    say: str | None = None
    dont: tuple[str, ...] = ()


class CheckStep(_Step):
    """Runs a read-only command and shows its answer."""

    kind: Literal["check"]
    command: str
    next: str


class AskStep(_Step):
    """Choices that branch; with ``auto = "diagnose"`` the choice diagnose's lead finding
    matches is taken by the bot (a person may choose differently; see the engine)."""

    kind: Literal["ask"]
    question: str
    choices: Annotated[tuple[Choice, ...], Field(min_length=2, max_length=10)]
    auto: Literal["diagnose"] | None = None


class InstructStep(_Step):
    """A human does something, then presses Done."""

    kind: Literal["instruct"]
    text: str
    next: str


class GuardedStep(_Step):
    """A change proposed through the guard, like a typed one."""

    kind: Literal["guarded"]
    command: str
    reason: str | None = None
    next: str


class NoteStep(_Step):
    """A text recorded on the run (and on its incident)."""

    kind: Literal["note"]
    text: str
    next: str


class EndStep(_Step):
    """The end of a path."""

    kind: Literal["end"]
    text: str | None = None


Step = Annotated[CheckStep | AskStep | InstructStep | GuardedStep | NoteStep | EndStep,
                 Field(discriminator="kind")]
StepKind = Literal["check", "ask", "instruct", "guarded", "note", "end"]


class Playbook(_Strict):
    """One playbook file."""

    name: Annotated[str, Field(pattern=_ID, max_length=60)]
    title: Annotated[str, Field(min_length=1, max_length=150)]
    symptom: str
    needs_domain: bool = False
    start: str | None = None
    steps: Annotated[tuple[Step, ...], Field(min_length=1)]
    source: str = Field("", exclude=True, description="the file it came from (not in TOML)")

    @property
    def first(self) -> str:
        """The id of the step a run starts at."""
        return self.start or self.steps[0].id

    def step(self, step_id: str) -> CheckStep | AskStep | InstructStep | GuardedStep | NoteStep \
            | EndStep:
        """The step with this id (KeyError when there is none)."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    def find(self, step_id: str) -> CheckStep | AskStep | InstructStep | GuardedStep | NoteStep \
            | EndStep | None:
        """The step with this id, or None (a run may name a step edited out of the file)."""
        return next((step for step in self.steps if step.id == step_id), None)

    def successors(self, step_id: str) -> list[str]:
        """The steps reachable in one move from ``step_id``."""
        step = self.step(step_id)
        if isinstance(step, AskStep):
            return [c.next for c in step.choices]
        return [] if isinstance(step, EndStep) else [step.next]

    def steps_to_end(self, step_id: str) -> int:
        """How many steps the shortest path from ``step_id`` to an end takes, itself included."""
        seen = {step_id: 1}
        todo = deque([step_id])
        while todo:
            here = todo.popleft()
            if isinstance(self.step(here), EndStep):
                return seen[here]
            for nxt in self.successors(here):
                if nxt not in seen:
                    seen[nxt] = seen[here] + 1
                    todo.append(nxt)
        return 1


class PlaybookInvalid(ValueError):
    """A playbook file with errors; ``errors`` holds every one, each naming file and field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


def fill(template: str, *, domain: str | None, reason: str | None, run: str) -> str:
    """A command or text with its placeholders replaced by the run's values."""
    values = {"domain": domain or "", "reason": (reason or "").replace('"', "'"), "run": run}
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def parse_playbook(text: str, *, source: str, stem: str | None = None) -> Playbook:
    """Read one playbook file; every error of the file is raised at once."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlaybookInvalid([f"{source}: not valid TOML: {exc}"]) from None
    try:
        book = Playbook.model_validate(data)
    except ValidationError as exc:
        raise PlaybookInvalid([f"{source}: {_where(e['loc'], data)}: {_say(e)}"
                               for e in exc.errors()]) from None
    errors = [f"{source}: {err}" for err in _cross_check(book, stem)]
    if errors:
        raise PlaybookInvalid(errors)
    return book.model_copy(update={"source": source})


def load_library(files: Iterable[tuple[str, str, str]]) -> tuple[dict[str, Playbook], list[str]]:
    """Every valid playbook of ``(source, stem, text)`` files by name, and every error."""
    found: dict[str, Playbook] = {}
    errors: list[str] = []
    for source, stem, text in files:
        try:
            book = parse_playbook(text, source=source, stem=stem)
        except PlaybookInvalid as exc:
            errors.extend(exc.errors)
            continue
        if book.name in found:
            errors.append(f"{source}: name: \"{book.name}\" is also the name of "
                          f"{found[book.name].source}")
            continue
        found[book.name] = book
    return found, errors


# --- structure errors, said plainly ------------------------------------------------------


def _where(loc: tuple[Any, ...], data: Any) -> str:
    """``('steps', 3, 'check', 'next')`` -> ``steps[3].next`` (the union's tag dropped)."""
    out = ""
    node = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            continue
        if isinstance(node, Mapping) and part not in node and part in get_args(StepKind):
            continue  # the discriminated union's tag, not a field of the file
        out += f".{part}" if out else str(part)
        node = node.get(part) if isinstance(node, Mapping) else None
    return out or "(top level)"


def _say(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return "kind must be one of " + ", ".join(get_args(StepKind))
    if kind == "too_short":
        ctx = error.get("ctx", {})
        return f"needs at least {ctx.get('min_length')} entries, has {ctx.get('actual_length')}"
    if kind == "literal_error" and error["loc"][-1] == "phase":
        return f"{error['input']!r} is not a phase (one of {', '.join(PHASES)})"
    return str(error["msg"])


# --- cross-references ---------------------------------------------------------------------


def _cross_check(book: Playbook, stem: str | None) -> list[str]:
    errors: list[str] = []
    if stem is not None and book.name != stem:
        errors.append(f'name: "{book.name}" must equal the file name "{stem}"')
    ids: dict[str, int] = {}
    for i, step in enumerate(book.steps):
        if step.id in ids:
            errors.append(f'steps[{i}].id: duplicate id "{step.id}" (also steps[{ids[step.id]}])')
        else:
            ids[step.id] = i
    if book.start is not None and book.start not in ids:
        errors.append(f'start: no step "{book.start}"')
    if not any(isinstance(s, EndStep) for s in book.steps):
        errors.append('steps: no step of kind "end": every run must be able to end')
    for i, step in enumerate(book.steps):
        errors.extend(f"steps[{i}].{e}" for e in _check_step(book, step, ids))
    if not errors:
        errors.extend(_reachability(book))
    return errors


def _check_step(book: Playbook, step: Any, ids: Mapping[str, int]) -> list[str]:
    errors: list[str] = []
    nexts: list[tuple[str, str]] = []
    if isinstance(step, AskStep):
        errors.extend(_check_choices(book, step, ids))
    elif not isinstance(step, EndStep):
        nexts.append(("next", step.next))
    for field, target in nexts:
        if target not in ids:
            errors.append(f'{field}: no step "{target}"')
        elif target == step.id:
            errors.append(f"{field}: a step cannot lead to itself")
    for field in ("command", "text"):
        value = getattr(step, field, None)
        if isinstance(value, str):
            errors.extend(f"{field}: {e}" for e in _placeholders(book, step, value))
    if isinstance(step, CheckStep | GuardedStep) and not _placeholders(book, step, step.command):
        errors.extend(f"command: {e}" for e in _check_command(book, step))
    return errors


def _check_choices(book: Playbook, step: AskStep, ids: Mapping[str, int]) -> list[str]:
    errors: list[str] = []
    seen: dict[str, int] = {}
    picks: dict[str, str] = {}
    for j, choice in enumerate(step.choices):
        where = f"choices[{j}]"
        if choice.id in seen:
            errors.append(f'{where}.id: duplicate choice id "{choice.id}" '
                          f"(also choices[{seen[choice.id]}])")
        seen.setdefault(choice.id, j)
        if choice.next not in ids:
            errors.append(f'{where}.next: no step "{choice.next}"')
        elif choice.next == step.id:
            errors.append(f"{where}.next: a step cannot lead to itself")
        for k, finding in enumerate(choice.findings):
            if finding not in FINDINGS:
                errors.append(f'{where}.findings[{k}]: "{finding}" is not a diagnosis finding '
                              f"(one of {', '.join(FINDINGS)})")
            elif finding in picks:
                errors.append(f'{where}.findings[{k}]: "{finding}" already picks choice '
                              f'"{picks[finding]}"')
            else:
                picks[finding] = choice.id
    if step.auto == "diagnose":
        if not picks:
            errors.append('auto: "diagnose" needs at least one choice with `findings`')
        if not book.needs_domain:
            errors.append('auto: "diagnose" needs a domain, but needs_domain is false')
    return errors


def _placeholders(book: Playbook, step: Any, value: str) -> list[str]:
    errors: list[str] = []
    for name in _PLACEHOLDER.findall(value):
        if name not in PLACEHOLDERS:
            errors.append(f'unknown placeholder "{{{name}}}" (use '
                          + ", ".join(f"{{{p}}}" for p in PLACEHOLDERS) + ")")
        elif name == "domain" and not book.needs_domain:
            errors.append('uses "{domain}" but needs_domain is false')
        elif name == "reason" and not getattr(step, "reason", None):
            errors.append('uses "{reason}" but the step has no `reason`')
    return errors


def _check_command(book: Playbook, step: CheckStep | GuardedStep) -> list[str]:
    text = fill(step.command, domain=_SAMPLES["domain"],
                reason=getattr(step, "reason", None), run=_SAMPLES["run"])
    try:
        parsed = commands.parse(text)
    except UserInputError as exc:
        return [f"`{step.command}`: {exc.message}"]
    verb = parsed.verb
    if isinstance(parsed, commands.Help) and text.split()[:1] != ["help"]:
        return [f"`{step.command}`: not a command"]
    if parsed.incident is not None:
        return ["`--incident` is added by the run (its incident); leave it out"]
    if isinstance(step, CheckStep):
        if isinstance(parsed, WriteCommand) or verb in _NOT_CHECKS:
            return [f"`{verb}` is not a read-only verb; a check step only reads "
                    "(a change belongs in a `guarded` step)"]
    elif not isinstance(parsed, WriteCommand):
        return [f"`{verb}` is not a change; a guarded step proposes a change or a "
                "dangerous action (`suspend`, `suspend-path`, `cancel`, `bounce`, `shaping`, "
                "`rebind`, `xfer`)"]
    return []


def _reachability(book: Playbook) -> list[str]:
    reached = {book.first}
    todo = [book.first]
    while todo:
        for nxt in book.successors(todo.pop()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    return [f'steps[{i}]: step "{s.id}" is not reachable from the start "{book.first}"'
            for i, s in enumerate(book.steps) if s.id not in reached]
