"""core.jsontext.dumps is byte-identical to json.dumps(indent=2, ensure_ascii=False)."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from energybill.core.jsontext import dumps
from energybill.estimate.engine import estimate
from energybill.project.load import load_project
from whatif_helpers import NOOR

leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
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
    odd = {"nan": math.nan, "inf": [math.inf, -math.inf], "tuple": (1, "é\n\"")}
    assert dumps(odd) == json.dumps(odd, indent=2, ensure_ascii=False)


def test_other_types_fail_as_json_does() -> None:
    import pytest

    with pytest.raises(TypeError, match="not JSON serializable"):
        dumps({"x": {1, 2}})
    assert dumps({1: "a"}) == json.dumps({1: "a"}, indent=2, ensure_ascii=False)
