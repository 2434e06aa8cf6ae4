"""core.jsontext.dumps is byte-identical to json.dumps(indent=2, ensure_ascii=False, allow_nan=False),
and like it refuses NaN and infinities (strict JSON)."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from energybill.core.jsontext import dumps
from energybill.estimate.engine import estimate
from energybill.project.load import load_project
from whatif_helpers import NOOR

finite = st.floats(allow_nan=False, allow_infinity=False)
leaves = st.none() | st.booleans() | st.integers() | finite | st.text()
documents = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)


@given(documents)
def test_same_text_as_the_standard_library(document: object) -> None:
    assert dumps(document) == json.dumps(document, indent=2, ensure_ascii=False)


def test_the_noor_bill_and_special_values() -> None:
    bill = estimate(load_project(NOOR)).to_dict()
    assert dumps(bill) == json.dumps(bill, indent=2, ensure_ascii=False)
    odd = {"tuple": (1, "é\n\""), "tiny": 5e-324, "huge": 1.7976931348623157e308}
    assert dumps(odd) == json.dumps(odd, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused_as_allow_nan_false_does(value: float) -> None:
    from energybill.core.errors import EnergybillError
    from energybill.core.jsontext import NotFinite

    with pytest.raises(ValueError):
        json.dumps({"x": [value]}, allow_nan=False)
    with pytest.raises(NotFinite) as caught:
        dumps({"x": [value]})
    assert isinstance(caught.value, EnergybillError) and "JSON" in str(caught.value)


def test_other_types_fail_as_json_does() -> None:
    import pytest

    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"x": {1, 2}})
    assert dumps({1: "a"}) == json.dumps({1: "a"}, indent=2, ensure_ascii=False)
