"""Headless Chromium over the DevTools protocol (``websockets``), for the HTML check.

``open_page`` loads a file and reports what a reader's browser would show: console
errors and uncaught exceptions, the chart image's state, and a screenshot of it.
Chromium runs as root here, hence ``--no-sandbox``.  Waits are bounded by a deadline
(a hung browser fails the test with a message); nothing asserts on how long it took.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

CHROMIUM = shutil.which("chromium")
DEADLINE_S = 60.0
_LISTENING = re.compile(r"DevTools listening on (ws://\S+)")
CHART_STATE = """(() => {
  const img = document.getElementById('impact-chart');
  if (!img) return null;
  img.scrollIntoView({block: 'center'});
  const r = img.getBoundingClientRect();
  const style = getComputedStyle(img);
  return {complete: img.complete, naturalWidth: img.naturalWidth,
          naturalHeight: img.naturalHeight, width: r.width, height: r.height,
          top: r.top, left: r.left, bottom: r.bottom, right: r.right,
          innerWidth: window.innerWidth, innerHeight: window.innerHeight,
          scrollX: window.scrollX, scrollY: window.scrollY,
          visibility: style.visibility, display: style.display, opacity: style.opacity};
})()"""


@dataclass
class PageReport:
    """What loading one page showed."""

    errors: list[str] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    screenshot: bytes = b""
    clip: dict[str, float] | None = None


class Chromium:
    """One headless browser, started and stopped by this test process."""

    def __init__(self) -> None:
        assert CHROMIUM is not None
        self.profile = tempfile.mkdtemp(prefix="kumo-chromium-")
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--disable-dev-shm-usage", "--remote-debugging-port=0", "--no-first-run",
             f"--user-data-dir={self.profile}", "--window-size=1200,900", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.browser_ws = self._listening()
        # Keep reading its stderr, so a chatty browser never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        self.http = "http://" + self.browser_ws.split("/")[2]
        self._ids = itertools.count(1)

    def _listening(self) -> str:
        assert self.proc.stderr is not None
        seen = []
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            seen.append(line)
            found = _LISTENING.search(line)
            if found:
                return found.group(1)
        self.close()
        raise RuntimeError("chromium did not start its DevTools server:\n" + "".join(seen[-20:]))

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for _ in self.proc.stderr:
            pass

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _send(self, ws: ClientConnection, method: str, events: list[dict[str, Any]],
              **params: Any) -> dict[str, Any]:
        """Send one command; keep every event that arrives before its reply."""
        ident = next(self._ids)
        ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=DEADLINE_S))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            events.append(message)
        raise RuntimeError(f"no reply to {method}")

    def _wait_for(self, ws: ClientConnection, method: str, events: list[dict[str, Any]]) -> None:
        if any(e.get("method") == method for e in events):
            return
        deadline = time.monotonic() + DEADLINE_S
        while time.monotonic() < deadline:
            message = json.loads(ws.recv(timeout=DEADLINE_S))
            events.append(message)
            if message.get("method") == method:
                return
        raise RuntimeError(f"{method} never came")

    def open_page(self, path: Path) -> PageReport:
        """Load ``path`` in a new tab and report errors, the chart and a screenshot."""
        target = httpx.put(f"{self.http}/json/new?about:blank", timeout=DEADLINE_S).json()
        events: list[dict[str, Any]] = []
        with connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            for domain in ("Page", "Runtime", "Log"):
                self._send(ws, f"{domain}.enable", events)
            self._send(ws, "Page.navigate", events, url=path.resolve().as_uri())
            self._wait_for(ws, "Page.loadEventFired", events)
            state = self._send(ws, "Runtime.evaluate", events, expression=CHART_STATE,
                               returnByValue=True)
            chart = state.get("result", {}).get("value")
            report = PageReport(chart=chart)
            params: dict[str, Any] = {"format": "png"}
            if chart:
                # The clip is in page coordinates: the viewport's place plus the scroll.
                report.clip = {"x": chart["left"] + chart["scrollX"],
                               "y": chart["top"] + chart["scrollY"],
                               "width": chart["width"], "height": chart["height"], "scale": 1}
                params["clip"] = report.clip
            shot = self._send(ws, "Page.captureScreenshot", events, **params)
            report.screenshot = base64.b64decode(shot["data"])
            # Late console messages are sent before the reply to this last round trip.
            self._send(ws, "Runtime.evaluate", events, expression="1")
        report.errors = _errors(events)
        return report


def _errors(events: list[dict[str, Any]]) -> list[str]:
    out = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            out.append("console: " + " ".join(str(a.get("value", a.get("description", "")))
                                              for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            out.append("exception: " + str(details.get("exception", {}).get(
                "description", details.get("text", ""))))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            out.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
    return out
