"""Framework callbacks: energy per epoch and per phase, logged where the framework logs.

- ``energybill.integrations.huggingface.EnergybillCallback`` — a ``transformers.TrainerCallback``
  (``pip install 'energybill[hf]'``).
- ``energybill.integrations.lightning.EnergybillCallback`` — a ``lightning.pytorch.Callback``
  (``pip install 'energybill[lightning]'``).
- A plain PyTorch loop uses ``energybill.tracking.TrainingMeter`` directly.

Each module imports its framework when it is imported, never before: ``import energybill`` stays
free of torch, transformers and lightning.
"""
