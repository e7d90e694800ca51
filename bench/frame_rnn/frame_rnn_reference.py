#!/usr/bin/env python3
"""PyTorch reference of the frame RNN (src/systems/frame_rnn), for bench/frame_rnn/frame_rnn_vs_python.sh.

The same network (GRU over frames, Linear to the frame's logits, Bernoulli output with BCE summed over the cells),
the same data (the Quintet corpus store, read with numpy.memmap in the layout of src/corpus/store_format.hpp,
frames of piano, guitar, bass, strings, drums x 128 pitches), the same windows (32 predicted steps, the input one
step earlier, a zero frame before a song's first step, the last piece of a song shorter and masked), the same
batch, Adam, gradient clipping (1.0) and thread count as one epoch of `quintet train frame-rnn`.

  frame_rnn_reference.py train --store S --threads T [--hidden 256 --batch 32 --window 32]   -> one JSON line
  frame_rnn_reference.py generate --threads T [--hidden 256 --steps 2000]                    -> one JSON line
generate: batch 1 from a zero frame, each step the GRU with the cached hidden state, sigmoid, a Bernoulli draw
per cell, fed back; weights seeded at random (the work per step does not depend on their values).
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
from torch import nn

FAMILIES = [1, 2, 3, 4, 0]  # piano, guitar, bass, strings, drums (LPD-5 family indices)
PITCHES = 128
FRAME = len(FAMILIES) * PITCHES

HEADER = np.dtype([("magic", "S8"), ("version", "<u4"), ("resolution", "<u4"), ("song_count", "<u8"),
                   ("index_offset", "<u8"), ("strings_offset", "<u8"), ("strings_size", "<u8"),
                   ("file_size", "<u8"), ("index_entry_size", "<u4"), ("families", "<u4")])
ENTRY = np.dtype([("roll_offset", "<u8"), ("steps", "<u8"), ("tempo", "<f8"), ("strings_pos", "<u8"),
                  ("split", "u1"), ("reserved", "u1", 7)])


def store_frames(path, split):
    """uint8 [steps, 640] frames of every song of one split and the (start, length) of each song."""
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    h = mm[:64].view(HEADER)[0]
    if h["magic"] != b"QNTSTORE" or h["version"] != 1:
        sys.exit(f"{path}: not a Quintet store (version 1)")
    n, off = int(h["song_count"]), int(h["index_offset"])
    parts, songs, at = [], [], 0
    for e in mm[off:off + n * ENTRY.itemsize].view(ENTRY):
        steps = int(e["steps"])
        if e["split"] != split or steps == 0:
            continue
        start = int(e["roll_offset"])
        rolls = mm[start:start + 5 * steps * PITCHES].reshape(5, steps, PITCHES)
        parts.append((rolls[FAMILIES].transpose(1, 0, 2).reshape(steps, FRAME) != 0).astype(np.uint8))
        songs.append((at, steps))
        at += steps
    return np.concatenate(parts), songs


class FrameRnn(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.gru = nn.GRU(FRAME, hidden, batch_first=True)
        self.out = nn.Linear(hidden, FRAME)

    def forward(self, x, h=None):
        y, h = self.gru(x, h)
        return self.out(y), h


def windows(songs, window):
    """(first target step, length, at song start) of every training piece."""
    out = []
    for start, length in songs:
        for at in range(0, length, window):
            out.append((start + at, min(window, length - at), at == 0))
    return out


def make_batch(frames, pieces, which):
    steps = max(pieces[i][1] for i in which)
    x = np.zeros((len(which), steps, FRAME), np.uint8)
    y = np.zeros((len(which), steps, FRAME), np.uint8)
    mask = np.zeros((len(which), steps), np.float32)
    for b, i in enumerate(which):
        first, length, at_start = pieces[i]
        y[b, :length] = frames[first:first + length]
        if at_start:
            x[b, 1:length] = frames[first:first + length - 1]
        else:
            x[b, :length] = frames[first - 1:first + length - 1]
        mask[b, :length] = 1
    return torch.from_numpy(x).float(), torch.from_numpy(y).float(), torch.from_numpy(mask)


def train(args):
    torch.set_num_threads(args.threads)
    frames, songs = store_frames(args.store, 0)
    pieces = windows(songs, args.window)
    torch.manual_seed(1)
    model = FrameRnn(args.hidden)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    t0 = time.perf_counter()
    order = torch.randperm(len(pieces)).tolist()
    total, counted = 0.0, 0.0
    for first in range(0, len(pieces), args.batch):
        x, y, mask = make_batch(frames, pieces, order[first:first + args.batch])
        logits, _ = model(x)
        nll = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none").sum(-1)
        loss_sum, steps = (nll * mask).sum(), mask.sum()
        opt.zero_grad()
        (loss_sum / steps.clamp_min(1)).backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        total += loss_sum.item()
        counted += steps.item()
    seconds = time.perf_counter() - t0
    print(json.dumps({"side": "python", "train_samples_per_s": len(pieces) / seconds, "train_loss": total / counted,
                      "threads": torch.get_num_threads()}))


def generate(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = FrameRnn(args.hidden).eval()
    gen = torch.Generator().manual_seed(1)

    def run(steps):
        x, h, notes = torch.zeros(1, 1, FRAME), None, 0
        for _ in range(steps):
            logits, h = model(x, h)
            p = torch.sigmoid(logits[0, 0])
            frame = (torch.rand(FRAME, generator=gen) < p).float()
            notes += int(frame.sum().item())
            x = frame.view(1, 1, FRAME)
        return notes

    with torch.inference_mode():
        run(50)  # warm-up, as the C++ side
        t0 = time.perf_counter()
        notes = run(args.steps)
        seconds = time.perf_counter() - t0
    print(json.dumps({"side": "python", "generate_steps_per_s": args.steps / seconds, "steps": args.steps, "notes": notes,
                      "threads": torch.get_num_threads()}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "generate"])
    p.add_argument("--store")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--window", type=int, default=32)
    p.add_argument("--steps", type=int, default=2000)
    args = p.parse_args()
    train(args) if args.mode == "train" else generate(args)


if __name__ == "__main__":
    main()
