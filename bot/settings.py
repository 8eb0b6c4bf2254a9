"""Configuration: one validated ``Settings`` object, built once at start-up.

The names and formats follow DESIGN section 9 exactly: deployment tooling and
external checks rely on them.  Nothing else in the bot reads the environment.
Secrets are ``SecretStr`` and never printed.  A bad value fails fast with a
message that names the variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.env_filter import check_env_filter
from bot.core.errors import ConfigError, UserInputError

PACKAGED_SHAPING = Path(__file__).parent / "data" / "shaping.toml"


class TsaEndpoint(BaseModel):
    """One tsa-daemon: its name, URL, and the nodes it serves (empty: all)."""

    model_config = ConfigDict(frozen=True)

    name: str
    url: str
    serves: tuple[str, ...] = ()


def _pairs(raw: str, variable: str) -> list[tuple[str, str]]:
    """Split ``name=value,name=value`` (values may contain ``=``; empty items ignored)."""
    out: list[tuple[str, str]] = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ValueError(f"{variable}: expected name=value, got {item!r}")
        out.append((name.strip(), value.strip()))
    return out


def _check_url(url: str, variable: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{variable}: {redact_url(url)!r} is not an http(s) URL")
    return url


def redact_url(url: str) -> str:
    """The URL with any ``user:pass@`` replaced, safe to print or log."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return parts._replace(netloc=f"***@{host}").geturl()


def _csv(raw: str) -> list[str]:
    return [x.strip() for x in raw.split(",") if x.strip()]


class Settings(BaseSettings):
    """Everything kumo-bot reads from the environment (and ``.env``)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
        env_ignore_empty=True,
        frozen=True,
    )

    KUMO_NODES: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description="kumod nodes: name=url,... (url may carry user:pass@); needed but in the demo.",
    )
    KUMO_TSA_URLS: Annotated[tuple[TsaEndpoint, ...], NoDecode] = Field(
        default=(),
        description="tsa-daemons as name=url,...; name@node1+node2 says which nodes it serves.",
    )
    KUMO_READ_USER: str | None = Field(None, description="Basic auth user for reads.")
    KUMO_READ_PASSWORD: SecretStr | None = Field(None, description="Basic auth password for reads.")
    KUMO_READ_TOKEN: SecretStr | None = Field(None, description="Bearer token for reads.")
    KUMO_WRITE_USER: str | None = Field(None, description="Basic auth user for writes.")
    KUMO_WRITE_PASSWORD: SecretStr | None = Field(
        None, description="Basic auth password for writes."
    )
    KUMO_WRITE_TOKEN: SecretStr | None = Field(None, description="Bearer token for writes.")
    KUMO_LOG_DIRS: Annotated[dict[str, tuple[Path, ...]], NoDecode] = Field(
        default_factory=dict,
        description="kumod log directories as node=path,...; a node may repeat.",
    )
    KUMO_SITE_MAP: Path | None = Field(
        None, description="TOML site map (domain -> MX records); DNS when unset."
    )
    KUMO_SHAPING_FILES: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(str(PACKAGED_SHAPING),),
        description="Shaping files (paths or URLs) in load order.",
    )
    KUMO_OVERRIDES_LISTEN: str | None = Field(
        None, description="host:port where `watch` serves the shaping overrides."
    )
    KUMO_APPROVERS: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Slack user ids allowed to approve dangerous actions."
    )
    KUMO_NOTICE_CHANNELS: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Slack channel ids for notices."
    )
    KUMO_LOG_FILTER_BASELINE: str = Field(
        "kumod=info", description="Diagnostic log filter to revert to (commas allowed)."
    )
    KUMO_LOG_REDACT: bool = Field(True, description="Mask recipient local parts in Slack.")
    KUMO_DNSBL_ZONES: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("zen.spamhaus.org", "dbl.spamhaus.org"), description="DNS blocklist zones."
    )
    KUMO_DKIM_SELECTORS: Annotated[dict[str, tuple[str, ...]], NoDecode] = Field(
        default_factory=dict, description="DKIM selectors as domain=sel1+sel2,..."
    )
    KUMO_AUDIT_KEY: SecretStr | None = Field(
        None, description="Secret for the audit head signature."
    )
    KUMO_AUDIT_ANCHOR: str | None = Field(
        None, description="File or Slack channel for the signed head."
    )
    KUMO_GUARD_FILE: Path | None = Field(None, description="TOML file of guard thresholds.")
    KUMO_PLAYBOOKS_DIR: Path | None = Field(
        None, description="Directory of playbook TOML files (default: the project's `playbooks/`)."
    )
    KUMO_DATA_DIR: Path = Field(
        default_factory=lambda: (
            Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "kumo-bot"
        ),
        description="Where the bot keeps its files (SQLite database, audit key).",
    )
    KUMO_NODE_TIMEOUT: float = Field(
        5.0, gt=0, le=120, description="Seconds a node has to answer one question."
    )
    DATABASE_URL: str | None = Field(None, description="SQLAlchemy URL; SQLite in the data dir.")
    SLACK_BOT_TOKEN: SecretStr | None = Field(None, description="Bot token xoxb-...")
    SLACK_SIGNING_SECRET: SecretStr | None = Field(None, description="Signing secret (HTTP mode).")
    SLACK_APP_TOKEN: SecretStr | None = Field(
        None, description="App-level token xapp-... (Socket Mode)."
    )
    SLACK_API_URL: str = Field("https://slack.com/api/", description="Slack Web API base URL.")
    PORT: int = Field(3000, ge=1, le=65535, description="Port of `kumo-bot web`.")

    @field_validator("KUMO_NODES", mode="before")
    @classmethod
    def _nodes(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        nodes: dict[str, str] = {}
        for name, url in _pairs(raw, "KUMO_NODES"):
            if name in nodes:
                raise ValueError(f"KUMO_NODES: node {name!r} is listed twice")
            nodes[name] = _check_url(url, "KUMO_NODES")
        return nodes

    @field_validator("KUMO_TSA_URLS", mode="before")
    @classmethod
    def _tsa(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        out = []
        for name, url in _pairs(raw, "KUMO_TSA_URLS"):
            base, _, serves = name.partition("@")
            out.append(
                TsaEndpoint(
                    name=base,
                    url=_check_url(url, "KUMO_TSA_URLS"),
                    serves=tuple(s for s in serves.split("+") if s),
                )
            )
        return tuple(out)

    @field_validator("KUMO_LOG_DIRS", mode="before")
    @classmethod
    def _log_dirs(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        dirs: dict[str, list[Path]] = {}
        for node, path in _pairs(raw, "KUMO_LOG_DIRS"):
            dirs.setdefault(node, []).append(Path(path))
        return {k: tuple(v) for k, v in dirs.items()}

    @field_validator("KUMO_DKIM_SELECTORS", mode="before")
    @classmethod
    def _dkim(cls, raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw
        return {
            d: tuple(s for s in sel.split("+") if s)
            for d, sel in _pairs(raw, "KUMO_DKIM_SELECTORS")
        }

    @field_validator(
        "KUMO_SHAPING_FILES",
        "KUMO_APPROVERS",
        "KUMO_NOTICE_CHANNELS",
        "KUMO_DNSBL_ZONES",
        mode="before",
    )
    @classmethod
    def _lists(cls, raw: Any) -> Any:
        return tuple(_csv(raw)) if isinstance(raw, str) else raw

    @field_validator("DATABASE_URL", mode="before")
    @classmethod
    def _database_url(cls, raw: Any) -> Any:
        # Heroku-style URLs say postgres://; SQLAlchemy wants a dialect+driver.
        if isinstance(raw, str):
            for prefix in ("postgres://", "postgresql://"):
                if raw.startswith(prefix):
                    return "postgresql+psycopg://" + raw[len(prefix) :]
        return raw

    @field_validator("KUMO_OVERRIDES_LISTEN")
    @classmethod
    def _listen(cls, raw: str | None) -> str | None:
        if raw is not None:
            host, sep, port = raw.rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError("KUMO_OVERRIDES_LISTEN: expected host:port")
        return raw

    @field_validator("KUMO_LOG_FILTER_BASELINE")
    @classmethod
    def _baseline(cls, raw: str) -> str:
        try:  # the revert target must be a filter kumod can parse, checked at start-up
            return check_env_filter(raw)
        except UserInputError as exc:
            raise ValueError(f"KUMO_LOG_FILTER_BASELINE: {exc.message}") from None

    def database_url(self) -> str:
        """The SQLAlchemy URL in use: DATABASE_URL, or SQLite in the data dir."""
        if self.DATABASE_URL:
            return self.DATABASE_URL
        return f"sqlite:///{self.KUMO_DATA_DIR / 'kumo-bot.sqlite3'}"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment (and ``.env``), failing with the variable named."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "settings"
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.append(msg if msg.startswith(where.split(".")[0]) else f"{where}: {msg}")
        raise ConfigError("Invalid configuration: " + "; ".join(problems)) from None


def require(settings: Settings, *names: str) -> None:
    """Fail fast when a mode needs a variable that is not set."""
    missing = [n for n in names if not getattr(settings, n)]
    if missing:
        raise ConfigError(
            "Missing configuration: " + ", ".join(missing),
            hint="Set them in the environment or in .env (see .env.example).",
        )
