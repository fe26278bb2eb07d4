from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
EXAMPLES = sorted(p.parent.name for p in (ROOT / "examples").glob("*/model.yaml"))


@pytest.fixture
def shared() -> Path:
    """The reference material beside the checkout; tests that need it skip without it."""
    if not (SHARED / "mission" / "expected").is_dir():
        pytest.skip("../shared is not beside this checkout")
    return SHARED
