"""Training: ``FLOP = 6·N·D``, PF-days, device-hours at an achieved throughput, then energy."""

from __future__ import annotations

from energybill.core.bill import ItemBill, Provenance
from energybill.core.provenance import default, formula, project
from energybill.core.units import FLOP_PER_PF_DAY, FLOP_PER_TFLOP, HOURS_PER_DAY, SECONDS_PER_HOUR
from energybill.estimate.site import TALK, SiteContext, device_energy
from energybill.project.model import Training


def estimate_training(item: Training, site: SiteContext) -> ItemBill:
    """Bill a training run from its parameters, tokens, throughput and power.

    Source: the talk's Training slide and Table 1 (C = 6·N·D, 150B tokens, 100 TFLOP/s per A100,
    400 W + 70 W of host); C = 6·N·D is Kaplan et al. 2020, "Scaling Laws for Neural Language
    Models", §2.1 (forward + backward ≈ 6 FLOP per parameter per token).
    """
    # C = 6·N·D (Kaplan et al. 2020, §2.1), 4·N·D for LoRA (flop_rule); for a mixture-of-experts N
    # is the active parameters, those one token passes through (Fedus et al. 2022, Switch
    # Transformers, §2: FLOP per token follow the activated expert, not the total)
    per_token, flops_record = flop_rule(item)
    flops = per_token * item.n_active * item.tokens
    # PF-days: 1e15 FLOP/s for a day (Brown et al. 2020, Table D.1)
    pf_days = flops / FLOP_PER_PF_DAY
    # Device-hours at the achieved (not peak) throughput, as the talk's Table 1 does.
    assert item.tflops_per_device is not None  # given, or an mfu resolved by the catalog (devices.py)
    device_hours = flops / (item.tflops_per_device * FLOP_PER_TFLOP * SECONDS_PER_HOUR)
    assert item.watts_per_device is not None  # a catalog device was resolved to its TDP (devices.py)
    energy, energy_record = device_energy(
        device_hours, item.watts_per_device, item.host_watts_per_device, site, "Training slide"
    )
    co2e, co2e_record = site.carbon(energy)
    details: dict[str, float | str] = {
        "flops": flops,
        "pf_days": pf_days,
        "device_hours": device_hours,
    }
    records = [
        flops_record,
        Provenance(
            "details.pf_days",
            "flops / (1e15 × 86400)",
            {"flops": flops},
            (formula("Brown et al. 2020 (GPT-3), Table D.1: petaFLOP/s-days"),),
        ),
        Provenance(
            "details.device_hours",
            "flops / (tflops_per_device × 1e12 × 3600)",
            {"flops": flops, "tflops_per_device": item.tflops_per_device},
            (formula(f"{TALK}, Table 1 (achieved throughput per device)"),),
        ),
        energy_record,
    ]
    if item.active_parameters is not None:
        details["active_parameters"] = item.active_parameters
    if item.is_fine_tune():
        details["fine_tune_of"] = item.base_model or "(base model not named)"
        details["method"] = item.method or "full"
    if item.devices is not None:
        days = device_hours / item.devices / HOURS_PER_DAY
        details["wall_clock_days"] = days
        records.append(
            Provenance(
                "details.wall_clock_days",
                "device_hours / devices / 24",
                {"device_hours": device_hours, "devices": item.devices},
                (project(note="devices"), formula("assumes perfect scaling across devices")),
            )
        )
    return ItemBill(
        kind="training",
        name=item.name,
        phase=item.phase,
        site=site.name,
        energy_kwh=energy,
        co2e_kg=co2e,
        details=details,
        provenance=(*records, co2e_record),
    )


KAPLAN = "Kaplan et al. 2020, Scaling Laws for Neural Language Models, §2.1"
# The backward pass costs twice the forward: one product for the activations' gradients, one for the
# weights' (Narayanan et al. 2021, "Efficient Large-Scale Language Model Training on GPU Clusters
# Using Megatron-LM", §5.1 and appendix). LoRA freezes the pretrained weights (Hu et al. 2021, §4):
# no weight gradients, so ≈ 2N forward + 2N backward = 4N per token (the adapters' r ≪ d FLOP
# neglected); Hu et al. report 25 % faster training of GPT-3 175B than a full fine-tune (§4.2).
LORA = (
    "LoRA: forward 2N + backward through the activations only 2N (frozen weights get no gradient); "
    "Hu et al. 2021, LoRA, §4; backward = activation + weight gradients, Narayanan et al. 2021 "
    "(Megatron-LM), appendix"
)
MOE = "Fedus et al. 2022, Switch Transformers, §2: a token's FLOP follow its active experts"


def flop_rule(item: Training) -> tuple[float, Provenance]:
    """FLOP per (active) parameter per token: 6 (pretraining, full fine-tune) or 4 (LoRA), with its
    record."""
    moe = item.active_parameters is not None
    n = "active_parameters" if moe else "parameters"
    inputs: dict[str, float | str] = {"parameters": item.parameters, "tokens": item.tokens}
    if moe:
        inputs = {"active_parameters": item.n_active, **inputs}
    extra = (formula(MOE),) if moe else ()
    if item.is_fine_tune() and item.method == "lora":
        return 4.0, Provenance("details.flops", f"4 × {n} × tokens", inputs, (formula(LORA), *extra))
    sources = [formula(KAPLAN), formula("talk, Training slide"), *extra]
    if item.is_fine_tune():
        base = item.base_model or "an existing model"
        sources[1] = formula(f"full fine-tune of {base}: every weight trained")
        if item.method is None:
            sources.append(default('method "full": every weight trained (set method = "lora" for LoRA)'))
    return 6.0, Provenance("details.flops", f"6 × {n} × tokens", inputs, tuple(sources))
