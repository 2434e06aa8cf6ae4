"""Fit the load-dependent serving power model (energybill.estimate.power) and print its error.

    python bench/fit_power_model.py

Data: ML.ENERGY benchmark v3.0 (Chung et al., "The ML.ENERGY Benchmark", NeurIPS 2025 Datasets &
Benchmarks; leaderboard v3.0, December 2025), average GPU power of Llama 3.1 8B on one H100 SXM
(TDP 700 W), vLLM 0.11.1, by batch size (max_num_seqs). Rows 16–768: read from the figure data of
the ML.ENERGY blog post "LLM Inference Energy: A Longitudinal Analysis" (2026-02-09,
github.com/ml-energy/blog, docs/posts/assets/llm-energy-over-time/llama-power-light.svg, V3 series:
pixel coordinates converted with the axis ticks); row 8: ~490 W as quoted in energybill issue 13
from the same benchmark. Facts quoted with citation; the blog repository's licence was not checked.

The model: u = (P − P_idle) / (TDP − P_idle) = min(U_SAT, A + C · ln batch), P_idle = 20 % of TDP.
U_SAT is the mean of the plateau rows (batch ≥ 192); A and C a least-squares line in ln batch
over the rising rows (batch ≤ 128). At the published throughput of a row, J/token = P / throughput,
so the relative error of the predicted J/token equals that of the predicted power.
"""

from __future__ import annotations

import math
import statistics

TDP_W = 700.0
IDLE_W = 0.2 * TDP_W
ROWS = [(8, 490.0), (16, 513.3), (32, 559.7), (64, 610.3), (96, 644.0), (128, 669.2),
        (192, 688.3), (256, 690.5), (384, 686.5), (512, 688.3), (768, 685.1)]


def main() -> None:
    share = [(b, (p - IDLE_W) / (TDP_W - IDLE_W)) for b, p in ROWS]
    u_sat = statistics.fmean(u for b, u in share if b >= 192)
    rising = [(math.log(b), u) for b, u in share if b <= 128]
    mean_x = statistics.fmean(x for x, _ in rising)
    mean_y = statistics.fmean(y for _, y in rising)
    c = sum((x - mean_x) * (y - mean_y) for x, y in rising) / sum((x - mean_x) ** 2 for x, _ in rising)
    a = mean_y - c * mean_x
    print(f"fit: A = {a:.5f}, C = {c:.6f}, U_SAT = {u_sat:.6f} (P_idle = {IDLE_W:g} W, TDP = {TDP_W:g} W)")
    print(f"{'batch':>5}  {'published W':>11}  {'predicted W':>11}  {'error':>7}  {'TDP-only error':>14}")
    errors = []
    for batch, published in ROWS:
        predicted = IDLE_W + (TDP_W - IDLE_W) * min(u_sat, a + c * math.log(batch))
        errors.append(abs(predicted - published) / published)
        tdp_only = (TDP_W - published) / published
        error = predicted / published - 1
        print(f"{batch:>5}  {published:>11.1f}  {predicted:>11.1f}  {error:>+7.1%}  {tdp_only:>+14.1%}")
    median = statistics.median(errors)
    print(f"median absolute error: {median:.1%} (J/token at the published throughput: the same)")


if __name__ == "__main__":
    main()
