"""The shipped catalog is exactly what scripts/build_catalog.py makes from shared/data."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType

import pytest

from catalog_helpers import ROOT, SHARED_DATA

SHIPPED = ROOT / "src" / "energybill" / "catalog" / "data"


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_catalog", ROOT / "scripts" / "build_catalog.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"source data not found at {SHARED_DATA}")
@pytest.mark.skipif(
    importlib.util.find_spec("pycountry") is None, reason="pycountry (build-time) not installed"
)
def test_shipped_data_is_what_the_build_script_writes(tmp_path):
    script = ROOT / "scripts" / "build_catalog.py"
    subprocess.run(
        [sys.executable, str(script), "--data", str(SHARED_DATA), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    built = sorted(p.name for p in tmp_path.iterdir())
    curated = _build_script().CURATED
    assert all((SHIPPED / name).is_file() for name in curated)
    assert built == sorted(p.name for p in SHIPPED.iterdir() if p.is_file() and p.name not in curated)
    for name in built:
        assert (tmp_path / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_notice_names_every_licence_the_sources_require():
    notice = (SHIPPED / "NOTICE.md").read_text("utf-8")
    for needed in ("CC BY 4.0", "Open Government Licence v3.0", "MIT", "Apache-2.0", "Epoch AI", "Ember"):
        assert needed in notice
