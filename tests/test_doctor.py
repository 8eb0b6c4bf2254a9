"""`doctor` against a park that checks credentials: read and write permission, with the ACL."""

from __future__ import annotations

from pathlib import Path

from bot.bootstrap import build_services
from bot.core.answers import DoctorAnswer
from bot.core.audit import Actor
from bot.services import RequestContext
from bot.settings import Settings, TsaEndpoint
from bot.simulator import SimAuth, SimulatedPark

CTX = RequestContext(actor=Actor(id="U1", name="alice"), transport="cli")


def _doctor(tmp_path: Path, auth: SimAuth, **creds: str) -> DoctorAnswer:
    with SimulatedPark.start("healthy", log_root=tmp_path / "logs", auth=auth) as park:
        settings = Settings(
            _env_file=None,
            KUMO_NODES=dict(park.node_urls),
            KUMO_TSA_URLS=tuple(TsaEndpoint(name=n, url=u) for n, u in park.tsa_urls.items()),
            KUMO_SITE_MAP=park.site_map_path,
            KUMO_DATA_DIR=tmp_path / "data",
            DATABASE_URL=f"sqlite:///{tmp_path / 'bot.sqlite3'}",
            KUMO_NODE_TIMEOUT=3.0,
            **creds,
        )
        answer = build_services(settings).handle("doctor", CTX)
    assert isinstance(answer, DoctorAnswer)
    return answer


def _check(answer: DoctorAnswer, node: str, name: str) -> tuple[bool | None, str, str | None]:
    (nd,) = [n for n in answer.nodes if n.node == node]
    (check,) = [c for c in nd.checks if c.name == name]
    return check.ok, check.detail, check.fix


def test_a_read_only_identity_is_told_which_write_acl_to_add(tmp_path: Path) -> None:
    auth = SimAuth(basic={"slackbot": "pw", "writer": "pw2"}, readers=frozenset({"slackbot", "writer"}),
                   admin_readers=frozenset({"slackbot", "writer"}),
                   admin_writers=frozenset({"writer"}))
    answer = _doctor(tmp_path, auth, KUMO_READ_USER="slackbot", KUMO_READ_PASSWORD="pw")
    ok, _, _ = _check(answer, "mta1", "read admin lists")
    assert ok is True
    ok, detail, fix = _check(answer, "mta1", "write permission")
    assert ok is False and "not permitted" in detail
    assert fix is not None and '[[acl."http_listener/*/api/admin' in fix and '"slackbot"' in fix
    assert "pw" not in (fix or "").replace("password", "")


def test_a_write_identity_passes_the_write_probe(tmp_path: Path) -> None:
    auth = SimAuth(basic={"slackbot": "pw", "writer": "pw2"}, readers=frozenset({"slackbot", "writer"}),
                   admin_readers=frozenset({"slackbot", "writer"}),
                   admin_writers=frozenset({"writer"}))
    answer = _doctor(tmp_path, auth, KUMO_READ_USER="slackbot", KUMO_READ_PASSWORD="pw",
                     KUMO_WRITE_USER="writer", KUMO_WRITE_PASSWORD="pw2")
    ok, detail, _ = _check(answer, "mta2", "write permission")
    assert ok is True and "404" in detail
