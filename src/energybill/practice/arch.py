"""GPT-style architectures: the GPT-3 family shapes that Noor follows, a tiny one, and custom shapes.

Shapes from Brown et al. 2020, "Language Models are Few-Shot Learners", Table 2.1. The vocabulary
(50,257 byte-level BPE tokens) and context (2,048) are the talk's tokenizer slide. The MLP is
4 × d_model wide (Brown et al. 2020, Table 2.1: d_ff = 4 · d_model).
"""

from __future__ import annotations

from dataclasses import dataclass

from energybill.core.errors import EnergybillError

VOCAB_NOOR = 50_257  # talk, Tokenization slide: "Vocabulary size: 50257 tokens"
CONTEXT_NOOR = 2_048  # talk, Tokenization slide: "Max tokens: 2048"
TABLE = "Brown et al. 2020 (GPT-3), Table 2.1"


@dataclass(frozen=True)
class Arch:
    """A decoder-only transformer shape: layers, width, heads, vocabulary and context."""

    name: str
    n_layers: int
    d_model: int
    n_heads: int
    vocab_size: int = VOCAB_NOOR
    context: int = CONTEXT_NOOR
    note: str = ""

    @property
    def d_head(self) -> int:
        return self.d_model // self.n_heads

    @property
    def d_ff(self) -> int:
        return 4 * self.d_model

    def with_layers(self, n_layers: int) -> Arch:
        """The same width on ``n_layers`` layers (the layer-subset run of a model that does not fit)."""
        return Arch(self.name, n_layers, self.d_model, self.n_heads, self.vocab_size, self.context, self.note)

    def describe(self) -> str:
        return (
            f"{self.name}: {self.n_layers} layers, d_model {self.d_model}, {self.n_heads} heads "
            f"of {self.d_head}, vocab {self.vocab_size:,}, context {self.context:,}"
        )


ARCHS: dict[str, Arch] = {
    a.name: a
    for a in (
        Arch("noor-1.3b", 24, 2048, 16, note=f"{TABLE}: GPT-3 XL"),
        Arch("noor-2.7b", 32, 2560, 32, note=f"{TABLE}: GPT-3 2.7B"),
        Arch("noor-6.7b", 32, 4096, 32, note=f"{TABLE}: GPT-3 6.7B"),
        # The paper prints d_model 5140, which does not split into 40 heads of 128; 5120 does
        # (40 × 128), and is what GPT-3 13B-style models use.
        Arch("noor-13b", 40, 5120, 40, note=f"{TABLE}: GPT-3 13B, d_model 5140 in the paper, 5120 here"),
        # Small enough to train and serve on a laptop CPU in well under a second per step.
        Arch("tiny", 2, 64, 4, vocab_size=512, context=128, note="for tests: runs on a CPU in seconds"),
    )
}

_KEYS = {
    "layers": "n_layers",
    "d_model": "d_model",
    "heads": "n_heads",
    "vocab": "vocab_size",
    "context": "context",
}
CUSTOM_HELP = "layers=L,d_model=D,heads=H[,vocab=V,context=C]"


def get_arch(spec: str) -> Arch:
    """A named architecture, or a custom ``layers=4,d_model=256,heads=4[,vocab=..,context=..]``."""
    if spec in ARCHS:
        return ARCHS[spec]
    if "=" not in spec:
        names = ", ".join(ARCHS)
        raise EnergybillError(f"--arch: unknown architecture '{spec}'; allowed: {names}, or {CUSTOM_HELP}")
    return _custom(spec)


def _custom(spec: str) -> Arch:
    values: dict[str, int] = {}
    for part in spec.split(","):
        key, _, raw = part.partition("=")
        key = key.strip()
        if key not in _KEYS:
            raise EnergybillError(f"--arch: unknown key '{key}' in '{spec}'; write {CUSTOM_HELP}")
        if not raw.strip().isdigit() or int(raw) < 1:
            raise EnergybillError(f"--arch: {key} must be a whole number >= 1, got '{raw}'")
        values[_KEYS[key]] = int(raw)
    missing = [k for k in ("layers", "d_model", "heads") if _KEYS[k] not in values]
    if missing:
        raise EnergybillError(f"--arch: missing {', '.join(missing)} in '{spec}'; write {CUSTOM_HELP}")
    if values["d_model"] % values["n_heads"]:
        raise EnergybillError(
            f"--arch: d_model {values['d_model']} does not split into {values['n_heads']} heads"
        )
    return Arch(name=f"custom({spec})", note="custom shape", **values)
