"""One way through: each command validates and bills each variant it shows exactly once.

Counted by wrapping the two functions every path goes through (``parse_project``, the one full
validation of a variant, and ``estimate``, the engine) and running the real CLI in process.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import energybill.pipeline
import energybill.project.variants
from energybill.cli.main import cli
from energybill.core.records import COUNTER, Device, DeviceEnergy, Measurement
from energybill.ledger.record import record_run
from energybill.ledger.store import Ledger
from energybill.pipeline import Pipeline
from energybill.project.overrides import Overrides
from whatif_helpers import NOOR


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    counter: collections.Counter[str] = collections.Counter()
    validate, estimate = energybill.project.variants.parse_project, energybill.pipeline.estimate

    def counted_validate(*args: object, **kwargs: object) -> object:
        counter["validations"] += 1
        return validate(*args, **kwargs)  # type: ignore[arg-type]

    def counted_estimate(*args: object) -> object:
        counter["estimates"] += 1
        return estimate(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(energybill.project.variants, "parse_project", counted_validate)
    monkeypatch.setattr(energybill.pipeline, "estimate", counted_estimate)
    yield counter


def _run(*args: str) -> None:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output


# Noor's variants, counted by hand from examples/noor.toml and whatif/recommend.py:
# the file; 4 scenarios (france, france-2022, pue-1.1, pue-1.8). The recommendations' own
# variants (relocate to France, move to the cleanest site, PUE 1.1 per site and for all, batch 8
# for the serving item, one trip fewer) are no longer validated and billed as variants: they are
# worked out from the variant's bill and validated items (whatif/recommend.py, _site_totals and
# _reestimated; equal to the re-bill, tests/test_scale.py).
NOOR_SCENARIOS = 4
NOOR_ADVICE_VARIANTS = 0


@pytest.mark.parametrize(
    ("args", "variants"),
    [
        (("bill", str(NOOR), "--format", "json"), 1),
        (("bill", str(NOOR), "--format", "json", "--samples", "200"), 1),
        (("bill", str(NOOR)), 1 + NOOR_ADVICE_VARIANTS),
        (("compare", str(NOOR)), 1 + NOOR_SCENARIOS),
        (("report", str(NOOR), "--format", "json"), 1 + NOOR_SCENARIOS + NOOR_ADVICE_VARIANTS),
        (("report", str(NOOR), "--format", "html"), 1 + NOOR_SCENARIOS + NOOR_ADVICE_VARIANTS),
    ],
)
def test_each_variant_is_validated_and_billed_once(
    counts: collections.Counter[str], args: tuple[str, ...], variants: int
) -> None:
    _run(*args)
    assert counts == {"validations": variants, "estimates": variants}


def test_a_variant_asked_twice_is_computed_once(counts: collections.Counter[str]) -> None:
    pipe = Pipeline.open(NOOR)
    france = Overrides(relocate=41.44, labels=("france",))
    first = pipe.bill(france)
    assert pipe.bill(Overrides(relocate=41.44)) is first  # the label does not make a new variant
    pipe.bill()
    pipe.bill(Overrides(labels=("nothing",)))  # overrides that change nothing are the file itself
    assert counts == {"validations": 2, "estimates": 2}


def test_stacked_overrides_apply_in_order() -> None:
    pipe = Pipeline.open(NOOR)
    first = Overrides((("sites.*.pue", 1.2),))
    second = Overrides((("sites.*.pue", 1.0),))
    assert pipe.variant(first, second).project.sites["noor-hpc"].pue == 1.0
    assert pipe.variant(second, first).project.sites["noor-hpc"].pue == 1.2


def test_measured_runs_are_no_saving(tmp_path: Path) -> None:
    """A run measured for an item outside the file adds to the bill's totals; the practices' bills
    are estimates, so the savings must not count that run (it was counted as saved before)."""
    project_file = tmp_path / "noor.toml"
    project_file.write_text(NOOR.read_text(encoding="utf-8"), encoding="utf-8")
    cpu = Device("rapl:package-0", "cpu", COUNTER, "package-0", "test")
    one_mwh = 3.6e9  # J
    record_run(Ledger(tmp_path / "noor.ledger.db"), "idle", Measurement("idle", 1.7e9, 3600.0,
               (DeviceEnergy(cpu, one_mwh),), 50.0), project="Noor", item="cluster idle", site="noor-hpc")
    measured = Pipeline.open(project_file)
    assert measured.measured_bill().item("cluster idle").co2e_kg == pytest.approx(1000 * 1.5 * 0.6)
    plain = {r.practice: r for r in Pipeline.open(NOOR).recommendations()}
    for advice in measured.recommendations():
        assert advice.co2e_kg_saved == pytest.approx(plain[advice.practice].co2e_kg_saved, rel=1e-12)
        assert advice.energy_kwh_saved == pytest.approx(plain[advice.practice].energy_kwh_saved, rel=1e-12)
