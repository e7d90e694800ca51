#!/usr/bin/env python3
"""PyTorch reference of Quintet's DCGAN (SEED-SPEC section 11; src/systems/gan/), for bench/gan/gan_vs_python.sh.

The same networks (G: 100-d noise -> 6 transposed convs -> 5 x 64 x 72, BatchNorm + PReLU per layer; D: 5 convs
-> logit, dropout 0.5), the same initialisation, the same data (the train split of a Quintet corpus store at 4
steps per beat, read with numpy.memmap after src/corpus/store_format.hpp: non-overlapping 64-step windows from
step 0, pitches 24-95, binarised per batch), the same epoch as `quintet train gan` with its defaults (all three
stabilisers: label smoothing, feature matching, TTUR; D judges real and fake as one batch; batch 64, the last
partial batch dropped), and after each
epoch the same diagnostics (64 fixed-noise samples in eval mode, mean pairwise Jaccard distance, distinct share)
and model.pt + last.pt saved.

  gan_reference.py train --store S --threads T --epochs E   -> one JSON line
  gan_reference.py diversity --store S                      -> the real windows' diversity (docs/RESULTS.md)
"""
import argparse
import json
import os
import sys
import tempfile
import time

T_PROCESS = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

STEPS, LOW, PITCHES, CHANNELS, NOISE = 64, 24, 72, 5, 100


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        w = 64
        self.layers = nn.ModuleList([nn.ConvTranspose2d(NOISE, w, (STEPS // 32, 1), stride=2)] +
                                    [nn.ConvTranspose2d(w, w, (2, 1), stride=2) for _ in range(4)] +
                                    [nn.ConvTranspose2d(w, CHANNELS, (2, PITCHES), stride=2)])
        self.norms = nn.ModuleList([nn.BatchNorm2d(w) for _ in range(5)])
        self.acts = nn.ModuleList([nn.PReLU() for _ in range(5)])

    def forward(self, z):
        h = z.view(-1, NOISE, 1, 1)
        for i in range(5):
            h = self.acts[i](self.norms[i](self.layers[i](h)))
        return torch.sigmoid(self.layers[5](h))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        w = 16
        self.layers = nn.ModuleList([nn.Conv2d(CHANNELS, w, (2, PITCHES), stride=2)] +
                                    [nn.Conv2d(w, w, (2, 1), stride=2) for _ in range(4)])
        self.norms = nn.ModuleList([nn.BatchNorm2d(w) for _ in range(5)])
        self.acts = nn.ModuleList([nn.PReLU() for _ in range(5)])
        self.dropout = nn.Dropout(0.5)
        self.out = nn.Linear(w * (STEPS // 32), 1)

    def forward(self, x):
        h, features = x, None
        for i in range(5):
            h = self.acts[i](self.norms[i](self.layers[i](h)))
            if i == 0:
                features = h
            if i < 4:
                h = self.dropout(h)
        return self.out(h.flatten(1)).squeeze(1), features


def init_weights(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


HEADER = np.dtype([("magic", "S8"), ("version", "<u4"), ("resolution", "<u4"), ("song_count", "<u8"),
                   ("index_offset", "<u8"), ("strings_offset", "<u8"), ("strings_size", "<u8"),
                   ("file_size", "<u8"), ("index_entry_size", "<u4"), ("families", "<u4")])
ENTRY = np.dtype([("roll_offset", "<u8"), ("steps", "<u8"), ("tempo", "<f8"), ("strings_pos", "<u8"),
                  ("split", "u1"), ("reserved", "u1", 7)])


def store_windows(path):
    """uint8 [N, 5, 64, 72] windows of the train split, store order (LPD-5 family order)."""
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    h = mm[:64].view(HEADER)[0]
    if h["magic"] != b"QNTSTORE" or h["version"] != 1:
        sys.exit(f"{path}: not a Quintet store (version 1)")
    if h["resolution"] != 4:
        sys.exit(f"{path}: the reference reads 4-steps-per-beat stores only (got {h['resolution']})")
    n, off = int(h["song_count"]), int(h["index_offset"])
    parts = []
    for e in mm[off:off + n * ENTRY.itemsize].view(ENTRY):
        steps = int(e["steps"])
        if e["split"] != 0 or steps < STEPS:
            continue
        count = steps // STEPS
        start = int(e["roll_offset"])
        rolls = mm[start:start + 5 * steps * 128].reshape(5, steps, 128)
        w = rolls[:, :count * STEPS, LOW:LOW + PITCHES].reshape(CHANNELS, count, STEPS, PITCHES)
        parts.append(np.ascontiguousarray(w.transpose(1, 0, 2, 3)))
    return np.concatenate(parts)


def diversity(on):
    """Mean pairwise Jaccard distance and distinct share of binary samples [n, cells] (bool)."""
    x = on.flatten(1).float()
    both = x @ x.T
    count = x.sum(1)
    either = count[:, None] + count[None, :] - both
    dist = torch.where(either > 0, 1 - both / either.clamp(min=1), torch.zeros_like(either))
    n = x.shape[0]
    iu = torch.triu_indices(n, n, 1)
    distinct = len({bytes(np.packbits(r.numpy())) for r in on.flatten(1)})
    return dist[iu[0], iu[1]].mean().item(), distinct / n


def train(args):
    torch.set_num_threads(args.threads)
    c0 = time.process_time()
    rolls = torch.from_numpy(store_windows(args.store))
    torch.manual_seed(1)
    G, D = Generator(), Discriminator()
    G.apply(init_weights)
    D.apply(init_weights)
    g_opt = torch.optim.Adam(G.parameters(), lr=3e-4, betas=(0.0, 0.99))
    d_opt = torch.optim.Adam(D.parameters(), lr=6e-4, betas=(0.0, 0.99))
    fixed = torch.randn(64, NOISE, generator=torch.Generator().manual_seed(2))
    n, batch = rolls.shape[0], min(args.batch, rolls.shape[0])
    batches = n // batch
    epochs = []
    run = tempfile.mkdtemp()
    for epoch in range(args.epochs):
        t1 = time.perf_counter()
        G.train()
        D.train()
        order = torch.randperm(n)
        for b in range(batches):
            real = rolls.index_select(0, order[b * batch:(b + 1) * batch]).gt(0).float()
            # D step: label smoothing, BCE on logits, the fake detached
            fake = G(torch.randn(batch, NOISE))
            # D judges real and fake as one batch (Quintet's default --d-batch joint)
            logit, feat = D(torch.cat([real, fake.detach()]))
            r_logit, f_logit, r_feat = logit[:batch], logit[batch:], feat[:batch]
            d_loss = (F.binary_cross_entropy_with_logits(r_logit, torch.rand(batch) * 0.1 + 0.9) +
                      F.binary_cross_entropy_with_logits(f_logit, torch.rand(batch) * 0.1)) / 2
            acc_real, acc_fake = (r_logit > 0).float().mean().item(), (f_logit < 0).float().mean().item()
            d_opt.zero_grad()
            d_loss.backward()
            d_opt.step()
            d_loss = d_loss.item()
            # G step on the same fake batch: BCE against "real" + feature matching
            logit, feat = D(torch.cat([real, fake]))
            g_logit, g_feat = logit[batch:], feat[batch:]
            adv = F.binary_cross_entropy_with_logits(g_logit, torch.ones_like(g_logit))
            fm = F.mse_loss(fake.mean(0), real.mean(0)) + F.mse_loss(g_feat.mean(0), r_feat.detach().mean(0))
            adv_v, fm_v = adv.item(), fm.item()
            g_opt.zero_grad()
            (adv + fm).backward()
            g_opt.step()
        torch.save({"generator": G.state_dict(), "discriminator": D.state_dict()}, os.path.join(run, "model.pt"))
        t_train = time.perf_counter() - t1
        with torch.no_grad():
            G.eval()
            p = G(fixed)
            G.train()
            jac, distinct = diversity(p >= 0.7)
        torch.save({"generator": G.state_dict(), "discriminator": D.state_dict(), "g_opt": g_opt.state_dict(),
                    "d_opt": d_opt.state_dict()}, os.path.join(run, "last.pt"))
        epochs.append({"train_pass_s": t_train, "samples_per_s": batches * batch / t_train,
                       "epoch_s": time.perf_counter() - t1, "d_loss": d_loss, "g_loss": adv_v, "feature_matching": fm_v,
                       "acc_real": acc_real, "acc_fake": acc_fake, "jaccard": jac, "distinct": distinct})
    # total_s counts from the interpreter's first line (imports included), as the C++ side's process wall time
    print(json.dumps({"side": "python", "threads": torch.get_num_threads(), "train_windows": n, "samples_per_epoch": batches * batch,
                      "epochs": epochs, "total_s": time.perf_counter() - T_PROCESS, "cpu_s": time.process_time() - c0}))


def data_diversity(args):
    """The diversity measure of curve.csv on real windows: 64 train windows drawn at random (3 draws, seed 1),
    each window's own sounding cells; the level a G that has not collapsed should approach."""
    rolls = torch.from_numpy(store_windows(args.store)).gt(0)
    torch.manual_seed(1)
    draws = [diversity(rolls[torch.randperm(rolls.shape[0])[:64]]) for _ in range(3)]
    print(json.dumps({"windows": rolls.shape[0], "jaccard": [round(d[0], 4) for d in draws],
                      "distinct": [round(d[1], 4) for d in draws]}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("diversity")
    d.add_argument("--store", required=True)
    t = sub.add_parser("train")
    t.add_argument("--store", required=True)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--epochs", type=int, default=2)
    t.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    data_diversity(args) if args.cmd == "diversity" else train(args)


if __name__ == "__main__":
    main()
