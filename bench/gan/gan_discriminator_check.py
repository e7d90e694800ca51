#!/usr/bin/env python3
"""Why the BCE discriminator sat at chance (docs/RESULTS.md, DCGAN): D alone, trained against a frozen G.

G is fixed at its initialisation, so its samples (probabilities near 0.5 everywhere) differ grossly from the
real windows (binary, ~2 % of cells on): any working D separates them within a few dozen steps. Each variant
trains a fresh D (the networks of gan_reference.py, seed 2) for 150 steps of batch 64 with label smoothing and
D's TTUR Adam, then reports its accuracy in train mode (as curve.csv's d_acc columns) and in eval mode.

  gan_discriminator_check.py STORE [variant ...]
variants: separate (the original: real and fake through D as two batches), joint (one batch of both: Quintet's
default), nobn1 (separate, no batch norm after D's first conv: the DCGAN paper's rule), nodrop (separate,
no dropout); default: all four.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

import gan_reference as R  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    rolls = torch.from_numpy(R.store_windows(sys.argv[1]))[:1024].gt(0).float()
    torch.manual_seed(1)
    G = R.Generator()
    G.apply(R.init_weights)
    with torch.no_grad():  # train mode: batch statistics, as G makes its fakes in training
        fakes = torch.cat([G(torch.randn(64, R.NOISE)) for _ in range(16)])
    print(json.dumps({"real_windows": rolls.shape[0], "real_density": round(rolls.mean().item(), 4),
                      "fake_mean": round(fakes.mean().item(), 4), "fake_sd": round(fakes.std().item(), 4)}), flush=True)
    for variant in sys.argv[2:] or ["separate", "joint", "nobn1", "nodrop"]:
        check(variant, rolls, fakes)


def check(variant, rolls, fakes, steps=150, batch=64):
    torch.manual_seed(2)
    D = R.Discriminator()
    D.apply(R.init_weights)
    if variant == "nobn1":
        D.norms[0] = nn.Identity()
    if variant == "nodrop":
        D.dropout = nn.Identity()
    opt = torch.optim.Adam(D.parameters(), lr=6e-4, betas=(0.0, 0.99))
    log = []
    for _ in range(steps):
        i = torch.randint(0, rolls.shape[0], (batch,))
        real, fake = rolls[i], fakes[i]
        if variant == "joint":
            logit, _ = D(torch.cat([real, fake]))
            r_logit, f_logit = logit[:batch], logit[batch:]
        else:
            r_logit, _ = D(real)
            f_logit, _ = D(fake)
        loss = (F.binary_cross_entropy_with_logits(r_logit, torch.rand(batch) * 0.1 + 0.9) +
                F.binary_cross_entropy_with_logits(f_logit, torch.rand(batch) * 0.1)) / 2
        log.append(((r_logit > 0).float().mean().item(), (f_logit < 0).float().mean().item(), loss.item()))
        opt.zero_grad()
        loss.backward()
        opt.step()
    D.eval()
    with torch.no_grad():
        eval_real = (D(rolls[:256])[0] > 0).float().mean().item()
        eval_fake = (D(fakes[:256])[0] < 0).float().mean().item()

    def mean(a, b, k):
        return round(sum(r[k] for r in log[a:b]) / (b - a), 3)
    print(json.dumps({"variant": variant, "train_acc_real_fake_steps_1_20": [mean(0, 20, 0), mean(0, 20, 1)],
                      "train_acc_real_fake_last_50": [mean(steps - 50, steps, 0), mean(steps - 50, steps, 1)],
                      "loss_last_50": mean(steps - 50, steps, 2),
                      "eval_acc_real_fake": [round(eval_real, 3), round(eval_fake, 3)]}), flush=True)


if __name__ == "__main__":
    main()
