"""Compute-optimal planning from scaling laws: parameters and tokens for a budget, and their loss.

Sources (constants are cited where defined):
- Hoffmann et al. 2022, "Training Compute-Optimal Large Language Models" (Chinchilla),
  arXiv:2203.15556 — the paper the talk cites. Approach 1 (Table 2: N_opt ∝ C^0.50; Table 3:
  67B parameters at Gopher's 5.76e23 FLOP) and Approach 3 (eq. 10, the parametric loss
  L(N, D) = E + A/N^α + B/D^β with E = 1.69, A = 406.4, B = 410.7, α = 0.34, β = 0.28; its
  compute-optimal frontier is eq. 4).
- Kaplan et al. 2020, "Scaling Laws for Neural Language Models", arXiv:2001.08361 — §6.1 /
  Figure 14: N_opt ≈ 1.3e9 · (C / PF-day)^0.73 (non-embedding parameters).

Every method spends C = 6·N·D (Kaplan §2.1), so D = C / (6 N). Approach 3's closed form with the
paper's *rounded* constants gives 32B parameters and 3.0T tokens for Gopher's compute, not the
~40B the paper quotes for Approach 3: N_opt = G (C/6)^(β/(α+β)) with G = (αA / βB)^(1/(α+β)) is
very sensitive to the two-digit exponents (Besiroglu et al. 2024, "Chinchilla Scaling: A
replication attempt", make the same point). Approach 1 reproduces Chinchilla (≈ 70B, 1.4T) and is
the default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from energybill.core.errors import EnergybillError
from energybill.core.units import FLOP_PER_PF_DAY, FLOP_PER_TFLOP, G_PER_KG, SECONDS_PER_HOUR, WH_PER_KWH

HOFFMANN = "Hoffmann et al. 2022, Training Compute-Optimal Large Language Models (arXiv:2203.15556)"
KAPLAN = "Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv:2001.08361)"

# Approach 3, eq. (10) of Hoffmann et al. 2022: fitted on 400+ runs (70M to 16B parameters).
E_LOSS = 1.69
A_PARAMS = 406.4
B_TOKENS = 410.7
ALPHA = 0.34
BETA = 0.28
# Approach 1: N_opt ∝ C^0.50 (Table 2), through Table 3's row (5.76e23 FLOP → 67B parameters).
APPROACH1_EXPONENT = 0.50
APPROACH1_ANCHOR_FLOPS = 5.76e23
APPROACH1_ANCHOR_PARAMETERS = 67e9
# Kaplan et al. 2020, §6.1 / Figure 14: N_opt ≈ 1.3e9 (C_min / PF-day)^0.73.
KAPLAN_COEFFICIENT = 1.3e9
KAPLAN_EXPONENT = 0.73
# Below a million parameters there is no language model to plan (the fits start at 70M).
MIN_PARAMETERS = 1e6
FLOP_PER_PARAMETER_TOKEN = 6.0  # C = 6·N·D (Kaplan et al. 2020, §2.1)

METHODS = {
    "chinchilla": f"{HOFFMANN}, Approach 1 (Table 2 exponent 0.50, Table 3 anchor 67B at 5.76e23 FLOP)",
    "chinchilla-parametric": f"{HOFFMANN}, Approach 3 (eq. 10 fit, eq. 4 frontier)",
    "kaplan": f"{KAPLAN}, §6.1 (N_opt = 1.3e9 · C[PF-days]^0.73)",
}


class PlanError(EnergybillError):
    """A budget the scaling laws cannot plan (too small, not positive)."""


@dataclass(frozen=True)
class Allocation:
    """Parameters and tokens for a compute budget, with the parametric loss they reach."""

    method: str
    flops: float
    parameters: float
    tokens: float
    loss: float
    source: str

    @property
    def tokens_per_parameter(self) -> float:
        return self.tokens / self.parameters


def loss(parameters: float, tokens: float) -> float:
    """Predicted loss L(N, D) = E + A/N^α + B/D^β (Hoffmann et al. 2022, eq. 10)."""
    return E_LOSS + A_PARAMS / _power(parameters, ALPHA) + B_TOKENS / _power(tokens, BETA)


def _power(base: float, exponent: float) -> float:
    """``base ** exponent`` of a positive base, typed: typeshed's ``float ** float`` is ``Any`` because
    a negative base gives a complex number."""
    result: float = base**exponent
    return result


def optimal_parameters(flops: float, method: str = "chinchilla") -> float:
    """N_opt for a budget of ``flops`` with one of ``METHODS``."""
    if method == "chinchilla":
        return APPROACH1_ANCHOR_PARAMETERS * _power(flops / APPROACH1_ANCHOR_FLOPS, APPROACH1_EXPONENT)
    if method == "chinchilla-parametric":
        # eq. (4): N_opt = G (C/6)^a, a = β/(α+β), G = (αA / βB)^(1/(α+β))
        g = _power(ALPHA * A_PARAMS / (BETA * B_TOKENS), 1.0 / (ALPHA + BETA))
        return g * _power(flops / FLOP_PER_PARAMETER_TOKEN, BETA / (ALPHA + BETA))
    if method == "kaplan":
        return KAPLAN_COEFFICIENT * _power(flops / FLOP_PER_PF_DAY, KAPLAN_EXPONENT)
    raise PlanError(f"unknown method '{method}'; allowed: {', '.join(METHODS)}")


def allocate(flops: float, method: str = "chinchilla") -> Allocation:
    """The compute-optimal model of a FLOP budget; a budget too small for any model is an error."""
    if not (flops > 0 and math.isfinite(flops)):
        raise PlanError(f"the compute budget must be a positive number of FLOP, got {flops:g}")
    parameters = optimal_parameters(flops, method)
    # a subnormal budget (1e-313 FLOP) gives 0.0 parameters: too small, not a division by zero
    tokens = flops / (FLOP_PER_PARAMETER_TOKEN * parameters) if parameters > 0 else 0.0
    if parameters < MIN_PARAMETERS or tokens < 1.0:
        raise PlanError(
            f"budget too small for any model: {flops:.3g} FLOP gives {parameters:.3g} parameters "
            f"and {tokens:.3g} tokens ({method}); a plan needs at least {MIN_PARAMETERS:.0e} parameters"
        )
    return Allocation(method, flops, parameters, tokens, loss(parameters, tokens), METHODS[method])


def flops_for_energy(
    energy_kwh: float,
    tflops_per_device: float,
    watts_per_device: float,
    host_watts_per_device: float,
    pue: float,
) -> float:
    """FLOP that ``energy_kwh`` buys: the training formula of estimate.training, inverted.

    device-hours = kWh × 1000 / ((W + host W) × PUE); FLOP = device-hours × TFLOP/s × 1e12 × 3600.
    """
    device_hours = energy_kwh * WH_PER_KWH / ((watts_per_device + host_watts_per_device) * pue)
    return device_hours * tflops_per_device * FLOP_PER_TFLOP * SECONDS_PER_HOUR


def energy_for_co2e(co2e_kg: float, intensity_g_per_kwh: float) -> float:
    """kWh that a CO2e budget allows on a grid: kWh = kg × 1000 / (g/kWh)."""
    if intensity_g_per_kwh <= 0:
        raise PlanError("a CO2e budget needs a grid intensity > 0 g/kWh (a zero-carbon grid has no limit)")
    return co2e_kg * G_PER_KG / intensity_g_per_kwh


@dataclass(frozen=True)
class IsoLoss:
    """The compute-optimal model (Approach 3) that reaches the loss of a given (N, D), and its compute."""

    flops: float
    parameters: float
    tokens: float
    compute_saved_share: float  # 1 − its FLOP / (6·N·D)


def iso_loss(parameters: float, tokens: float) -> IsoLoss:
    """The least compute reaching the loss of ``parameters`` trained on ``tokens``, and its model."""
    least = iso_loss_flops(parameters, tokens)
    n_opt = optimal_parameters(least, "chinchilla-parametric")
    saved = 1.0 - least / (FLOP_PER_PARAMETER_TOKEN * parameters * tokens)
    return IsoLoss(least, n_opt, least / (FLOP_PER_PARAMETER_TOKEN * n_opt), saved)


def iso_loss_flops(parameters: float, tokens: float) -> float:
    """The least compute whose Approach-3 compute-optimal model reaches the loss of (N, D).

    Bisection on log C of L(N_opt(C), D_opt(C)), which falls as C grows; ≤ 6·N·D by definition.
    """
    target = loss(parameters, tokens)
    high = FLOP_PER_PARAMETER_TOKEN * parameters * tokens
    low = high * 1e-6
    for _ in range(200):
        middle = math.sqrt(low * high)
        n_opt = optimal_parameters(middle, "chinchilla-parametric")
        if loss(n_opt, middle / (FLOP_PER_PARAMETER_TOKEN * n_opt)) > target:
            low = middle
        else:
            high = middle
    return high


@dataclass(frozen=True)
class Hardware:
    """Where and on what the plan trains: achieved throughput, power, PUE and grid."""

    tflops_per_device: float = 100.0  # the talk's observed A100 throughput (Training slide)
    watts_per_device: float = 400.0  # A100 TDP (talk)
    host_watts_per_device: float = 70.0  # host CPU share per A100 (talk)
    pue: float = 1.0
    carbon_intensity_g_per_kwh: float = 475.0  # world average (talk, Inference slide)


@dataclass(frozen=True)
class Costed:
    """An allocation with what training it costs on some hardware."""

    allocation: Allocation
    device_hours: float
    energy_kwh: float
    co2e_kg: float

    def to_dict(self) -> dict[str, float | str]:
        a = self.allocation
        return {
            "method": a.method,
            "flops": a.flops,
            "parameters": a.parameters,
            "tokens": a.tokens,
            "tokens_per_parameter": a.tokens_per_parameter,
            "loss": a.loss,
            "device_hours": self.device_hours,
            "energy_kwh": self.energy_kwh,
            "co2e_kg": self.co2e_kg,
            "source": a.source,
        }


def cost(allocation: Allocation, hardware: Hardware) -> Costed:
    """Device-hours, energy and CO2e of training an allocation: billed by estimate.training itself."""
    from energybill.core.provenance import Source
    from energybill.estimate.site import SiteContext
    from energybill.estimate.training import estimate_training
    from energybill.project.model import Training

    given = (Source("formula", "plan"),)
    site = SiteContext("plan", hardware.pue, hardware.carbon_intensity_g_per_kwh, given, given)
    item = Training(
        name=allocation.method,
        site="plan",
        parameters=allocation.parameters,
        tokens=allocation.tokens,
        tflops_per_device=hardware.tflops_per_device,
        watts_per_device=hardware.watts_per_device,
        host_watts_per_device=hardware.host_watts_per_device,
    )
    billed = estimate_training(item, site)
    device_hours = float(billed.details["device_hours"])
    return Costed(allocation, device_hours, billed.energy_kwh or 0.0, billed.co2e_kg or 0.0)


def existing(parameters: float, tokens: float) -> Allocation:
    """A trained model as an Allocation, for comparison with the compute-optimal one."""
    flops = FLOP_PER_PARAMETER_TOKEN * parameters * tokens
    return Allocation("as trained", flops, parameters, tokens, loss(parameters, tokens), "project file")
