"""FLOP counting for the decoder of ``practice.model``, and the layer-scaling rule.

Convention (stated in every output): a training token costs ``6·N`` FLOP for the weights plus
``12·L·d_model·T`` for attention, where ``N`` counts every parameter except the position
embedding (the input embedding is tied to the output head, whose matmul it does) and ``T`` is the
sequence length. Sources: Kaplan et al. 2020, "Scaling Laws for Neural Language Models", §2.1
(6 FLOP per parameter per token, forward + backward); Chowdhery et al. 2022 (PaLM), Appendix B
(model FLOPs ``6N + 12·L·H·Q·T`` per token, H·Q = d_model), as nanoGPT's ``estimate_mfu`` does.
The attention term counts the full T × T score matrix, not the causal half.
"""

from __future__ import annotations

from energybill.practice.arch import Arch

FLOPS_CONVENTION = (
    "model FLOP per training token = 6·N + 12·L·d_model·T (N: parameters without the position "
    "embedding; T: sequence length; Kaplan et al. 2020 §2.1, PaLM Appendix B)"
)


def block_params(arch: Arch) -> int:
    """Parameters of one block: 2 LayerNorms, QKV and output projections, a 4·d GELU MLP (with biases)."""
    d = arch.d_model
    layernorms = 2 * 2 * d
    attention = (d * 3 * d + 3 * d) + (d * d + d)
    mlp = (d * arch.d_ff + arch.d_ff) + (arch.d_ff * d + d)
    return layernorms + attention + mlp


def total_params(arch: Arch) -> int:
    """Every parameter of the model: embeddings, blocks, the final LayerNorm (output head tied)."""
    return flop_params(arch) + arch.context * arch.d_model


def flop_params(arch: Arch) -> int:
    """``N`` of ``6·N``: every parameter but the position embedding (a lookup, no matmul)."""
    return arch.vocab_size * arch.d_model + arch.n_layers * block_params(arch) + 2 * arch.d_model


def attention_train_flops_per_token(arch: Arch, seq_len: int) -> float:
    """``12·L·d_model·T``: QKᵀ and A·V, 2 FLOP per multiply-add, × 3 for forward + backward (PaLM B)."""
    return 12.0 * arch.n_layers * arch.d_model * seq_len


def train_flops_per_token(arch: Arch, seq_len: int) -> float:
    """Model FLOP per training token: ``6·N + 12·L·d_model·T``."""
    return 6.0 * flop_params(arch) + attention_train_flops_per_token(arch, seq_len)


def decode_flops_per_token(arch: Arch, position: int) -> float:
    """Forward FLOP for one generated token attending to ``position`` cached ones: ``2·N + 4·L·d·t``."""
    return 2.0 * flop_params(arch) + 4.0 * arch.n_layers * arch.d_model * position


def prefill_flops_per_token(arch: Arch, prompt: int) -> float:
    """Forward FLOP per prompt token, counted like training: ``2·N + 4·L·d·P`` (a third of 6N + 12LdT)."""
    return 2.0 * flop_params(arch) + 4.0 * arch.n_layers * arch.d_model * prompt


def layer_scale(arch: Arch, layers_run: int, seq_len: int) -> float:
    """The layer-scaling rule for a model run on ``layers_run`` of its layers at full width.

    Achieved FLOP/s and power carry over from the subset to the whole model; so time and energy
    per token scale by the ratio of FLOP per token, whole over subset (embedding and output head
    counted once in each). This ratio is what the output prints ("scaled × r").
    """
    subset = arch.with_layers(layers_run)
    return train_flops_per_token(arch, seq_len) / train_flops_per_token(subset, seq_len)
