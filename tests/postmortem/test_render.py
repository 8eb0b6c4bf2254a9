"""The post-mortem rendered from its templates: sections, reasons, escaping, stable bytes."""

from __future__ import annotations

import base64
import random
import re
import struct
from dataclasses import replace
from pathlib import Path

import jinja2
import pytest

from bot.adapters.postmortem_files import DirectoryShelf, JinjaPostmortemRenderer
from bot.core.answers_postmortem import RenderedFile
from bot.core.impact import ImpactTally
from bot.core.logrecords import LogRecord
from bot.core.postmortem_sections import build_postmortem
from tests.postmortem.docs import (
    OPEN,
    RESOLVED,
    at,
    busy_doc,
    busy_readings,
    busy_timeline,
    empty_doc,
    incident,
)

STAMP = re.compile(r"Generated at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC")
DATA_URI = re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+")


def texts(files: list[RenderedFile]) -> tuple[str, str]:
    by_name = {f.name.rsplit(".", 1)[1]: f for f in files}
    return by_name["md"].content.decode(), by_name["html"].content.decode()


def stable(text: str) -> str:
    return DATA_URI.sub("data:", STAMP.sub("Generated at -", text))


def test_every_section_is_there_with_its_rows() -> None:
    files = JinjaPostmortemRenderer().render(busy_doc())
    assert [f.name for f in files] == ["postmortem-INC-20261129-1.md",
                                       "postmortem-INC-20261129-1.html",
                                       "postmortem-INC-20261129-1.png"]
    md, html = texts(files)
    for heading in ("Summary", "Impact", "Timeline", "What TSA did", "Actions taken",
                    "Cause and contributing factors", "What changed", "Isolated or pattern",
                    "Follow-ups"):
        assert f"## {heading}" in md and f">{heading}</h2>" in html
    assert "| yahoo | 2 | 1 | 1 | 4 |" in md and "| **all** | **2** | **1** | **1** | **4** |" in md
    assert "| ip-1 | 1 | 0 | 1 | 2 |" in md
    internal = md.split("### KumoMTA internal records")[1].split("###")[0]
    # the internal record, counted apart, under the provider the domain's records name
    assert "| yahoo | 1 | 0 | 0 | 1 |" in internal and "yahoo.com" not in internal
    assert "| yahoo.com | mta1 | 1,200 |" in md
    assert "Part of a pattern: 1 earlier incident(s) on the same domains" in md
    # actions: requester and the second person's sign-off; the change's nodes sorted
    assert "| requested by | confirmed / approved by |" in md
    assert "| U0ALICE | approved by U0BOB | ok | mta1: ok, mta2: ok |" in md
    # follow-ups: the hold left, the follow-up and TODO notes, the guard's refusal
    assert "Hold still in place when this was generated: abc123" in md
    assert "follow-up: warm up ip-4" in md and "TODO ask Yahoo postmaster" in md
    assert "The guard refused bounce --everything --reason y" in md
    causes = md.split("## Cause")[1].split("## What changed")[0]
    assert "Answer: volume spike" in causes and "choose why tsa-brake" in causes
    assert "started queue-not-draining" not in causes  # in the timeline, not a cause
    assert "No delivery logs configured for node mta3" in md


def test_sections_without_data_say_why() -> None:
    md, html = texts(JinjaPostmortemRenderer().render(empty_doc()))
    for why in ("The incident names no domain, so there is nothing to count.",
                "The incident names no domain, so there is no queue to look at.",
                "No chart: The incident names no domain",
                "Nothing was filed under this incident.",
                "TSA took no recorded action while the incident was open",
                "No actions: no change was requested under this incident.",
                "No approvals: no change was requested under this incident.",
                "No cause recorded: nobody wrote an incident note or answered a playbook step.",
                "Nothing changed: no change was executed through the bot",
                "Isolated: no earlier incident on these domains",
                "No follow-ups: no note starts with"):
        assert why in md, why
        assert why in html, why


def test_untrusted_text_is_escaped_in_html_and_markdown() -> None:
    md, html = texts(JinjaPostmortemRenderer().render(busy_doc()))
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<!channel>" not in html
    assert "<script>" not in md and r"\<script\>alert(1)\</script\>" in md
    assert r"\*\*x\*\* \| \<\!channel\>" in md  # no bold, no table cell break, no mention


def test_the_html_is_self_contained_with_the_chart_inline() -> None:
    files = JinjaPostmortemRenderer().render(busy_doc())
    _, html = texts(files)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "<style>" in html
    uri = DATA_URI.search(html)
    assert uri is not None
    png = base64.b64decode(uri.group(0).split(",", 1)[1])
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == files[2].content


def test_rendering_twice_gives_the_same_bytes_but_for_the_stamp_and_the_image() -> None:
    renderer = JinjaPostmortemRenderer()
    first = texts(renderer.render(busy_doc()))
    shuffled = busy_timeline()
    random.Random(7).shuffle(shuffled)
    doc = build_postmortem(incident(), shuffled, busy_readings(now=busy_doc().generated_at
                                                               .replace(hour=23)))
    doc = doc.model_copy(update={"chart_file": f"{doc.base_name}.png"})
    second = texts(renderer.render(doc))
    assert first != second  # the stamps differ ...
    assert [stable(t) for t in first] == [stable(t) for t in second]  # ... and nothing else


def test_templates_can_come_from_elsewhere_and_are_strict(tmp_path: Path) -> None:
    (tmp_path / "postmortem.md.j2").write_text("{{ doc.incident.id }} {{ doc.nothing_here }}")
    (tmp_path / "postmortem.html.j2").write_text("<p>{{ doc.incident.title }}</p>")
    renderer = JinjaPostmortemRenderer(tmp_path)
    with pytest.raises(jinja2.UndefinedError):
        renderer.render(busy_doc())
    (tmp_path / "postmortem.md.j2").write_text("{{ doc.incident.id }}")
    md, html = texts(renderer.render(empty_doc()))
    assert md == "INC-20261129-1" and html == "<p>Yahoo deferrals</p>"


def test_a_missing_template_stops_the_renderer_at_start(tmp_path: Path) -> None:
    (tmp_path / "postmortem.md.j2").write_text("x")
    with pytest.raises(jinja2.TemplateNotFound):
        JinjaPostmortemRenderer(tmp_path)


def test_the_shelf_writes_every_file_and_says_where(tmp_path: Path) -> None:
    files = JinjaPostmortemRenderer().render(busy_doc())
    where = DirectoryShelf(tmp_path / "out").save(files)
    assert where == str(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(f.name for f in files)
    assert (tmp_path / "out" / files[0].name).read_bytes() == files[0].content


def test_the_chart_draws_only_series_with_data_and_says_which_were_zero() -> None:
    tally = ImpactTally(["yahoo.com"], OPEN, RESOLVED)
    tally.add(LogRecord(type="Delivery", recipients=("a@yahoo.com",), at=at(3),
                        provider="yahoo", egress_source="ip-1"))
    readings = replace(busy_readings(), impact=tally.impact())
    doc = build_postmortem(incident(), busy_timeline(), readings)
    doc = doc.model_copy(update={"chart_file": f"{doc.base_name}.png"})
    files = JinjaPostmortemRenderer().render(doc)
    md, html = texts(files)
    said = ("Deliveries per provider, per minute. Not drawn, being zero over the whole "
            "window: deferrals, bounces and KumoMTA internal records.")
    assert said in md and said in html
    assert "![Deliveries per provider over time]" in md
    # one panel only: the PNG is as tall as one panel (100 dpi, 0.8 + 1.8 inches)
    width, height = struct.unpack(">II", files[2].content[16:24])
    assert (width, height) == (800, 260)
    full = JinjaPostmortemRenderer().render(busy_doc())[2].content
    assert struct.unpack(">II", full[16:24]) == (800, 800)  # four series, four panels
    assert "Not drawn" not in texts(JinjaPostmortemRenderer().render(busy_doc()))[0]


def test_tsa_and_actions_say_how_to_read_them() -> None:
    md, html = texts(JinjaPostmortemRenderer().render(busy_doc()))
    tsa = md.split("## What TSA did")[1].split("## Actions taken")[0]
    assert "/kumo tsa history DOMAIN shows every action" in tsa
    assert "· **tsa**: TSA: suspend-path ip-1" in tsa  # the kind is not repeated as the actor
    assert "/kumo tsa history DOMAIN shows every action" in html
    actions = md.split("## Actions taken")[1].split("## Cause")[0]
    assert "requester's own Confirm (\"confirmed by the requester\")" in actions
    assert "| approval | Approved “bounce yahoo.com --reason x” | - | approved by U0BOB |" \
        in actions
