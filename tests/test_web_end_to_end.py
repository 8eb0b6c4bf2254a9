"""`kumo-bot web` as deployed: gunicorn, settings from the environment, a simulated park.

A signed `/kumo queue yahoo.com` gets HTTP 200 at once, then kcli's figures are
posted to the (local) Slack Web API; a node that is down and one answering 500
are named while the good node still answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bot.adapters.slack.emulator import SlackEmulator
from bot.simulator import SimulatedPark
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[str, SimulatedPark, SlackEmulator]]:
    sim = SimulatedPark.start("yahoo-tss04", log_root=tmp_path / "logs")
    emulator = SlackEmulator().start()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUMO_", "SLACK_"))}
    env.update(
        KUMO_NODES=",".join(f"{n}={u}" for n, u in sim.node_urls.items()),
        KUMO_TSA_URLS=",".join(f"{n}={u}" for n, u in sim.tsa_urls.items()),
        KUMO_SITE_MAP=str(sim.site_map_path),
        KUMO_NODE_TIMEOUT="2",
        KUMO_DATA_DIR=str(tmp_path / "data"),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=emulator.api_url,
        PORT=str(port),
    )
    proc = subprocess.Popen([sys.executable, "-m", "bot", "web"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            proc.kill()
            pytest.fail("kumo-bot web did not start: " + (proc.communicate()[0] or "")[-2000:])
        yield url, sim, emulator
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        emulator.stop()
        sim.stop()


def _wait_for_message(emulator: SlackEmulator, channel: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = emulator.messages(channel)
        if messages:
            return str(messages[-1].blocks)
        time.sleep(0.05)
    pytest.fail("no answer was posted")


def _post(url: str, emulator: SlackEmulator, text: str) -> httpx.Response:
    raw = form(slash_body(text, response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")))
    return httpx.post(f"{url}/slack/events", content=raw, headers=signed_headers(raw), timeout=3)


def test_web_answers_a_signed_queue_command_with_kcli_figures(
    stack: tuple[str, SimulatedPark, SlackEmulator],
) -> None:
    url, _, emulator = stack
    response = _post(url, emulator, "queue yahoo.com")
    assert response.status_code == 200
    posted = _wait_for_message(emulator, "C0INCIDENT")
    assert "28,140" in posted and "TSA path suspended" in posted
    assert "spring:acme@yahoo.com" in posted


def test_web_names_a_down_node_and_a_failing_node_and_answers_from_the_good_one(
    stack: tuple[str, SimulatedPark, SlackEmulator],
) -> None:
    url, sim, emulator = stack
    sim.knobs("mta2").down = True
    sim.knobs("mta3").fail_status = 500
    assert _post(url, emulator, "queue yahoo.com").status_code == 200
    posted = _wait_for_message(emulator, "C0INCIDENT")
    assert "Not every node answered" in posted
    assert "*mta2*: down" in posted and "*mta3*: http" in posted
    assert "mta1" in posted and "acme@yahoo.com" in posted


def test_web_refuses_a_bad_signature_and_runs_nothing(
    stack: tuple[str, SimulatedPark, SlackEmulator],
) -> None:
    url, _, emulator = stack
    raw = form(slash_body("queue yahoo.com", response_url="http://127.0.0.1:9/"))
    response = httpx.post(f"{url}/slack/events", content=raw,
                          headers=signed_headers(raw, secret="wrong"), timeout=3)
    assert response.status_code == 401
    time.sleep(0.5)  # give a wrongly started job the time to show itself
    assert emulator.messages("C0INCIDENT") == []
