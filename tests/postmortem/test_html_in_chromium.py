"""The post-mortem's HTML in a real browser: no console error, the chart visible.

Debian's ``chromium`` (``.ci/run`` installs it) is driven over the DevTools protocol.
The checks are proven able to fail: a page with an injected console error, and one
whose image cannot be decoded, are caught.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from matplotlib import image as mpimg

from bot.adapters.postmortem_files import JinjaPostmortemRenderer
from tests.postmortem.docs import busy_doc
from tests.postmortem.headless import CHROMIUM, Chromium, PageReport

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (`.ci/run` installs it: "
                             "apt-get install chromium); the HTML check needs a real browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    started = Chromium()
    yield started
    started.close()


@pytest.fixture
def page(tmp_path: Path) -> Path:
    files = JinjaPostmortemRenderer().render(busy_doc())
    html = next(f for f in files if f.name.endswith(".html"))
    path = tmp_path / html.name
    path.write_bytes(html.content)
    return path


def assert_chart_visible(report: PageReport) -> None:
    chart = report.chart
    assert chart is not None, "no #impact-chart image in the page"
    assert chart["complete"] and chart["naturalWidth"] > 0 and chart["naturalHeight"] > 0, chart
    assert chart["width"] > 100 and chart["height"] > 100, chart
    assert chart["top"] >= 0 and chart["bottom"] <= chart["innerHeight"] + 1, chart  # on screen
    assert chart["left"] >= 0 and chart["right"] <= chart["innerWidth"] + 1, chart
    assert chart["visibility"] == "visible" and chart["display"] != "none", chart
    assert float(chart["opacity"]) > 0.5, chart
    assert report.screenshot.startswith(b"\x89PNG\r\n\x1a\n")
    pixels = mpimg.imread(io.BytesIO(report.screenshot), format="png")
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    colours = {tuple(px) for px in pixels.reshape(-1, pixels.shape[-1])[::7].round(2).tolist()}
    assert len(colours) > 20, "the screenshot of the chart is blank"
    assert float(pixels[..., :3].std()) > 0.05, "the screenshot of the chart is blank"


def test_the_postmortem_renders_without_console_errors_and_the_chart_shows(
        browser: Chromium, page: Path, tmp_path: Path) -> None:
    report = browser.open_page(page)
    (tmp_path / "chart-screenshot.png").write_bytes(report.screenshot)
    assert report.errors == []
    assert_chart_visible(report)


def test_the_check_catches_a_console_error(browser: Chromium, page: Path) -> None:
    html = page.read_text()
    page.write_text(html.replace("</body>", "<script>console.error('boom from a test')</script>"
                                 "<script>undefined_function()</script></body>"))
    report = browser.open_page(page)
    assert any("boom from a test" in e for e in report.errors), report.errors
    assert any("undefined_function" in e for e in report.errors), report.errors


def test_the_check_catches_a_chart_that_does_not_show(browser: Chromium, page: Path) -> None:
    html = page.read_text()
    start = html.index('src="data:image/png;base64,') + len('src="')
    end = html.index('"', start)
    page.write_text(html[:start] + "data:image/png;base64,AAAA" + html[end:])
    report = browser.open_page(page)
    with pytest.raises(AssertionError):
        assert_chart_visible(report)
