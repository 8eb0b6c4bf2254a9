"""The in-repository copies of KumoMTA's files are the shared originals, unedited."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import KUMOMTA

SHARED = Path(__file__).resolve().parents[2] / "shared" / "kumomta"


def test_every_copy_is_byte_identical_to_the_shared_original() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is not beside this clone; nothing to compare the copies with")
    copies = sorted(p.name for p in KUMOMTA.iterdir() if p.is_file())
    originals = sorted(p.name for p in SHARED.iterdir()
                       if p.is_file() and (p.suffix != ".md" or p.name == "SOURCES.md"))
    assert copies == originals  # nothing missing, nothing extra
    for name in copies:
        assert (KUMOMTA / name).read_bytes() == (SHARED / name).read_bytes(), name
