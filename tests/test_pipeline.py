"""One way through: each command validates and bills each variant it shows exactly once.

Counted by wrapping the two functions every path goes through (``parse_project``, the one full
validation of a variant, and ``estimate``, the engine) and running the real CLI in process.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

import energybill.pipeline
import energybill.project.variants
from energybill.cli.main import cli
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
