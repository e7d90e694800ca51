#!/usr/bin/env python3
"""PyTorch reference of the VAE-NN (SEED-SPEC sections 6-9), for bench/vae_nn/vae_vs_python.sh. It repeats
the whole epoch of `quintet train vae` and generates from a Quintet run's own weights.

The same networks as src/models (ConvVae, LatentMelodyNet, LatentConditionalNet), the same data (the
Quintet corpus store, read with numpy.memmap using the layout of src/corpus/store_format.hpp), the same
batch, optimiser and thread count, and the same work per epoch as `quintet train vae`
(src/train/vae_nn_trainer.cpp): windows of the train and valid splits, one training epoch of the five
VAEs with one Adam, one validation pass (batch x 4), the best model and the checkpoint saved.

  vae_epoch_reference.py train --store S --threads T [--batch 100 --latent 16]   -> one JSON line
  vae_epoch_reference.py generate --run RUN --threads T --blocks 64 [--latent 16] -> one JSON line
(generate loads the weights of the Quintet run's model.pt, so both sides decode the same notes).
Times are wall seconds from time.perf_counter(); "process_s" counts from the interpreter's start.
"""
import argparse
import copy
import json
import os
import sys
import tempfile
import time

T_PROCESS = time.perf_counter()  # as close to the interpreter's start as Python code can be
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
T_IMPORTED = time.perf_counter()

WINDOW = 32
PITCHES = 128
INSTRUMENTS = 5
FAMILY_OF = [1, 2, 3, 4, 0]  # VAE-NN order (Piano, Guitar, Bass, Strings, Drums) -> LPD-5 family
STRINGS = 3


class ConvVAE(nn.Module):
    """Encoder Conv(1->64,k4s4) Conv(64->128,k4s4) Conv(128->256,k(2,8)s(2,8)) Linear(256->K+1);
    decoder Linear(K->256) and three transposed convs; learned scalar log sigma_x (SEED-SPEC 6)."""

    def __init__(self, k):
        super().__init__()
        self.k = k
        self.enc1 = nn.Conv2d(1, 64, 4, stride=4)
        self.enc2 = nn.Conv2d(64, 128, 4, stride=4)
        self.enc3 = nn.Conv2d(128, 256, (2, 8), stride=(2, 8))
        self.enc_out = nn.Linear(256, k + 1)
        self.dec_in = nn.Linear(k, 256)
        self.dec1 = nn.ConvTranspose2d(256, 128, (2, 8), stride=(2, 8))
        self.dec2 = nn.ConvTranspose2d(128, 64, 4, stride=4)
        self.dec3 = nn.ConvTranspose2d(64, 1, 4, stride=4)
        self.log_sig_x = nn.Parameter(torch.zeros(()))

    def encode(self, x):
        h = x.reshape(-1, 1, WINDOW, PITCHES)
        h = torch.relu(self.enc1(h))
        h = torch.relu(self.enc2(h))
        h = torch.relu(self.enc3(h))
        return self.enc_out(h.flatten(1))

    def means(self, x):
        return self.encode(x)[:, :self.k]

    def decode(self, z):
        h = torch.relu(self.dec_in(z.reshape(-1, self.k))).view(-1, 256, 1, 1)
        h = torch.relu(self.dec1(h))
        h = torch.relu(self.dec2(h))
        return self.dec3(h).view(-1, WINDOW, PITCHES)

    def loss(self, x):
        """-ELBO per window (batch mean): Gaussian likelihood without the constant + Monte-Carlo KL."""
        phi = self.encode(x)
        mu, log_sig = phi[:, :self.k], phi[:, self.k:]
        sig = torch.exp(log_sig)
        z = mu + sig * torch.randn_like(mu)
        out = self.decode(z).flatten(1)
        target = x.reshape(-1, WINDOW * PITCHES)
        nll = ((target - out).pow(2) / (2 * torch.exp(2 * self.log_sig_x)) + self.log_sig_x).sum(-1)
        log_q = (-0.5 * ((z - mu) / sig).pow(2) - log_sig).sum(-1)
        log_p = (-0.5 * z.pow(2)).sum(-1)
        return nll.mean() + (log_q - log_p).mean()


class MelodyNet(nn.Module):  # SEED-SPEC 7
    def __init__(self, k, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(k, hidden), nn.ReLU(), nn.Dropout(0.2), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, k))

    def forward(self, z):
        return self.net(z)


class ConditionalNet(nn.Module):  # SEED-SPEC 8
    def __init__(self, k, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2 * k, hidden), nn.ReLU(), nn.Linear(hidden, k))

    def forward(self, w, z_next):
        return self.net(torch.cat([w, z_next], -1))


class VaeNn(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k
        self.vaes = nn.ModuleList([ConvVAE(k) for _ in range(INSTRUMENTS)])
        self.melody = MelodyNet(k)
        self.conditional = nn.ModuleList([ConditionalNet(k) for _ in range(INSTRUMENTS - 1)])


# ---- the corpus store (src/corpus/store_format.hpp: 64-byte header, 40-byte index entries) ----
HEADER = np.dtype([("magic", "S8"), ("version", "<u4"), ("resolution", "<u4"), ("song_count", "<u8"),
                   ("index_offset", "<u8"), ("strings_offset", "<u8"), ("strings_size", "<u8"),
                   ("file_size", "<u8"), ("index_entry_size", "<u4"), ("families", "<u4")])
ENTRY = np.dtype([("roll_offset", "<u8"), ("steps", "<u8"), ("tempo", "<f8"), ("strings_pos", "<u8"),
                  ("split", "u1"), ("reserved", "u1", 7)])
assert HEADER.itemsize == 64 and ENTRY.itemsize == 40


def store_windows(path, split):
    """uint8 [N, 5, 32, 128] windows of every song of one split (0 train, 1 valid), store order, as
    src/train/window_data.cpp store_windows() at a 2-steps-per-beat store: non-overlapping from step 0."""
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    h = mm[:64].view(HEADER)[0]
    if h["magic"] != b"QNTSTORE" or h["version"] != 1:
        sys.exit(f"{path}: not a Quintet store (version 1)")
    if h["resolution"] != 2:
        sys.exit(f"{path}: the reference reads 2-steps-per-beat stores only (got {h['resolution']})")
    n = int(h["song_count"])
    off = int(h["index_offset"])
    index = mm[off:off + n * ENTRY.itemsize].view(ENTRY)
    parts = []
    for e in index:
        if e["split"] != split:
            continue
        steps = int(e["steps"])
        count = steps // WINDOW
        if count == 0:
            continue
        start = int(e["roll_offset"])
        rolls = mm[start:start + 5 * steps * PITCHES].reshape(5, steps, PITCHES)
        w = rolls[FAMILY_OF, :count * WINDOW].reshape(INSTRUMENTS, count, WINDOW, PITCHES)
        parts.append(np.ascontiguousarray(w.transpose(1, 0, 2, 3)))
    if not parts:
        return np.zeros((0, INSTRUMENTS, WINDOW, PITCHES), np.uint8)
    return np.concatenate(parts)


def vae_pass(model, rolls, batch, optimizer):
    """One pass over the windows, as vae_pass() in src/train/vae_nn_trainer.cpp."""
    n = rolls.shape[0]
    order = torch.randperm(n) if optimizer else torch.arange(n)
    sums = torch.zeros(INSTRUMENTS, dtype=torch.float64)
    for first in range(0, n, batch):
        count = min(batch, n - first)
        x = rolls.index_select(0, order[first:first + count]).to(torch.float).div_(127.0)
        stacked = torch.stack([model.vaes[i].loss(x[:, i]) for i in range(INSTRUMENTS)])
        if optimizer:
            optimizer.zero_grad()
            stacked.sum().backward()
            optimizer.step()
        sums += stacked.detach().double() * count
        stacked.sum().item()  # the C++ trainer reads the loss for its progress line every step
    return (sums / max(n, 1)).sum().item()


def train(args):
    t0, c0 = time.perf_counter(), time.process_time()
    train_rolls = torch.from_numpy(store_windows(args.store, 0))
    valid_rolls = torch.from_numpy(store_windows(args.store, 1))
    t_data = time.perf_counter() - t0
    torch.manual_seed(1)
    model, best = VaeNn(args.latent), VaeNn(args.latent)
    best.load_state_dict(model.state_dict())
    vae_params = [p for v in model.vaes for p in v.parameters()]
    net_params = list(model.melody.parameters()) + [p for c in model.conditional for p in c.parameters()]
    vae_opt = torch.optim.Adam(vae_params, lr=1e-3, weight_decay=1e-6)
    net_opt = torch.optim.Adam(net_params, lr=1e-3, weight_decay=1e-6)
    model.train()
    t1 = time.perf_counter()
    train_loss = vae_pass(model, train_rolls, args.batch, vae_opt)
    t_train = time.perf_counter() - t1
    with torch.no_grad():
        model.eval()
        valid_loss = vae_pass(model, valid_rolls, args.batch * 4, None)
    best = copy.deepcopy(model)
    with tempfile.TemporaryDirectory() as run:
        torch.save(best.state_dict(), os.path.join(run, "model.pt"))
        torch.save({"model": model.state_dict(), "vae_opt": vae_opt.state_dict(), "net_opt": net_opt.state_dict()},
                   os.path.join(run, "last.pt"))
    t_total, c_total = time.perf_counter() - t0, time.process_time() - c0
    n = train_rolls.shape[0]
    print(json.dumps({"side": "python", "threads": torch.get_num_threads(), "train_windows": n,
                      "valid_windows": valid_rolls.shape[0], "data_s": t_data, "train_pass_s": t_train,
                      "epoch_total_s": t_total, "train_pass_samples_per_s": n / t_train,
                      "end_to_end_samples_per_s": n / t_total, "epoch_cpu_s": c_total,
                      "end_to_end_samples_per_cpu_s": n / c_total, "train_loss": train_loss, "valid_loss": valid_loss,
                      "import_s": T_IMPORTED - T_PROCESS}))


def shape_block(block, threshold):
    """SEED-SPEC 9.1 with binarize: below threshold -> 0, notes -> 0.8, strings x 0.75."""
    block = block.clone()
    block[block < threshold] = 0
    block[block > 0] = 0.8
    block[STRINGS] *= 0.75
    return block


NAMES = ["piano", "guitar", "bass", "strings", "drums"]


def load_quintet_model(path, k):
    """The weights of a Quintet run's model.pt (a LibTorch archive that torch.jit.load reads), renamed to
    this module's names: model.vae_<name>.* -> vaes.i.*, model.net_piano.* -> melody.*,
    model.net_<name>.* -> conditional.(i-1).*."""
    archive = dict(torch.jit.load(path).named_parameters())
    state = {}
    for i, name in enumerate(NAMES):
        for key, value in archive.items():
            if key.startswith(f"model.vae_{name}."):
                state[f"vaes.{i}." + key[len(f"model.vae_{name}."):]] = value
            elif key.startswith(f"model.net_{name}."):
                rest = key[len(f"model.net_{name}."):]
                state[("melody." if i == 0 else f"conditional.{i - 1}.") + rest] = value
    model = VaeNn(k)
    model.load_state_dict(state)  # strict: every tensor present, every shape equal
    return model


def generate(args):
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    model = load_quintet_model(os.path.join(args.run, "model.pt"), args.latent)
    t_load = time.perf_counter() - t0
    model.eval()
    k = args.latent
    with torch.no_grad():
        # Seed block: every VAE decodes a standard-normal latent (as `quintet generate --seed-random`).
        z = torch.randn(INSTRUMENTS, k)
        current = shape_block(torch.stack([model.vaes[i].decode(z[i:i + 1])[0] for i in range(INSTRUMENTS)]),
                              args.threshold)
        song = torch.zeros(INSTRUMENTS, WINDOW * args.blocks, PITCHES)
        song[:, :WINDOW] = current
        for b in range(1, args.blocks):  # SEED-SPEC 9.1-9.2, noise on the predicted latents
            lat = [model.vaes[i].means(current[i].unsqueeze(0)) for i in range(INSTRUMENTS)]
            piano = model.melody(lat[0]) + torch.randn(1, k) * args.noise_sd
            nxt = [piano] + [model.conditional[i - 1](lat[i], piano) + torch.randn(1, k) * args.noise_sd
                             for i in range(1, INSTRUMENTS)]
            current = shape_block(torch.stack([model.vaes[i].decode(nxt[i])[0] for i in range(INSTRUMENTS)]),
                                  args.threshold)
            song[:, b * WINDOW:(b + 1) * WINDOW] = current
        velocities = (song.clamp(0, 1) * 127).to(torch.uint8)
    t_total = time.perf_counter() - t0
    print(json.dumps({"side": "python", "threads": torch.get_num_threads(), "blocks": args.blocks,
                      "load_s": t_load, "generate_s": t_total - t_load, "load_and_generate_s": t_total,
                      "notes_cells": int((velocities > 0).sum()), "import_s": T_IMPORTED - T_PROCESS,
                      "process_s": time.perf_counter() - T_PROCESS}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--store", required=True)
    t.add_argument("--batch", type=int, default=100)
    g = sub.add_parser("generate")
    g.add_argument("--run", required=True)
    g.add_argument("--blocks", type=int, default=64)
    g.add_argument("--noise-sd", type=float, default=0.7)
    g.add_argument("--threshold", type=float, default=0.3)
    g.add_argument("--seed", type=int, default=1)
    for s in (t, g):
        s.add_argument("--threads", type=int, required=True)
        s.add_argument("--latent", type=int, default=16)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    train(args) if args.cmd == "train" else generate(args)


if __name__ == "__main__":
    main()
