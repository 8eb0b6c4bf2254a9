"""The audit key (``KUMO_AUDIT_KEY``): given, or generated into the data dir for SQLite.

With PostgreSQL several processes append to one chain, so they must share the key:
it has to be set, and a missing one is a configuration error that names the variable.
With SQLite (one machine) a key is generated once into ``KUMO_DATA_DIR/audit.key``,
readable by its owner only, and reused from then on.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from bot.core.errors import ConfigError

log = logging.getLogger(__name__)

KEY_FILE = "audit.key"
MIN_KEY_CHARS = 16
_GENERATE_HINT = (
    "Generate one with `python3 -c 'import secrets; print(secrets.token_hex(32))'` and give "
    "every kumo-bot process the same value."
)


def resolve_audit_key(secret: str | None, *, sqlite: bool, data_dir: Path) -> bytes:
    """The key that seals the audit log: the setting, or (SQLite only) the generated file."""
    if secret is not None:
        if len(secret) < MIN_KEY_CHARS:
            raise ConfigError(
                f"KUMO_AUDIT_KEY is too short ({len(secret)} characters; at least "
                f"{MIN_KEY_CHARS}).", hint=_GENERATE_HINT)
        return secret.encode("utf-8")
    if not sqlite:
        raise ConfigError(
            "KUMO_AUDIT_KEY is required with PostgreSQL: every process appending to the "
            "audit log must seal it with the same key.", hint=_GENERATE_HINT)
    return load_or_create_key_file(data_dir / KEY_FILE)


def load_or_create_key_file(path: Path) -> bytes:
    """Read the key file, creating it (mode 0600) if absent; safe when processes race."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            # link() never replaces: of several racing processes exactly one key wins.
            os.link(staging, path)
            log.info("generated a new audit key in %s", path)
        except FileExistsError:
            pass
        finally:
            staging.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        log.warning("%s can be read by others (mode %o); chmod 600 it", path, mode)
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_KEY_CHARS:
        raise ConfigError(f"The audit key file {path} is empty or damaged.",
                          hint="Restore it from a backup, or set KUMO_AUDIT_KEY.")
    return key.encode("ascii")
