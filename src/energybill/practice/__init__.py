"""Practice: measure training and serving of GPT-style models (random weights) and calibrate the bill.

Energy and throughput depend on the architecture and the hardware, not on the weights, so a
GPT-style decoder with random weights is a faithful stand-in that needs no download.

- ``arch``: the GPT-3 family shapes Noor follows (``noor-1.3b`` … ``noor-13b``), ``tiny``, custom.
- ``flops``: FLOP counting (``6·N`` plus attention, per token) and the layer-scaling rule.
- ``devices``: device names, peak bf16 TFLOP/s and memory for MFU and the fit check.
- ``energy``: the benchmarks' seam, a thin adapter over ``energybill.measure.Meter`` windows.
- ``model``: the PyTorch decoder (torch is imported only inside functions).
- ``train`` / ``serve``: the benchmarks; ``calibration``: the records they write.
"""
