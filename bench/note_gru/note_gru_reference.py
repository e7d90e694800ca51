#!/usr/bin/env python3
"""PyTorch reference of the note GRU (SEED-SPEC section 2), for bench/note_gru/note_gru_vs_python.sh.

The same network as src/systems/note_gru/model.cpp: Embedding(V, E) -> single-layer GRUs stacked by hand
(batch_first) -> Linear over the concatenated states of every layer (the original's readout) or the top
layer's. The same training step as src/systems/note_gru/trainer.cpp: per epoch the learning rate
lr * decay**epoch, windows in a random order, mini-batches, mean cross-entropy over the 63 predictions of each
64-token window, the global gradient norm clipped, Adam. Generation at batch 1 as the original notebook did it:
one token per call with the hidden state carried, softmax at a temperature, torch.multinomial.

  note_gru_reference.py train --windows W.bin --vocabulary V --threads T [--batch 32 --epochs 1 ...] -> JSON
  note_gru_reference.py generate --vocabulary V --threads T --steps N [...]                          -> JSON
W.bin holds the training windows as little-endian int64, row-major [n, window], written by
`bench_note_gru windows` from the same corpus store, so both sides train on the same data.
"""
import argparse
import json
import time

import numpy as np
import torch
from torch import nn


class NoteGru(nn.Module):
    def __init__(self, vocabulary, embedding=96, hidden=96, layers=2, all_layers=True):
        super().__init__()
        self.all_layers = all_layers
        self.embedding = nn.Embedding(vocabulary, embedding)
        self.grus = nn.ModuleList(
            [nn.GRU(embedding if l == 0 else hidden, hidden, batch_first=True) for l in range(layers)])
        self.decoder = nn.Linear(hidden * layers if all_layers else hidden, vocabulary)

    def forward(self, ids, state=None):
        x = self.embedding(ids)
        outputs, states = [], []
        for l, gru in enumerate(self.grus):
            y, h = gru(x, None if state is None else state[l:l + 1])
            outputs.append(y)
            states.append(h)
            x = y
        readout = torch.cat(outputs, -1) if self.all_layers and len(outputs) > 1 else x
        return self.decoder(readout), torch.cat(states, 0)


def add_shape(parser):
    parser.add_argument("--vocabulary", type=int, required=True)
    parser.add_argument("--embedding", type=int, default=96)
    parser.add_argument("--hidden", type=int, default=96)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--readout", choices=["all-layers", "top"], default="all-layers")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)


def make_net(a):
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    return NoteGru(a.vocabulary, a.embedding, a.hidden, a.layers, a.readout == "all-layers")


def train(a):
    net = make_net(a)
    windows = torch.from_numpy(np.fromfile(a.windows, dtype="<i8").reshape(-1, a.window))
    n = windows.shape[0]
    optimizer = torch.optim.Adam(net.parameters(), lr=a.lr)
    rates = []
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        net.train()
        for group in optimizer.param_groups:
            group["lr"] = a.lr * a.lr_decay ** epoch
        order = torch.randperm(n)
        total = 0.0
        for first in range(0, n, a.batch):
            batch = windows[order[first:first + a.batch]]
            logits, _ = net(batch[:, :-1])
            loss = nn.functional.cross_entropy(logits.reshape(-1, a.vocabulary), batch[:, 1:].reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), a.clip)
            optimizer.step()
            total += loss.item() * batch.shape[0]
        rates.append(n / (time.perf_counter() - t0))
    print(json.dumps({"side": "python", "windows": n, "batch": a.batch, "threads": a.threads,
                      "train_windows_per_s": max(rates) if a.best else rates[-1], "train_nll": total / n}))


def generate(a):
    net = make_net(a)
    net.eval()
    generator = torch.Generator().manual_seed(a.seed)
    with torch.inference_mode():
        t0 = time.perf_counter()
        token = torch.tensor([[1]])
        state = None
        drawn = []
        for _ in range(a.steps):
            logits, state = net(token, state)
            logits = logits[0, -1]
            logits[0] = -float("inf")  # never <unk>
            probabilities = torch.softmax(logits / a.temperature, -1)
            drawn.append(torch.multinomial(probabilities, 1, generator=generator).item())
            token = torch.tensor([[drawn[-1]]])
        seconds = time.perf_counter() - t0
    print(json.dumps({"side": "python", "steps": a.steps, "threads": a.threads,
                      "generate_steps_per_s": a.steps / seconds}))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    add_shape(t)
    t.add_argument("--windows", required=True)
    t.add_argument("--window", type=int, default=64)
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--lr", type=float, default=0.002)
    t.add_argument("--lr-decay", type=float, default=0.99)
    t.add_argument("--clip", type=float, default=1.0)
    t.add_argument("--best", action="store_true", help="report the fastest epoch instead of the last")
    g = sub.add_parser("generate")
    add_shape(g)
    g.add_argument("--steps", type=int, default=2000)
    g.add_argument("--temperature", type=float, default=1.2)
    a = parser.parse_args()
    train(a) if a.command == "train" else generate(a)


if __name__ == "__main__":
    main()
