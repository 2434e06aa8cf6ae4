#!/usr/bin/env bash
# The GPU run of docs/practice.md in one command: measure noor-1.3b and noor-2.7b training,
# noor-13b training on the layers that fit (scaled), noor-13b serving at batch sizes 1 to 128,
# then re-bill the Noor example with the records. Run from the repository root on a GPU machine:
#
#     bash bench/gpu_calibrate.sh [OUT_DIR]          # default OUT_DIR: calibration-run
#
# Needs: pip install -e '.[practice]' (torch with CUDA, nvidia-ml-py). Takes about 5 minutes on
# one H100. Overridable for a dry run on a CPU: DEVICE=cpu TRAIN_ARCHS=tiny BIG_ARCH=tiny SERVE_ARCH=tiny
# plus EXTRA_TRAIN / EXTRA_SERVE options (e.g. EXTRA_SERVE="--new-tokens 8 --prompt 8").
set -euo pipefail
out=${1:-calibration-run}
device=${DEVICE:-cuda}
train_archs=${TRAIN_ARCHS:-"noor-1.3b noor-2.7b"}
big_arch=${BIG_ARCH:-noor-13b}
serve_arch=${SERVE_ARCH:-noor-13b}
batches=${BATCHES:-1,2,4,8,16,32,64,128}
mkdir -p "$out"
{ date -u +"date: %Y-%m-%dT%H:%M:%SZ"; nvidia-smi --query-gpu=name,driver_version,power.limit --format=csv \
  2>/dev/null || echo "no nvidia-smi"; python -c "import torch; print('torch', torch.__version__)"; } \
  | tee "$out/environment.txt"
for arch in $train_archs; do
  energybill bench train --arch "$arch" --device "$device" ${EXTRA_TRAIN:-} --out "$out/train-$arch.json" \
    | tee "$out/train-$arch.txt"
done
# The 13B model does not fit for training on one 80 GB GPU: it runs on a subset of layers, scaled.
energybill bench train --arch "$big_arch" --device "$device" --micro-batch 1 ${EXTRA_TRAIN:-} \
  --out "$out/train-big-$big_arch.json" | tee "$out/train-big-$big_arch.txt"
energybill bench serve --arch "$serve_arch" --device "$device" --batch "$batches" ${EXTRA_SERVE:-} \
  --out "$out/serve-$serve_arch.json" | tee "$out/serve-$serve_arch.txt"
set -- $train_archs
python bench/rebill_noor.py --write "$out/noor-calibrated.toml" \
  --set "Noor 1.3B=$out/train-$1.json" --set "Noor 2.7B=$out/train-${2:-$1}.json" \
  --set "Noor 13B=$out/train-big-$big_arch.json" \
  --set "Noor 13B serving (prospective)=$out/serve-$serve_arch.json" | tee "$out/rebill.md"
