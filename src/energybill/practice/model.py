"""A plain GPT-style decoder in PyTorch, with random weights: the stand-in whose cost we measure.

Pre-norm blocks (LayerNorm → causal self-attention through ``scaled_dot_product_attention`` →
LayerNorm → GELU MLP of width 4·d), learned position embeddings, output head tied to the input
embedding (GPT-2/GPT-3 style). A preallocated key/value cache serves greedy decoding. torch is
imported only inside functions, so that ``import energybill`` never loads it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from energybill.practice.arch import Arch


def build_model(arch: Arch, device: str, dtype: Any) -> Any:
    """A ``GPT`` module for ``arch`` with random (GPT-2-style N(0, 0.02)) weights on ``device``."""
    import torch

    classes = _classes()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # build in the target dtype: a 13B model in fp32 would not fit
    try:
        with torch.device(device):
            return classes["GPT"](arch)
    finally:
        torch.set_default_dtype(previous)


@cache
def _classes() -> dict[str, type]:
    """Define the modules on first use (the torch import stays out of ``import energybill``)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    class Attention(nn.Module):
        def __init__(self, arch: Arch) -> None:
            super().__init__()
            self.n_heads, self.d_head = arch.n_heads, arch.d_head
            self.c_attn = nn.Linear(arch.d_model, 3 * arch.d_model)
            self.c_proj = nn.Linear(arch.d_model, arch.d_model)

        def forward(self, x: Any, cache: Any = None, pos: int = 0) -> Any:
            b, t, d = x.shape
            q, k, v = self.c_attn(x).split(d, dim=2)
            q, k, v = (z.view(b, t, self.n_heads, self.d_head).transpose(1, 2) for z in (q, k, v))
            if cache is not None:  # write this step's keys and values, attend to all so far
                cache[0][:b, :, pos : pos + t] = k
                cache[1][:b, :, pos : pos + t] = v
                k, v = cache[0][:b, :, : pos + t], cache[1][:b, :, : pos + t]
            # A single new token attends to every cached one; a block of t tokens is causal.
            y = F.scaled_dot_product_attention(q, k, v, is_causal=t > 1)
            return self.c_proj(y.transpose(1, 2).reshape(b, t, d))

    class Block(nn.Module):
        def __init__(self, arch: Arch) -> None:
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(arch.d_model), nn.LayerNorm(arch.d_model)
            self.attn = Attention(arch)
            self.mlp = nn.Sequential(
                nn.Linear(arch.d_model, arch.d_ff), nn.GELU(), nn.Linear(arch.d_ff, arch.d_model)
            )

        def forward(self, x: Any, cache: Any = None, pos: int = 0) -> Any:
            x = x + self.attn(self.ln_1(x), cache, pos)
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self, arch: Arch) -> None:
            super().__init__()
            self.arch = arch
            self.wte = nn.Embedding(arch.vocab_size, arch.d_model)
            self.wpe = nn.Embedding(arch.context, arch.d_model)
            self.blocks = nn.ModuleList(Block(arch) for _ in range(arch.n_layers))
            self.ln_f = nn.LayerNorm(arch.d_model)
            for p in self.parameters():
                if p.dim() > 1:
                    nn.init.normal_(p, std=0.02)

        def forward(self, idx: Any, caches: Any = None, pos: int = 0, last_only: bool = False) -> Any:
            positions = torch.arange(pos, pos + idx.shape[1], device=idx.device)
            x = self.wte(idx) + self.wpe(positions)
            for i, block in enumerate(self.blocks):
                x = block(x, None if caches is None else caches[i], pos)
            if last_only:  # serving needs the next token only, as inference engines compute it
                x = x[:, -1:]
            return self.ln_f(x) @ self.wte.weight.T  # output head tied to the embedding

    return {"GPT": GPT}


def new_kv_cache(arch: Arch, batch: int, length: int, device: str, dtype: Any) -> list[Any]:
    """Per layer, preallocated keys and values of shape (batch, heads, length, d_head)."""
    import torch

    shape = (batch, arch.n_heads, length, arch.d_head)
    return [
        (torch.empty(shape, device=device, dtype=dtype), torch.empty(shape, device=device, dtype=dtype))
        for _ in range(arch.n_layers)
    ]
