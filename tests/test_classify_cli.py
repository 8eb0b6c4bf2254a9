"""`kumo-bot classify`: replies on stdin, one JSON object per line out, line for line."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.use_cases.classify_lines import MAX_LINE_BYTES, classify_stream, read_lines
from tests.core.shaping_helpers import COMMUNITY_FILE, SITEMAP_FILE
from tests.explain_helpers import S3150, TSS04, knowledge

ROOT = Path(__file__).resolve().parents[1]


def run(stdin: bytes, *args: str, files: str | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUMO_", "SLACK_"))}
    env["KUMO_SITE_MAP"] = str(SITEMAP_FILE)  # no DNS in tests
    if files:
        env["KUMO_SHAPING_FILES"] = files
    return subprocess.run([sys.executable, "-m", "bot", "classify", *args], input=stdin,
                          capture_output=True, timeout=60, cwd=ROOT, env=env)


def test_plain_and_json_lines_come_out_one_object_per_line_with_the_tsa_rules() -> None:
    record = {"id": "r-7", "type": "Bounce", "recipient": ["bob@hotmail.com"],
              "response": {"code": 550, "enhanced_code": {"class": 5, "subject": 7, "detail": 1},
                           "content": S3150.split(" ", 2)[2]}}
    stdin = "\n".join([TSS04, json.dumps(record), json.dumps({"response": S3150})]) + "\n"
    done = run(stdin.encode())
    assert done.returncode == 0, done.stderr
    first, second, third = (json.loads(line) for line in done.stdout.decode().splitlines())
    assert (first["category"], first["provider"], first["code"], first["enhanced"]) == (
        "rate_limit_brake", "yahoo", 421, "4.7.0")
    assert first["temporary_in_nature"] and not first["should_suppress_recipient"]
    assert (first["domain"], first["domain_assumed"]) == ("yahoo.com", True)
    assert [(r["scope"], r["actions"]) for r in first["matched_rules"]] == [
        ("default", ["SetConfig max_message_rate=1/minute", "SetConfig connection_limit=1"]),
        ("provider:yahoo", ["Suspend"]),
    ]
    assert (second["id"], second["domain"], second["domain_assumed"]) == ("r-7", "hotmail.com",
                                                                          False)
    assert second["category"] == "reputation_block" and second["matched_rules"] == []
    assert any("default rules do not catch it" in note for note in second["notes"])
    assert third["line"] == 3 and third["provider"] == "outlook"


def test_odd_lines_get_an_error_object_in_their_place_and_the_stream_goes_on() -> None:
    huge = b"550 5.1.1 user unknown " + b"x" * (MAX_LINE_BYTES * 3)
    stdin = b"\n".join([b"", b"\x00\xff\xfe\x80 binary", b"{not json", b'{"response": 5}',
                        b'{"response": "  "}', huge, b"421 4.3.2 Service not available"]) + b"\n"
    done = run(stdin)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 7]
    assert "empty line" in out[0]["error"]
    assert out[1]["rule"] == "no-code"
    assert "not valid JSON" in out[2]["error"] and "`response`" in out[3]["error"]
    assert "`response` field is empty" in out[4]["error"]
    assert out[5]["truncated"] and out[5]["category"] == "invalid_recipient"
    assert out[6]["category"] == "transient_other"


def test_rules_that_can_never_fire_are_reported_on_stderr() -> None:
    done = run(b"", files=f"{ROOT / 'bot' / 'data' / 'shaping.toml'},{COMMUNITY_FILE}")
    assert done.returncode == 0 and done.stdout == b""
    assert b'provider "gmail" has no match list' in done.stderr


def test_a_bad_domain_option_is_refused_with_a_clear_message() -> None:
    done = run(b"421 x\n", "--domain", "not a domain")
    assert done.returncode == 1 and b"is not a domain" in done.stderr


def test_a_forced_domain_applies_to_every_line() -> None:
    out = io.StringIO()
    classify_stream(knowledge(), io.BytesIO(f"{TSS04}\n".encode()), out, domain="gmail.com")
    (line,) = (json.loads(x) for x in out.getvalue().splitlines())
    assert (line["domain"], line["domain_assumed"]) == ("gmail.com", False)
    assert [r["scope"] for r in line["matched_rules"]] == ["default"]


def test_lines_are_read_in_bounded_pieces() -> None:
    stream = io.BytesIO(b"a" * 100 + b"\nshort\n" + b"b" * 10)
    assert list(read_lines(stream, limit=16)) == [(b"a" * 16, True), (b"short", False),
                                                  (b"b" * 10, False)]
