#!/usr/bin/env python3
"""PyTorch reference of the MelodyCNN + HarmonyCNNs (SEED-SPEC sections 4-5), for bench/cnn/cnn_vs_python.sh.

The same networks as src/systems/cnn/cnn_nets.hpp written the plain PyTorch way (nn.Conv2d, nn.BatchNorm2d,
nn.Dropout, nn.ConvTranspose2d, nn.Linear), the same data (the Quintet corpus store read with numpy.memmap,
layout of src/corpus/store_format.hpp), the same batch, optimiser, threads and work per epoch as
`quintet train cnn` stopped after its first epoch: the train and valid windows and their consecutive pairs,
one training epoch of the five nets with one Adam, one validation pass (batch x 4), both checkpoints saved.

  cnn_reference.py train --store S --threads T [--batch 100] [--encoders shared]   -> one JSON line
  cnn_reference.py generate --run RUN --threads T --blocks 64                       -> one JSON line
generate loads the Quintet run's model.pt (torch.jit.load reads LibTorch archives) and runs the article's
loop: piano block from the MelodyCNN, then each HarmonyCNN given the new piano block; thresholds from the
run's model.json; the seed block drawn at the run's note densities (as `quintet generate --seed-random`).
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
T_IMPORTED = time.perf_counter()

WINDOW, PITCHES, INSTRUMENTS = 32, 128, 5
FAMILY_OF = [1, 2, 3, 4, 0]  # Piano, Guitar, Bass, Strings, Drums -> LPD-5 family
NAMES = ["piano", "guitar", "bass", "strings", "drums"]


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(1, 64, 4, stride=4), nn.BatchNorm2d(64)
        self.conv2, self.bn2 = nn.Conv2d(64, 128, 4, stride=4), nn.BatchNorm2d(128)
        self.conv3, self.bn3 = nn.Conv2d(128, 256, (2, 8), stride=(2, 8)), nn.BatchNorm2d(256)
        self.drop = nn.Dropout(0.4)

    def forward(self, x):
        h = x.unsqueeze(1)
        h = self.drop(torch.relu(self.bn1(self.conv1(h))))
        h = self.drop(torch.relu(self.bn2(self.conv2(h))))
        return torch.relu(self.bn3(self.conv3(h))).flatten(1)


class Bottleneck(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.enc_lin1, self.enc_lin2, self.dec_lin = nn.Linear(n_in, 256), nn.Linear(256, 64), nn.Linear(64, 256)

    def forward(self, f):
        return torch.relu(self.dec_lin(self.enc_lin2(torch.relu(self.enc_lin1(f)))))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.deconv1, self.bn1 = nn.ConvTranspose2d(256, 128, (2, 8), stride=(2, 8)), nn.BatchNorm2d(128)
        self.deconv2, self.bn2 = nn.ConvTranspose2d(128, 64, 4, stride=4), nn.BatchNorm2d(64)
        self.deconv3 = nn.ConvTranspose2d(64, 1, 4, stride=4)

    def forward(self, h):
        h = h.view(-1, 256, 1, 1)
        h = torch.relu(self.bn1(self.deconv1(h)))
        h = torch.relu(self.bn2(self.deconv2(h)))
        return self.deconv3(h).view(-1, WINDOW, PITCHES)


class MelodyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder, self.bottleneck, self.decoder = Encoder(), Bottleneck(256), Decoder()

    def forward(self, piano):
        return self.decoder(self.bottleneck(self.encoder(piano)))


class HarmonyCNN(nn.Module):
    def __init__(self, shared):
        super().__init__()
        self.shared = shared
        if shared:
            self.encoder = Encoder()
        else:
            self.own_encoder, self.piano_encoder = Encoder(), Encoder()
        self.bottleneck, self.decoder = Bottleneck(512), Decoder()

    def forward(self, own, piano):
        a, b = (self.encoder, self.encoder) if self.shared else (self.own_encoder, self.piano_encoder)
        return self.decoder(self.bottleneck(torch.cat([a(own), b(piano)], 1)))


class Band(nn.Module):
    def __init__(self, shared, relu_output=False):
        super().__init__()
        self.relu_output = relu_output
        self.melody = MelodyCNN()
        self.harmony = nn.ModuleList([HarmonyCNN(shared) for _ in range(INSTRUMENTS - 1)])

    def loss(self, raw, target):  # per window: summed over the cells, mean over the batch
        if self.relu_output:
            return (torch.relu(raw) - target).pow(2).sum() / raw.shape[0]
        return nn.functional.binary_cross_entropy_with_logits(raw, target, reduction="sum") / raw.shape[0]

    def pair_losses(self, now, nxt):
        piano_next = nxt[:, 0]
        losses = [self.loss(self.melody(now[:, 0]), piano_next)]
        losses += [self.loss(self.harmony[i - 1](now[:, i], piano_next), nxt[:, i]) for i in range(1, INSTRUMENTS)]
        return torch.stack(losses)


# ---- the corpus store (src/corpus/store_format.hpp: 64-byte header, 40-byte index entries) ----
HEADER = np.dtype([("magic", "S8"), ("version", "<u4"), ("resolution", "<u4"), ("song_count", "<u8"),
                   ("index_offset", "<u8"), ("strings_offset", "<u8"), ("strings_size", "<u8"),
                   ("file_size", "<u8"), ("index_entry_size", "<u4"), ("families", "<u4")])
ENTRY = np.dtype([("roll_offset", "<u8"), ("steps", "<u8"), ("tempo", "<f8"), ("strings_pos", "<u8"),
                  ("split", "u1"), ("reserved", "u1", 7)])


def store_windows(path, split):
    """uint8 windows [N, 5, 32, 128] of one split (0 train, 1 valid) and the pairs (t, t+1) of one song."""
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    h = mm[:64].view(HEADER)[0]
    if h["magic"] != b"QNTSTORE" or h["version"] != 1 or h["resolution"] != 2:
        sys.exit(f"{path}: not a version-1 Quintet store at 2 steps per beat")
    n, off = int(h["song_count"]), int(h["index_offset"])
    parts, pairs, total = [], [], 0
    for e in mm[off:off + n * ENTRY.itemsize].view(ENTRY):
        steps = int(e["steps"])
        count = steps // WINDOW
        if e["split"] != split or count == 0:
            continue
        start = int(e["roll_offset"])
        rolls = mm[start:start + 5 * steps * PITCHES].reshape(5, steps, PITCHES)
        w = rolls[FAMILY_OF, :count * WINDOW].reshape(INSTRUMENTS, count, WINDOW, PITCHES)
        parts.append(np.ascontiguousarray(w.transpose(1, 0, 2, 3)))
        pairs += [(total + t, total + t + 1) for t in range(count - 1)]
        total += count
    windows = np.concatenate(parts) if parts else np.zeros((0, INSTRUMENTS, WINDOW, PITCHES), np.uint8)
    return torch.from_numpy(windows), torch.tensor(pairs, dtype=torch.long).reshape(-1, 2)


def run_pass(band, rolls, pairs, batch, optimizer):
    n = pairs.shape[0]
    order = torch.randperm(n) if optimizer else torch.arange(n)
    sums = torch.zeros(INSTRUMENTS, dtype=torch.float64)
    for first in range(0, n, batch):
        idx = pairs[order[first:first + batch]]
        if optimizer and idx.shape[0] < 2:
            break  # as the C++ trainer: BatchNorm cannot train on one pair
        now = rolls.index_select(0, idx[:, 0]).to(torch.float).div_(127.0)
        nxt = rolls.index_select(0, idx[:, 1]).to(torch.float).div_(127.0)
        losses = band.pair_losses(now, nxt)
        if optimizer:
            optimizer.zero_grad()
            losses.sum().backward()
            optimizer.step()
        sums += losses.detach().double() * idx.shape[0]
        losses.sum().item()  # the C++ trainer reads the loss for its progress line every step
    return (sums / max(n, 1)).sum().item()


def train(args):
    t0, c0 = time.perf_counter(), time.process_time()
    train_rolls, train_pairs = store_windows(args.store, 0)
    valid_rolls, valid_pairs = store_windows(args.store, 1)
    t_data = time.perf_counter() - t0
    torch.manual_seed(1)
    band = Band(args.encoders == "shared")
    best = Band(args.encoders == "shared")
    best.load_state_dict(band.state_dict())
    adam = torch.optim.Adam(band.parameters(), lr=1e-3)
    band.train()
    t1 = time.perf_counter()
    train_loss = run_pass(band, train_rolls, train_pairs, args.batch, adam)
    t_train = time.perf_counter() - t1
    with torch.no_grad():
        band.eval()
        valid_loss = run_pass(band, valid_rolls, valid_pairs, args.batch * 4, None)
    best.load_state_dict(band.state_dict())
    with tempfile.TemporaryDirectory() as run:
        torch.save(best.state_dict(), os.path.join(run, "model.pt"))
        torch.save({"model": band.state_dict(), "optimizer": adam.state_dict()}, os.path.join(run, "last.pt"))
    t_total, c_total = time.perf_counter() - t0, time.process_time() - c0
    n = train_pairs.shape[0]
    print(json.dumps({"side": "python", "threads": torch.get_num_threads(), "train_pairs": n,
                      "valid_pairs": valid_pairs.shape[0], "data_s": t_data, "train_pass_s": t_train,
                      "epoch_total_s": t_total, "train_pass_samples_per_s": n / t_train,
                      "end_to_end_samples_per_s": n / t_total, "epoch_cpu_s": c_total,
                      "end_to_end_samples_per_cpu_s": n / c_total, "train_loss": train_loss, "valid_loss": valid_loss}))


def load_quintet_band(run):
    """A Quintet run's model.pt (band.melody_piano.*, band.harmony_<name>.*) as this module's state."""
    info = json.load(open(os.path.join(run, "model.json")))
    archive = torch.jit.load(os.path.join(run, "model.pt"))
    tensors = dict(archive.named_parameters())
    tensors.update(dict(archive.named_buffers()))
    state = {}
    for key, value in tensors.items():
        if not key.startswith("band."):
            continue  # the header (kind_cnn, separate_encoders, relu_output)
        rest = key[len("band."):]
        if rest.startswith("melody_piano."):
            state["melody." + rest[len("melody_piano."):]] = value
        else:
            name, tail = rest[len("harmony_"):].split(".", 1)
            state[f"harmony.{NAMES.index(name) - 1}.{tail}"] = value
    band = Band(info["harmony_encoders"] == "shared", info["loss"] == "mse")
    band.load_state_dict(state)  # strict: every tensor present, every shape equal
    return band, info


def generate(args):
    torch.manual_seed(args.seed)
    t0 = time.perf_counter()
    band, info = load_quintet_band(args.run)
    band.eval()
    t_load = time.perf_counter() - t0
    act = torch.relu if band.relu_output else torch.sigmoid
    thresholds = [float(info.get(f"threshold_{n}", 0.3)) for n in NAMES]
    if args.threshold is not None:
        thresholds = [args.threshold] * INSTRUMENTS
    density = torch.tensor([float(info[f"density_{n}"]) for n in NAMES]).view(5, 1, 1).expand(5, WINDOW, PITCHES)
    c_loop = time.process_time()
    with torch.no_grad():
        current = torch.bernoulli(density) * 0.8
        song = torch.zeros(INSTRUMENTS, WINDOW * args.blocks, PITCHES)
        song[:, :WINDOW] = current
        for b in range(1, args.blocks):
            piano = act(band.melody(current[0:1]))
            piano = (piano >= thresholds[0]).float() * 0.8
            blocks = [piano]
            for i in range(1, INSTRUMENTS):
                out = act(band.harmony[i - 1](current[i:i + 1], piano))
                blocks.append((out >= thresholds[i]).float() * 0.8)
            current = torch.cat(blocks)
            song[:, b * WINDOW:(b + 1) * WINDOW] = current
        velocities = (song * 127).to(torch.uint8)
    c_loop = time.process_time() - c_loop
    t_total = time.perf_counter() - t0
    print(json.dumps({"side": "python", "threads": torch.get_num_threads(), "blocks": args.blocks,
                      "load_s": t_load, "generate_s": t_total - t_load, "generate_cpu_s": c_loop, "load_and_generate_s": t_total,
                      "note_cells": int((velocities > 0).sum()), "process_s": time.perf_counter() - T_PROCESS}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--store", required=True)
    t.add_argument("--batch", type=int, default=100)
    t.add_argument("--encoders", default="shared", choices=["shared", "separate"])
    g = sub.add_parser("generate")
    g.add_argument("--run", required=True)
    g.add_argument("--blocks", type=int, default=64)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--threshold", type=float, default=None, help="one threshold for all nets (default: the run's)")
    for s in (t, g):
        s.add_argument("--threads", type=int, required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    train(args) if args.cmd == "train" else generate(args)


if __name__ == "__main__":
    main()
