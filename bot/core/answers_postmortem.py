"""The answer of ``postmortem [INCIDENT]``: a short summary and the rendered files."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, computed_field

from bot.core.answers import AnswerBase
from bot.core.models import Model


class RenderedFile(Model):
    """One file of the post-mortem.  The bytes stay out of ``ask --json`` (size only)."""

    name: str
    media_type: str
    title: str
    content: bytes = Field(exclude=True, repr=False)

    @computed_field  # type: ignore[prop-decorator]  # pydantic's documented form
    @property
    def size(self) -> int:
        """Bytes."""
        return len(self.content)


class PostmortemAnswer(AnswerBase):
    """The post-mortem of one incident: the headline numbers and the files."""

    kind: Literal["postmortem"] = "postmortem"
    incident_id: str
    title: str
    status: str
    summary: list[str] = Field(default_factory=list)
    files: list[RenderedFile] = Field(default_factory=list)
    saved_to: str | None = Field(None, description="where the files were also written")
