"""The post-mortem as files: Jinja2 templates (``templates/``) and the PNG chart.

One strict Jinja environment (``StrictUndefined``), built once when the renderer is,
with autoescape on for the HTML template.  Markdown has no autoescape, so every
untrusted text goes through the ``md`` filter there.  The HTML is self-contained: CSS
inline, the chart a ``data:`` URI; the PNG is also returned as a file of its own.
``DirectoryShelf`` writes the files into a directory (``kumo-bot postmortem --out``,
the demo's data directory).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from pathlib import Path

import jinja2

from bot.adapters.charts_impact import render_impact_png
from bot.core.answers_postmortem import RenderedFile
from bot.core.postmortem import PostmortemDoc, utc_text

DEFAULT_TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
"""``templates/`` at the top of the project."""
MARKDOWN_TEMPLATE = "postmortem.md.j2"
HTML_TEMPLATE = "postmortem.html.j2"

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!])")


def md_text(value: object) -> str:
    """Untrusted text for Markdown: one line, its markup characters escaped."""
    text = " ".join(str(value).split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def build_environment(template_dir: Path) -> jinja2.Environment:
    """The one strict environment: undefined names fail, HTML is autoescaped."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        # HTML only; the Markdown escapes with its own ``md`` filter.
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html"),
                                            default_for_string=False, default=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["utc"] = utc_text
    env.filters["md"] = md_text
    return env


class JinjaPostmortemRenderer:
    """``PostmortemRenderer``: Markdown, HTML and PNG from one ``PostmortemDoc``."""

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = template_dir or DEFAULT_TEMPLATE_DIR
        self.env = build_environment(self.template_dir)
        # Loaded now, so a missing or broken template stops start-up, not a post-mortem.
        self.env.get_template(MARKDOWN_TEMPLATE)
        self.env.get_template(HTML_TEMPLATE)

    def render(self, doc: PostmortemDoc) -> list[RenderedFile]:
        """The Markdown, the HTML (chart inline) and the chart's PNG when there is one."""
        png = None
        if doc.impact is not None and doc.chart_file is not None:
            png = render_impact_png(
                doc.impact, title=f"{doc.incident.id}: per provider over the incident")
        chart_uri = ("data:image/png;base64," + base64.b64encode(png).decode("ascii")
                     if png is not None else None)
        markdown = self.env.get_template(MARKDOWN_TEMPLATE).render(doc=doc)
        html = self.env.get_template(HTML_TEMPLATE).render(doc=doc, chart_uri=chart_uri)
        title = f"Post-mortem {doc.incident.id}"
        files = [
            RenderedFile(name=f"{doc.base_name}.md", media_type="text/markdown",
                         title=f"{title} (Markdown)", content=markdown.encode()),
            RenderedFile(name=f"{doc.base_name}.html", media_type="text/html",
                         title=f"{title} (HTML)", content=html.encode()),
        ]
        if png is not None and doc.chart_file is not None:
            files.append(RenderedFile(name=doc.chart_file, media_type="image/png",
                                      title=f"{title}: chart", content=png))
        return files


class DirectoryShelf:
    """``DocumentShelf``: writes files into one directory, created when needed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, files: Sequence[RenderedFile]) -> str:
        """Write every file (replacing older ones of the same name); the directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        for file in files:
            (self.root / file.name).write_bytes(file.content)
        return str(self.root)
