"""What a node's failures become: the error tree, the ACL hint, and bounded retries."""

from __future__ import annotations

import base64
import logging
import time
import tomllib
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.kumomta import BasicAuth, BearerToken, RetryPolicy, UpstreamTimeout
from bot.core.errors import PermissionDenied, UpstreamError, UpstreamUnavailable

from . import recorded
from .fakehttp import FakeServer, Reply, json_reply, refused_url
from .helpers import ask_node

FAST = RetryPolicy(retries=2, initial_backoff=0.01, max_backoff=0.05)


def _acl_toml(hint: str) -> dict[str, object]:
    """The ready-to-paste part of a permission hint, parsed as TOML."""
    return tomllib.loads(hint.split("\n\n", 1)[1])


def test_denied_admin_read_names_the_acl_rule_to_paste(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(401, recorded.DENIED_ADMIN))
    with pytest.raises(PermissionDenied) as caught:
        ask_node(kumod.url, lambda r: r.bounces(), credentials=BasicAuth("slackbot", "pw"))
    error = caught.value
    assert error.status == 401 and error.node == "mta1"
    assert recorded.DENIED_ADMIN in error.message
    assert error.hint is not None and "http_listener/*/api/admin" in error.hint
    rules = _acl_toml(error.hint)["acl"]["http_listener/*/api/admin"]  # type: ignore[index]
    assert rules[0] == {"allow": True, "privileges": ["GET"],
                        "identity": {"Individual": "slackbot"}}
    # Entries replace the default: the trusted-host rule must be kept.
    assert rules[1]["identity"] == {"Group": "kumomta:http-listener-trusted-ip"}
    assert rules[1]["privileges"] == ["GET", "DELETE", "POST"]


@pytest.mark.parametrize(
    ("path", "read", "resource"),
    [
        ("/metrics", lambda r: r.metrics(), "http_listener/*/metrics"),
        ("/api/machine-info", lambda r: r.machine_info(), "http_listener/*/api/machine-info"),
    ],
)
def test_denied_metrics_and_machine_info_name_their_own_resource(
    kumod: FakeServer, path: str, read: object, resource: str
) -> None:
    kumod.route(path, Reply(403, f"slackbot not permitted GET on {resource}"))
    with pytest.raises(PermissionDenied) as caught:
        ask_node(kumod.url, read, credentials=BasicAuth("slackbot", "pw"))  # type: ignore[arg-type]
    assert caught.value.hint is not None
    assert resource in _acl_toml(caught.value.hint)["acl"]  # type: ignore[operator]


def test_denied_without_credentials_says_trusted_host_or_credentials(kumod: FakeServer) -> None:
    kumod.route("/api/admin/suspend/v1",
                Reply(401, "10.0.0.9 not permitted GET on http_listener/*/api/admin/suspend/v1"))
    with pytest.raises(PermissionDenied) as caught:
        ask_node(kumod.url, lambda r: r.scheduled_suspensions())
    hint = caught.value.hint or ""
    assert "trusted_hosts" in hint and "KUMO_READ_USER" in hint
    assert '[[acl."http_listener/*/api/admin"]]' in hint


def test_bearer_identity_is_named_as_what_the_auth_hook_returns(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(401, "tok not permitted GET on x"))
    with pytest.raises(PermissionDenied) as caught:
        ask_node(kumod.url, lambda r: r.bounces(), credentials=BearerToken("tok-secret"))
    assert "http_server_validate_auth_bearer" in (caught.value.hint or "")


def test_pre_acl_server_not_trusted_host_says_what_to_do(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(401, recorded.NOT_TRUSTED))
    with pytest.raises(PermissionDenied) as caught:
        ask_node(kumod.url, lambda r: r.bounces())
    hint = caught.value.hint or ""
    assert "2026.03.04" in hint and "trusted_hosts" in hint and "credentials" in hint


def test_rejected_password_is_not_an_acl_problem(kumod: FakeServer) -> None:
    kumod.route("/metrics", Reply(401, "HttpBasicAuth Authentication Failed for slackbot"))
    with pytest.raises(PermissionDenied) as caught:
        ask_node(kumod.url, lambda r: r.metrics(), credentials=BasicAuth("slackbot", "bad"))
    assert "rejected the credentials" in (caught.value.hint or "")


def test_credentials_never_appear_in_error_text_even_when_echoed(kumod: FakeServer) -> None:
    encoded = base64.b64encode(b"slackbot:hunter2").decode()
    echo = f"hunter2 Basic {encoded} not permitted GET on http_listener/*/api/admin"
    kumod.route("/api/admin/bounce/v1", Reply(401, echo))
    kumod.route("/metrics", Reply(500, "Error: boom hunter2"))
    url = kumod.url.replace("http://", "http://slackbot:hunter2@")
    for read in (lambda r: r.bounces(), lambda r: r.metrics()):
        with pytest.raises(UpstreamError) as caught:
            ask_node(url, read, retry=FAST)
        assert "hunter2" not in str(caught.value) and encoded not in str(caught.value)


def test_credentials_never_appear_when_the_node_is_down() -> None:
    url = refused_url().replace("http://", "http://slackbot:hunter2@")
    with pytest.raises(UpstreamUnavailable) as caught:
        ask_node(url, lambda r: r.bounces(), retry=FAST)
    assert "hunter2" not in str(caught.value)


def test_server_error_keeps_status_and_body_text(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(500, "Error: no such queue yahoo.com"))
    with pytest.raises(UpstreamError) as caught:
        ask_node(kumod.url, lambda r: r.bounces())
    assert type(caught.value) is UpstreamError
    assert caught.value.status == 500 and "Error: no such queue yahoo.com" in caught.value.message
    assert len(kumod.seen) == 1  # a 500 is not transient: no retry


def test_connection_refused_is_unavailable_down() -> None:
    with pytest.raises(UpstreamUnavailable) as caught:
        ask_node(refused_url(), lambda r: r.liveness(), retry=FAST)
    assert not isinstance(caught.value, UpstreamTimeout)
    assert "is down" in caught.value.message


def test_dns_failure_is_unavailable() -> None:
    with pytest.raises(UpstreamUnavailable):
        ask_node("http://no-such-host.invalid:8000", lambda r: r.liveness(), retry=FAST)


def test_slow_answer_is_a_timeout(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", json_reply([], delay=1.0))
    with pytest.raises(UpstreamTimeout, match="timeout"):
        ask_node(kumod.url, lambda r: r.bounces(), timeout=0.2, retry=RetryPolicy(retries=0))


def test_503_on_an_admin_list_is_retried_then_read(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(503, "Error: busy"), Reply(502, "bad gateway"),
                json_reply(recorded.BOUNCES))
    [bounce] = ask_node(kumod.url, lambda r: r.bounces(), retry=FAST)
    assert bounce.reason == "purge"
    assert len(kumod.requests_to("/api/admin/bounce/v1")) == 3


def test_retries_never_exceed_the_bound(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(503, "Error: load shedding"))
    with pytest.raises(UpstreamError) as caught:
        ask_node(kumod.url, lambda r: r.bounces(), retry=FAST)
    assert caught.value.status == 503 and "load shedding" in caught.value.message
    assert len(kumod.seen) == 1 + FAST.retries


def test_zero_retries_means_one_attempt(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(504, "timeout upstream"))
    with pytest.raises(UpstreamError):
        ask_node(kumod.url, lambda r: r.bounces(), retry=RetryPolicy(retries=0))
    assert len(kumod.seen) == 1


def test_liveness_503_is_never_retried(kumod: FakeServer) -> None:
    kumod.route("/api/check-liveness/v1", Reply(503, "storage is too full"))
    liveness = ask_node(kumod.url, lambda r: r.liveness(), retry=FAST)
    assert liveness.text == "storage is too full"
    assert len(kumod.seen) == 1


def test_retry_after_is_honoured(kumod: FakeServer) -> None:
    kumod.route("/api/admin/suspend/v1", Reply(503, "busy", headers={"Retry-After": "0.3"}),
                json_reply([]))
    started = time.monotonic()
    assert ask_node(kumod.url, lambda r: r.scheduled_suspensions(), retry=FAST) == []
    assert time.monotonic() - started >= 0.3


def test_retry_after_is_capped(kumod: FakeServer) -> None:
    kumod.route("/api/admin/suspend/v1", Reply(503, "busy", headers={"Retry-After": "3600"}),
                json_reply([]))
    policy = RetryPolicy(retries=1, retry_after_cap=0.1)
    started = time.monotonic()
    assert ask_node(kumod.url, lambda r: r.scheduled_suspensions(), retry=policy) == []
    assert time.monotonic() - started < 60  # an hour's Retry-After was not obeyed


def test_retries_stop_before_the_deadline(kumod: FakeServer) -> None:
    kumod.route("/api/admin/suspend/v1", Reply(503, "busy", headers={"Retry-After": "2"}))
    with pytest.raises(UpstreamError) as caught:
        ask_node(kumod.url, lambda r: r.scheduled_suspensions(),
                 retry=RetryPolicy(retries=5), deadline=time.monotonic() + 0.5)
    assert caught.value.status == 503
    assert len(kumod.seen) == 1  # waiting 2 s would pass the deadline: no retry


def test_refused_connections_are_retried_within_the_bound(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Refused is transient too (a node restarting); the bound still holds.
    caplog.set_level(logging.INFO, logger="bot.adapters.kumomta.wire")
    with pytest.raises(UpstreamUnavailable):
        ask_node(refused_url(), lambda r: r.bounces(), retry=FAST)
    retried = [rec for rec in caplog.records if rec.getMessage().startswith("retrying GET")]
    assert len(retried) == FAST.retries


def test_retry_after_as_an_http_date_is_read() -> None:
    from email.utils import format_datetime

    import httpx

    from bot.adapters.kumomta.wire import _retry_after

    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = _retry_after(httpx.Response(503, headers={"Retry-After": soon}))
    assert seconds is not None and 25 < seconds <= 30
    assert _retry_after(httpx.Response(503, headers={"Retry-After": "soon-ish"})) is None
    assert _retry_after(httpx.Response(503)) is None


def test_an_explicit_deny_rule_is_called_out(kumod: FakeServer) -> None:
    kumod.route("/metrics", Reply(401, "slackbot denied GET on http_listener/*/metrics"))
    with pytest.raises(PermissionDenied) as caught:
        ask_node(kumod.url, lambda r: r.metrics(), credentials=BasicAuth("slackbot", "pw"))
    assert "explicit deny rule" in (caught.value.hint or "")
