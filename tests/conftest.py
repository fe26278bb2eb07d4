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


@pytest.fixture(autouse=True, scope="session")
def _cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests keep what meshgen caches (CRD files read as bundles) out of the home folder."""
    import os

    os.environ["MESHGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
