"""The FLOP counter and the layer-scaling rule, each against a count written out by hand."""

from __future__ import annotations

import pytest

from energybill.core.errors import EnergybillError
from energybill.practice import flops
from energybill.practice.arch import ARCHS, get_arch
from energybill.practice.train import layers_that_fit, training_bytes


def test_tiny_flops_per_token_match_a_count_by_hand() -> None:
    # tiny: 2 layers, d_model 64, vocab 512, context 128, MLP 256 wide. Parameters, by layer:
    embedding = 512 * 64  # tied output head: its matmul uses these weights
    layernorms = 2 * (64 + 64)
    qkv = 64 * 192 + 192
    attn_out = 64 * 64 + 64
    mlp_in = 64 * 256 + 256
    mlp_out = 256 * 64 + 64
    block = layernorms + qkv + attn_out + mlp_in + mlp_out
    assert block == 49_984
    n = embedding + 2 * block + (64 + 64)  # + final LayerNorm
    assert n == 132_864
    # 6 FLOP per parameter per token, + QKᵀ and A·V: 2 matmuls × 2 FLOP × d × T per layer, × 3 (fwd+bwd)
    attention = 2 * (2 * 2 * 64 * 128) * 3
    assert flops.flop_params(ARCHS["tiny"]) == n
    assert flops.train_flops_per_token(ARCHS["tiny"], 128) == 6 * n + attention == 993_792
    assert flops.total_params(ARCHS["tiny"]) == n + 128 * 64  # + position embedding


def test_noor_sizes_are_the_gpt3_family() -> None:
    # Brown et al. 2020 Table 2.1 names them 1.3B, 2.7B, 6.7B, 13.0B parameters.
    expected = {"noor-1.3b": 1.3e9, "noor-2.7b": 2.7e9, "noor-6.7b": 6.7e9, "noor-13b": 13.0e9}
    for name, size in expected.items():
        assert flops.total_params(ARCHS[name]) == pytest.approx(size, rel=0.03), name
    # noor-1.3b by hand: 24 × (12·2048² + 13·2048) + 50,257·2048 + 2·2048
    assert flops.flop_params(ARCHS["noor-1.3b"]) == 24 * (12 * 2048**2 + 13 * 2048) + 50_257 * 2048 + 4096
    assert ARCHS["noor-13b"].d_model == 5120 and ARCHS["noor-13b"].d_head == 128


def test_decode_flops_by_hand() -> None:
    arch = ARCHS["tiny"]
    # one token attending to 10 cached ones: 2·N + (QKᵀ + A·V) = 2·N + 2 layers × 2 × 2 × 64 × 10
    assert flops.decode_flops_per_token(arch, 10) == 2 * 132_864 + 2 * 2 * 2 * 64 * 10


def test_layer_scaling_rule_matches_a_hand_computation() -> None:
    # noor-13b run on 8 of its 40 layers, sequences of 2,048 tokens.
    d, vocab, seq = 5120, 50_257, 2048
    block = 12 * d * d + 13 * d
    whole = 6 * (vocab * d + 40 * block + 2 * d) + 12 * 40 * d * seq
    subset = 6 * (vocab * d + 8 * block + 2 * d) + 12 * 8 * d * seq
    assert flops.layer_scale(ARCHS["noor-13b"], 8, seq) == pytest.approx(whole / subset, rel=1e-12)
    assert whole / subset == pytest.approx(4.650, abs=0.001)  # under 40/8 = 5: the head is counted once
    assert flops.layer_scale(ARCHS["noor-13b"], 40, seq) == 1.0


def test_layers_that_fit_by_hand() -> None:
    # noor-13b, micro-batch 1 × 2,048 tokens, on 80 GB (90 % usable): 16 B per parameter,
    # 34·d bytes per layer and token of activations, 12 B per logit.
    d, vocab, ctx, seq = 5120, 50_257, 2048, 2048
    block = 12 * d * d + 13 * d
    fixed = 16 * (vocab * d + ctx * d + 2 * d) + 12 * vocab * seq
    per_layer = 16 * block + 34 * d * seq
    by_hand = int((0.9 * 80e9 - fixed) // per_layer)
    assert by_hand == 12
    assert layers_that_fit(ARCHS["noor-13b"], 1, seq, 80e9) == by_hand
    assert training_bytes(ARCHS["noor-13b"], by_hand, 1, seq) == fixed + by_hand * per_layer
    assert layers_that_fit(ARCHS["noor-1.3b"], 4, seq, 80e9) == 24  # all of it fits


def test_one_layer_that_does_not_fit_is_a_clear_error() -> None:
    with pytest.raises(EnergybillError, match="lower --micro-batch"):
        layers_that_fit(ARCHS["noor-13b"], 64, 2048, 16e9)


def test_custom_and_unknown_architectures() -> None:
    arch = get_arch("layers=3,d_model=96,heads=6,vocab=1000,context=64")
    assert (arch.n_layers, arch.d_model, arch.n_heads, arch.vocab_size, arch.context) == (3, 96, 6, 1000, 64)
    with pytest.raises(EnergybillError, match=r"allowed: noor-1\.3b"):
        get_arch("noor-175b")
    with pytest.raises(EnergybillError, match="does not split into 7 heads"):
        get_arch("layers=2,d_model=64,heads=7")
    with pytest.raises(EnergybillError, match="unknown key 'width'"):
        get_arch("layers=2,width=64,heads=4")


@pytest.mark.parametrize(
    ("cuda_name", "peak"),
    [
        ("NVIDIA A100-SXM4-80GB", 312.0),  # NVIDIA A100 datasheet: 312 TFLOP/s bf16 dense
        ("NVIDIA H100 80GB HBM3", 989.4),  # the SXM5 board, as CUDA names it
        ("NVIDIA H100 PCIe", 756.0),
        ("NVIDIA H200", 989.5),
        ("NVIDIA H100 NVL", None),  # no dense bf16 figure in the catalog: MFU needs --peak-tflops
    ],
)
def test_peak_for_mfu_comes_from_the_catalog(cuda_name: str, peak: float | None) -> None:
    from energybill.practice.devices import peak_tflops_for

    found = peak_tflops_for(cuda_name)
    if peak is None:
        assert found is None
    else:
        assert found is not None and found[0] == pytest.approx(peak)
        assert found[1].startswith("Epoch AI")
