"""The README's test command installs no PyTorch: a plain `torch` requirement (direct, or through
Lightning or Accelerate) resolves to the CUDA build and its nvidia-* wheels on a machine without a
GPU. `.ci/run` installs the CPU build and the framework extras before it, so CI still runs their
tests. (The full proof is a resolver run: see the README's `pip install --dry-run --report`.)"""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT

# Packages that require torch (their metadata's Requires-Dist), and torch itself.
PULL_TORCH = {"torch", "lightning", "pytorch-lightning", "accelerate", "torchmetrics", "triton"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()


def test_the_test_extra_pulls_no_pytorch() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {_name(r) for r in extras["optional-dependencies"]["test"]}
    names |= {_name(r) for r in extras["dependencies"]}
    assert not names & PULL_TORCH
    assert not {n for n in names if n.startswith("nvidia")}


def test_the_readme_command_uses_the_test_extra_and_ci_adds_the_frameworks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- ci:test -->", 1)[1].split("```", 2)[1]
    assert "pip install -e '.[test]'" in block and "pytest" in block
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "'torch==2.13.0'" in ci  # the CPU build from pip's find-links, before the frameworks
    assert 'extras["hf"] + extras["lightning"]' in ci
