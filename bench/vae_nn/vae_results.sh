#!/usr/bin/env bash
# VAE-NN quality evidence for docs/RESULTS.md on the demo corpus (test split):
#   bench/vae_nn/vae_results.sh STORE OUTDIR [EPOCHS] [MAX_WINDOWS] [NET_EPOCHS]
# trains one run per K in 8 16 32 64 (default likelihood, seed 1), then prints reconstruction
# precision/recall/F1 per instrument at the run's calibrated thresholds,
# latent-net MSE vs copy-the-last-latent, and (K=16) output diversity vs noise_sd, as JSON lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
STORE=$1; OUT=$2; EPOCHS=${3:-30}; MAXW=${4:-0}; NET_EPOCHS=${5:-30}
Q=build/quintet; EVAL=build/bench/vae_eval
mkdir -p "$OUT"
for K in 8 16 32 64; do
  if [ ! -f "$OUT/k$K/model.pt" ] || ! grep -q "^2,$NET_EPOCHS," "$OUT/k$K/curve.csv" 2>/dev/null; then
    rm -rf "$OUT/k$K"
    $Q train vae --corpus "$STORE" --out "$OUT/k$K" --latent $K --epochs "$EPOCHS" --net-epochs "$NET_EPOCHS" \
      --max-windows "$MAXW" --seed 1 --quiet > /dev/null
  fi
  $EVAL recon "$OUT/k$K" "$STORE" auto
  $EVAL latent "$OUT/k$K" "$STORE"
done
$EVAL diversity "$OUT/k16" "$STORE" 6 8
