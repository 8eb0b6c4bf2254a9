"""Settings: the DESIGN section 9 names and formats, failing fast with the variable named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.errors import ConfigError
from bot.settings import Settings, load_settings, redact_url, require


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(__import__("os").environ):
        if name.startswith(("KUMO_", "SLACK_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env


def test_lists_of_pairs_are_parsed_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUMO_NODES", "mta1=http://u:p@10.0.0.1:8000, mta2=https://10.0.0.2:8000")
    monkeypatch.setenv("KUMO_TSA_URLS", "tsa-a@mta1+mta2=http://10.0.0.9:8008,tsa-b=http://10.0.0.8:8008")
    monkeypatch.setenv("KUMO_LOG_DIRS", "mta1=/var/log/kumomta,mta1=/var/log/kumo-b,mta2=/x")
    monkeypatch.setenv("KUMO_DKIM_SELECTORS", "example.com=s1+s2")
    monkeypatch.setenv("KUMO_APPROVERS", "U1, U2")
    s = load_settings()
    assert list(s.KUMO_NODES) == ["mta1", "mta2"]
    assert s.KUMO_NODES["mta1"] == "http://u:p@10.0.0.1:8000"
    assert s.KUMO_TSA_URLS[0].serves == ("mta1", "mta2")
    assert s.KUMO_TSA_URLS[1].serves == ()
    assert s.KUMO_LOG_DIRS["mta1"] == (Path("/var/log/kumomta"), Path("/var/log/kumo-b"))
    assert s.KUMO_DKIM_SELECTORS == {"example.com": ("s1", "s2")}
    assert s.KUMO_APPROVERS == ("U1", "U2")


def test_defaults_follow_the_design_table() -> None:
    s = Settings(_env_file=None)
    assert s.KUMO_LOG_FILTER_BASELINE == "kumod=info"
    assert s.KUMO_LOG_REDACT is True
    assert s.KUMO_DNSBL_ZONES == ("zen.spamhaus.org", "dbl.spamhaus.org")
    assert s.PORT == 3000
    assert s.SLACK_API_URL == "https://slack.com/api/"
    assert Path(s.KUMO_SHAPING_FILES[0]).name == "shaping.toml"
    assert Path(s.KUMO_SHAPING_FILES[0]).is_file()
    assert s.database_url().startswith("sqlite:///")


def test_log_filter_baseline_keeps_its_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUMO_LOG_FILTER_BASELINE", "kumod=info,kumo_server_common=warn")
    assert load_settings().KUMO_LOG_FILTER_BASELINE == "kumod=info,kumo_server_common=warn"


def test_postgres_urls_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://kumo:pw@db:5432/kumo")
    assert load_settings().database_url() == "postgresql+psycopg://kumo:pw@db:5432/kumo"


def test_empty_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUMO_SHAPING_FILES", "")
    monkeypatch.setenv("KUMO_READ_PASSWORD", "")
    s = load_settings()
    assert s.KUMO_SHAPING_FILES and s.KUMO_READ_PASSWORD is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KUMO_NODES", "mta1"),
        ("KUMO_NODES", "mta1=ftp://x"),
        ("KUMO_NODES", "a=http://x:1,a=http://y:1"),
        ("PORT", "eighty"),
        ("KUMO_OVERRIDES_LISTEN", "nowhere"),
        ("KUMO_NODE_TIMEOUT", "-1"),
    ],
)
def test_a_bad_value_fails_fast_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert name in str(err.value)


def test_required_variables_are_named_when_missing() -> None:
    with pytest.raises(ConfigError, match="KUMO_NODES, SLACK_BOT_TOKEN"):
        require(Settings(_env_file=None), "KUMO_NODES", "SLACK_BOT_TOKEN")


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("KUMO_READ_PASSWORD", "hunter2")
    s = load_settings()
    assert "xoxb-very-secret" not in repr(s) and "hunter2" not in str(s)


def test_urls_with_credentials_are_redacted_for_printing() -> None:
    assert redact_url("http://user:pw@10.0.0.1:8000/x") == "http://***@10.0.0.1:8000/x"
    assert redact_url("http://10.0.0.1:8000") == "http://10.0.0.1:8000"


def test_a_bad_url_error_does_not_echo_the_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUMO_NODES", "mta1=ftp://user:topsecret@host")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "topsecret" not in str(err.value)
