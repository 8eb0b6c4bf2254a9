"""The answers of ``playbook list``, ``playbook start`` and ``playbook runs``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.answers import AnswerBase
from bot.core.models import Model


class PlaybookInfo(Model):
    """One playbook the bot can run."""

    name: str
    title: str
    symptom: str
    needs_domain: bool
    steps: int


class PlaybookListAnswer(AnswerBase):
    """``playbook list``: what can be started, and how."""

    kind: Literal["playbook-list"] = "playbook-list"
    playbooks: list[PlaybookInfo] = Field(default_factory=list)


class RunLine(Model):
    """One run, as ``playbook runs`` and ``playbook start`` show it."""

    run_id: str
    playbook: str
    title: str
    domain: str | None = None
    incident: str | None = None
    status: str
    phase: str
    step: str = ""
    version: int = 0
    resumable: bool = Field(False, description="abandoned, or waiting on a check that may "
                            "have been cut short (a restart): a Resume button restarts it")
    warning: str | None = Field(None, description="its playbook, or the step it is at, "
                                "is gone since it started: it cannot go on")
    abandonable: bool = Field(False, description="outdated and not abandoned yet: an "
                              "Abandon button ends it")
    step_title: str
    step_n: int
    step_m: int
    started_by: str
    started_at: datetime
    milestone: str = ""
    channel: str | None = None
    ts: str | None = None
    link: str | None = Field(None, description="a permalink to the run's thread")


class PlaybookRunsAnswer(AnswerBase):
    """``playbook runs``: the runs not ended, newest first, with links to their threads."""

    kind: Literal["playbook-runs"] = "playbook-runs"
    runs: list[RunLine] = Field(default_factory=list)


class PlaybookStartAnswer(AnswerBase):
    """``playbook start``: the run, where it stands after its first steps."""

    kind: Literal["playbook-start"] = "playbook-start"
    run: RunLine
    shown: bool = Field(True, description="False: no Slack thread shows the run (`ask`)")
