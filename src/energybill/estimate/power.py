"""Power that depends on load: a device's draw between idle and TDP as a function of batch size.

Decoding draws more power as the batch grows (the GPU is busier), so J/token does not fall as
1/batch. The model, for a device that is only named (its TDP from the catalog):

    P(batch) = P_idle + (TDP − P_idle) × u(batch),   u(batch) = min(U_SAT, A + C · ln batch)

fitted (``bench/fit_power_model.py``, table and error in docs/serving.md) to the ML.ENERGY
benchmark v3.0 (Chung et al., "The ML.ENERGY Benchmark", NeurIPS 2025 Datasets & Benchmarks;
leaderboard v3.0, December 2025): average GPU power of Llama 3.1 8B on one H100 SXM (700 W TDP)
under vLLM 0.11.1 at batch sizes 8 to 768 (median absolute error 0.4 %). The shape is carried to
other devices as a fraction of their own idle-to-TDP span, an assumption the bill states.
All functions are plain arithmetic and work on floats and numpy arrays alike (sampling).
"""

from __future__ import annotations

import math
from typing import Any

# Fitted constants (bench/fit_power_model.py): u = (P − P_idle) / (TDP − P_idle).
FIT_A = 0.35615
FIT_C = 0.118256
FIT_U_SAT = 0.978107  # the plateau: ~688 W of 700 W from batch 192 up
# Idle with a model loaded, as a share of TDP, where neither the catalog nor the item gives it:
# an assumption (H100 ~140 W, A100 ~80 W, L4 ~14 W); the CUDA context alone adds 26–66 W over
# bare idle (Vadari et al. 2026, "The Model Parking Tax", arXiv:2605.23918).
DEFAULT_IDLE_FRACTION = 0.2
CITATION = (
    "load-dependent power: P_idle + (TDP − P_idle) × min(0.978, 0.356 + 0.118 · ln batch), fitted to "
    "ML.ENERGY benchmark v3.0 (Chung et al., NeurIPS 2025 D&B), Llama 3.1 8B on H100, batch 8–768; "
    "docs/serving.md"
)


def utilisation(batch: Any) -> Any:
    """u(batch) in [0, U_SAT]: the share of the idle-to-TDP span a decode batch draws."""
    if isinstance(batch, int | float):
        return max(0.0, min(FIT_U_SAT, FIT_A + FIT_C * math.log(batch)))
    import numpy as np

    return np.clip(FIT_A + FIT_C * np.log(batch), 0.0, FIT_U_SAT)


def power_w(tdp_w: Any, idle_w: Any, batch: Any) -> Any:
    """Average device power while decoding at ``batch`` (W)."""
    return idle_w + (tdp_w - idle_w) * utilisation(batch)


def power_ratio(batch_from: int, batch_to: int, idle_fraction: float = DEFAULT_IDLE_FRACTION) -> float:
    """P(batch_to) / P(batch_from) for the same device: how much more a bigger batch draws."""
    before = idle_fraction + (1.0 - idle_fraction) * utilisation(batch_from)
    after = idle_fraction + (1.0 - idle_fraction) * utilisation(batch_to)
    return float(after / before)
