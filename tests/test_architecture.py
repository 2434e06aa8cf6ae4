"""The architecture as tests: layers import downward only, no cycle between subpackages, and the
public API is what users are promised (issue 11)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

import energybill

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept() -> None:
    """pyproject.toml's [tool.importlinter] contracts: layers, and reports that only format."""
    lint = Path(sys.executable).parent / "lint-imports"
    if not lint.exists():
        pytest.skip("import-linter is not installed: pip install -e '.[test]'")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _subpackage_graph() -> dict[str, set[str]]:
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("energybill")
    top = {m for m in graph.modules if m.count(".") == 1}
    edges: dict[str, set[str]] = {m: set() for m in top}
    for importer in top:
        for imported in top - {importer}:
            if graph.direct_import_exists(importer=importer, imported=imported, as_packages=True):
                edges[importer].add(imported)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph, or None (depth-first search with a path stack)."""
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_cycle_between_subpackages() -> None:
    edges = _subpackage_graph()
    assert {"energybill.core", "energybill.pipeline", "energybill.report"} <= set(edges)
    assert _cycle(edges) is None, " → ".join(_cycle(edges) or [])
    assert edges["energybill.core"] == set()  # the bottom imports nothing of energybill


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


PUBLIC = [
    "Bill",
    "EnergybillError",
    "ItemBill",
    "Measurement",
    "Meter",
    "Overrides",
    "PhaseTotal",
    "Pipeline",
    "ProjectError",
    "Provenance",
    "Source",
    "Totals",
    "__version__",
    "estimate_bill",
    "estimate_file",
    "load_project",
    "track",
]


def test_public_api_is_pinned() -> None:
    assert energybill.__all__ == PUBLIC
    for name in PUBLIC:
        assert getattr(energybill, name) is not None, name
    assert issubclass(energybill.ProjectError, energybill.EnergybillError)
    assert isinstance(energybill.measure, types.ModuleType)  # the subpackage, not a callable
    assert not callable(energybill.measure)
    with pytest.raises(AttributeError):
        _ = energybill.no_such_name


def test_estimate_file_is_the_noor_bill() -> None:
    bill = energybill.estimate_file(ROOT / "examples" / "noor.toml", measured=False)
    # the talk's totals: 59.14 MWh and 36.5 t (tests/test_noor.py has each line)
    assert bill.totals.energy_kwh == pytest.approx(59_140, rel=0.005)
    assert bill.totals.co2e_kg == pytest.approx(36_500, rel=0.005)
    france = energybill.estimate_file(
        ROOT / "examples" / "noor.toml", energybill.Overrides(relocate=40.48), measured=False
    )
    assert france.totals.co2e_kg < bill.totals.co2e_kg


def test_import_energybill_loads_nothing_heavy() -> None:
    code = (
        "import sys, energybill\n"
        "mods = [m for m in sys.modules if m.startswith('energybill')]\n"
        "heavy = [m for m in ('numpy', 'pydantic', 'sqlite3', 'rich', 'click') if m in sys.modules]\n"
        "print(sorted(mods), heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['energybill', 'energybill.core', 'energybill.core.version'] []"
