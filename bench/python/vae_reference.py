#!/usr/bin/env python3
"""Python/PyTorch reference of the VAE-NN (same networks as src/models/), for bench/vae_compare.sh.

Reads the same training store (corpus/store_format.hpp, version 1) with numpy, cuts the same 32-step
windows (the store is already at 2 steps per beat), and trains the five VAEs for one epoch exactly as
`quintet train vae` does (one Adam over the five, batch of windows, -ELBO with one sample), then saves
the weights. `generate` runs the same generation loop as src/generate/vae_nn_generator.cpp.
Prints one line of JSON with the timings.
"""
import argparse
import json
import struct
import sys
import time

T0 = time.perf_counter()
import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

T_IMPORT = time.perf_counter() - T0
ORDER = [1, 2, 3, 4, 0]  # VAE-NN order (Piano, Guitar, Bass, Strings, Drums) -> LPD family index


class ConvVAE(nn.Module):
    def __init__(self, K):
        super().__init__()
        self.K = K
        self.enc1 = nn.Conv2d(1, 64, 4, 4)
        self.enc2 = nn.Conv2d(64, 128, 4, 4)
        self.enc3 = nn.Conv2d(128, 256, (2, 8), (2, 8))
        self.enc_out = nn.Linear(256, K + 1)
        self.dec_in = nn.Linear(K, 256)
        self.dec1 = nn.ConvTranspose2d(256, 128, (2, 8), (2, 8))
        self.dec2 = nn.ConvTranspose2d(128, 64, 4, 4)
        self.dec3 = nn.ConvTranspose2d(64, 1, 4, 4)
        self.log_sig_x = nn.Parameter(torch.zeros(()))

    def encode(self, x):
        h = x.reshape(-1, 1, 32, 128)
        h = F.relu(self.enc1(h))
        h = F.relu(self.enc2(h))
        h = F.relu(self.enc3(h))
        return self.enc_out(h.flatten(1))

    def decode(self, z):
        h = F.relu(self.dec_in(z.reshape(-1, self.K))).view(-1, 256, 1, 1)
        h = F.relu(self.dec1(h))
        h = F.relu(self.dec2(h))
        return self.dec3(h).view(-1, 32, 128)

    def loss(self, x):
        phi = self.encode(x)
        mu, log_sig = phi[:, :self.K], phi[:, self.K:]
        sig = torch.exp(log_sig)
        z = mu + sig * torch.randn_like(mu)
        out = self.decode(z).flatten(1)
        target = x.reshape(-1, 32 * 128)
        nll = ((target - out) ** 2 / (2 * torch.exp(2 * self.log_sig_x)) + self.log_sig_x).sum(-1)
        log_q = (-0.5 * ((z - mu) / sig) ** 2 - log_sig).sum(-1)
        log_p = (-0.5 * z ** 2).sum(-1)
        return (nll + log_q - log_p).mean()


class MelodyNN(nn.Module):
    def __init__(self, K):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(K, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 128), nn.ReLU(),
                                 nn.Linear(128, K))

    def forward(self, z):
        return self.net(z)


class ConditionalNN(nn.Module):
    def __init__(self, K):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2 * K, 128), nn.ReLU(), nn.Linear(128, K))

    def forward(self, w, z):
        return self.net(torch.cat([w, z], -1))


def read_store_windows(path, split, max_windows):
    """Windows [N, 5, 32, 128] uint8 of one split, in store order, as src/train/window_data.cpp."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    magic, version, resolution, count, index_off = struct.unpack_from("<8sIIQQ", data, 0)
    if magic != b"QNTSTORE" or version != 1 or resolution != 2:
        sys.exit(f"{path}: not a version-1 store at 2 steps per beat")
    parts, total = [], 0
    for i in range(count):
        roll_off, steps, _tempo, _spos, sp = struct.unpack_from("<QQdQB", data, index_off + 40 * i)
        if sp != split:
            continue
        n = steps // 32
        if n == 0:
            continue
        if max_windows and total + n > max_windows:
            if total:
                continue
            n = max_windows
        song = np.asarray(data[roll_off:roll_off + 5 * steps * 128]).reshape(5, steps, 128)
        w = song[ORDER, :n * 32].reshape(5, n, 32, 128).transpose(1, 0, 2, 3)
        parts.append(w)
        total += n
    return np.ascontiguousarray(np.concatenate(parts))


def train(args):
    t_start = time.perf_counter()
    windows = torch.from_numpy(read_store_windows(args.corpus, 0, args.max_windows))
    t_data = time.perf_counter() - t_start
    torch.manual_seed(args.seed)
    vaes = nn.ModuleList([ConvVAE(args.latent) for _ in range(5)])
    opt = torch.optim.Adam(vaes.parameters(), lr=1e-3, weight_decay=1e-6)
    n = windows.shape[0]
    t_loop = time.perf_counter()
    for _epoch in range(args.epochs):
        order = torch.randperm(n)
        for first in range(0, n, args.batch):
            x = windows[order[first:first + args.batch]].float().div_(127.0)
            loss = sum(vaes[i].loss(x[:, i]) for i in range(5))
            opt.zero_grad()
            loss.backward()
            opt.step()
    loop = time.perf_counter() - t_loop
    torch.save(vaes.state_dict(), args.out)
    total = time.perf_counter() - T0
    print(json.dumps({"windows": n, "epochs": args.epochs, "import_s": T_IMPORT, "data_s": t_data, "loop_s": loop,
                      "total_s": total, "loop_windows_per_s": n * args.epochs / loop,
                      "end_to_end_windows_per_s": n * args.epochs / total, "threads": torch.get_num_threads()}))


def generate(args):
    torch.manual_seed(args.seed)
    K = args.latent
    vaes = [ConvVAE(K).eval() for _ in range(5)]
    melody = MelodyNN(K).eval()
    cond = [ConditionalNN(K).eval() for _ in range(4)]
    t_loop = time.perf_counter()
    with torch.no_grad():
        song = torch.zeros(5, 32 * args.blocks, 128)
        current = (torch.rand(5, 32, 128) > 0.95).float() * 0.8
        song[:, :32] = current
        for b in range(1, args.blocks):
            lat = [vaes[i].encode(current[i].unsqueeze(0))[:, :K] for i in range(5)]
            piano = melody(lat[0]) + torch.randn(1, K) * args.noise_sd
            nxt = [piano] + [cond[i - 1](lat[i], piano) + torch.randn(1, K) * args.noise_sd for i in range(1, 5)]
            creation = torch.cat([vaes[i].decode(nxt[i]) for i in range(5)])
            creation[creation < args.threshold] = 0
            creation[creation > 0] = 0.8
            creation[3] *= 0.75
            song[:, 32 * b:32 * (b + 1)] = creation
            current = creation
    loop = time.perf_counter() - t_loop
    velocities = (song * 127).to(torch.uint8).numpy()
    np.save(args.out, velocities)
    print(json.dumps({"blocks": args.blocks, "import_s": T_IMPORT, "loop_s": loop,
                      "total_s": time.perf_counter() - T0, "threads": torch.get_num_threads()}))


def sgemm(args):
    n = args.size
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = 1e9
    for _ in range(args.repeat):
        t = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t)
    print(json.dumps({"n": n, "best_s": best, "gflops": 2 * n ** 3 / best / 1e9, "threads": torch.get_num_threads()}))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["train", "generate", "sgemm"])
    p.add_argument("--corpus")
    p.add_argument("--out", default="/tmp/vae_reference.out")
    p.add_argument("--latent", type=int, default=16)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--max-windows", type=int, default=0)
    p.add_argument("--blocks", type=int, default=64)
    p.add_argument("--noise-sd", type=float, default=0.7)
    p.add_argument("--threshold", type=float, default=0.3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--size", type=int, default=1024)
    p.add_argument("--repeat", type=int, default=10)
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    {"train": train, "generate": generate, "sgemm": sgemm}[args.mode](args)


if __name__ == "__main__":
    main()
