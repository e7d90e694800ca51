#!/usr/bin/env python3
"""PyTorch reference of the VAE-NN (SEED-SPEC sections 6-9), for bench/vae_nn/vae_vs_python.sh: the best plain
PyTorch can do with the SAME model as `quintet train vae` / `quintet generate`.

  vae_epoch_reference.py train --store S --threads T [--variant conv|gemm --batch 100 --latent 16
                               --likelihood bernoulli|gaussian]                  -> one JSON line
  vae_epoch_reference.py generate --run RUN --dump DIR --threads T [--variant conv|gemm]  -> one JSON line

train: one epoch of `quintet train vae` (src/systems/vae_nn/trainer.cpp): the windows of the train and valid
splits read from the same corpus store (numpy.memmap, layout of src/corpus/store_format.hpp), one training
epoch of the five VAEs with one Adam (lr 1e-3, weight decay 1e-6), the validation pass (batch x 4), model.pt
and last.pt saved. The loss is the run's: Bernoulli likelihood (BCE on the logits) by default, plus the
Monte-Carlo KL of one posterior sample.

generate: the generation loop (SEED-SPEC 9, defaults of `quintet generate`) on the weights of the C++ run's
model.pt, with its model.json's likelihood (the sigmoid on decode for Bernoulli), latent nets (direct or
residual) and per-instrument calibrated thresholds; binarised notes (0.8, strings x 0.75) fed back; noise on
the predicted latents. The seed blocks and the noise (already times --noise-sd) come from DIR, written by
`bench_vae_nn generate --dump DIR` from the draws the C++ generator made; DIR also holds the C++ song's note
velocities, and this script exits with status 3 when its notes differ in any cell ("same_notes" in the JSON).
DIR may hold several songs: they are generated as one batch.

Variants (both give the same notes; the faster one is "best PyTorch"):
  conv  each instrument's nn.Conv2d / nn.ConvTranspose2d / nn.Linear modules, one instrument after the other
  gemm  every conv has stride = kernel, so each layer is one matrix product on a reshaped tensor: the five
        instruments' weights are re-laid out once (counted in the load time) and each layer of all five VAEs
        is ONE torch.baddbmm over [5, rows, in] x [5, in, out] (the C++ trainer's GEMM form, batched)
Run it with tcmalloc preloaded (LD_PRELOAD=.../libtcmalloc_minimal.so.4), as the C++ binaries link it; the
JSON says whether it was ("tcmalloc"). Times are wall seconds from time.perf_counter().
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
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
T_IMPORTED = time.perf_counter()

WINDOW = 32
PITCHES = 128
INSTRUMENTS = 5
FAMILY_OF = [1, 2, 3, 4, 0]  # VAE-NN order (Piano, Guitar, Bass, Strings, Drums) -> LPD-5 family
NAMES = ["piano", "guitar", "bass", "strings", "drums"]
STRINGS = 3
NOTE = 0.8            # binarised notes: velocity trunc(0.8 * 127) = 101
STRINGS_FACTOR = 0.75  # strings quietened: 76
GEMM_MIN_BATCH = 8     # src/systems/vae_nn/conv_vae.cpp: smaller batches keep the conv kernels


def tcmalloc_loaded():
    with open("/proc/self/maps") as f:
        return "tcmalloc" in f.read()


class ConvVAE(nn.Module):
    """Encoder Conv(1->64,k4s4) Conv(64->128,k4s4) Conv(128->256,k(2,8)s(2,8)) Linear(256->K+1);
    decoder Linear(K->256) and three transposed convs; learned scalar log sigma_x (SEED-SPEC 6).
    gemm=True computes batches of >= 8 windows as src/systems/vae_nn/conv_vae.cpp does (one addmm per layer,
    channels-last activations, the small weights re-laid out per call); same parameters."""

    def __init__(self, k, bernoulli=True, gemm=False):
        super().__init__()
        self.k, self.bernoulli, self.gemm = k, bernoulli, gemm
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
        b = x.numel() // (WINDOW * PITCHES)
        if self.gemm and b >= GEMM_MIN_BATCH:
            h = x.reshape(b, 8, 4, 32, 4).permute(0, 1, 3, 2, 4).reshape(b * 256, 16)
            h = torch.relu(torch.addmm(self.enc1.bias, h, self.enc1.weight.reshape(64, 16).t()))
            h = h.reshape(b, 2, 4, 8, 4, 64).permute(0, 1, 3, 2, 4, 5).reshape(b * 16, 1024)
            h = torch.relu(torch.addmm(self.enc2.bias, h, self.enc2.weight.permute(0, 2, 3, 1).reshape(128, 1024).t()))
            h = torch.relu(torch.addmm(self.enc3.bias, h.reshape(b, 2048),
                                       self.enc3.weight.permute(0, 2, 3, 1).reshape(256, 2048).t()))
            return self.enc_out(h)
        h = x.reshape(-1, 1, WINDOW, PITCHES)
        h = torch.relu(self.enc1(h))
        h = torch.relu(self.enc2(h))
        h = torch.relu(self.enc3(h))
        return self.enc_out(h.flatten(1))

    def decode(self, z):
        b = z.numel() // self.k
        if self.gemm and b >= GEMM_MIN_BATCH:
            h = torch.relu(self.dec_in(z.reshape(b, self.k)))
            h = torch.relu(torch.addmm(self.dec1.bias.repeat(16), h, self.dec1.weight.permute(0, 2, 3, 1).reshape(256, 2048)))
            h = torch.relu(torch.addmm(self.dec2.bias.repeat(16), h.reshape(b * 16, 128),
                                       self.dec2.weight.permute(0, 2, 3, 1).reshape(128, 1024)))
            h = torch.addmm(self.dec3.bias, h.reshape(b * 256, 64), self.dec3.weight.reshape(64, 16))
            return h.reshape(b, 2, 8, 4, 4, 4, 4).permute(0, 1, 3, 5, 2, 4, 6).reshape(b, WINDOW, PITCHES)
        h = torch.relu(self.dec_in(z.reshape(-1, self.k))).view(-1, 256, 1, 1)
        h = torch.relu(self.dec1(h))
        h = torch.relu(self.dec2(h))
        return self.dec3(h).view(-1, WINDOW, PITCHES)

    def loss(self, x):
        """-ELBO per window (batch mean), as ConvVaeImpl::loss: the likelihood's NLL + Monte-Carlo KL."""
        phi = self.encode(x)
        mu, log_sig = phi[:, :self.k], phi[:, self.k:]
        sig = torch.exp(log_sig)
        z = mu + sig * torch.randn_like(mu)
        out = self.decode(z).flatten(1)
        target = x.reshape(-1, WINDOW * PITCHES)
        if self.bernoulli:
            nll = F.binary_cross_entropy_with_logits(out, target, reduction="none").sum(-1)
        else:
            nll = ((target - out).pow(2) / (2 * torch.exp(2 * self.log_sig_x)) + self.log_sig_x).sum(-1)
        log_q = (-0.5 * ((z - mu) / sig).pow(2) - log_sig).sum(-1)
        log_p = (-0.5 * z.pow(2)).sum(-1)
        return nll.mean() + (log_q - log_p).mean()


class MelodyNet(nn.Module):  # SEED-SPEC 7
    def __init__(self, k, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(k, hidden), nn.ReLU(), nn.Dropout(0.2), nn.Linear(hidden, hidden),
                                 nn.ReLU(), nn.Linear(hidden, k))


class ConditionalNet(nn.Module):  # SEED-SPEC 8
    def __init__(self, k, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2 * k, hidden), nn.ReLU(), nn.Linear(hidden, k))


class VaeNn(nn.Module):
    def __init__(self, k, bernoulli=True, gemm=False):
        super().__init__()
        self.k = k
        self.vaes = nn.ModuleList([ConvVAE(k, bernoulli, gemm) for _ in range(INSTRUMENTS)])
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
    src/represent store_windows() at a 2-steps-per-beat store: non-overlapping from step 0."""
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
    """One pass over the windows, as vae_pass() in src/systems/vae_nn/trainer.cpp."""
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
    bernoulli = args.likelihood == "bernoulli"
    gemm = args.variant == "gemm"
    model = VaeNn(args.latent, bernoulli, gemm)
    best = VaeNn(args.latent, bernoulli, gemm)
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
    print(json.dumps({"side": "python", "variant": args.variant, "likelihood": args.likelihood,
                      "threads": torch.get_num_threads(), "tcmalloc": tcmalloc_loaded(), "train_windows": n,
                      "valid_windows": valid_rolls.shape[0], "data_s": t_data, "train_pass_s": t_train,
                      "epoch_total_s": t_total, "train_pass_samples_per_s": n / t_train,
                      "end_to_end_samples_per_s": n / t_total, "epoch_cpu_s": c_total,
                      "end_to_end_samples_per_cpu_s": n / c_total, "train_loss": train_loss, "valid_loss": valid_loss,
                      "import_s": T_IMPORTED - T_PROCESS}))


# ---- generation ----

def read_model_json(run):
    """model.json is flat JSON (src/util/flat_json.hpp)."""
    with open(os.path.join(run, "model.json")) as f:
        info = json.load(f)
    if info.get("model") != "vae-nn":
        sys.exit(f"{run}: not a VAE-NN run")
    keys = [f"threshold_{n}" for n in NAMES]
    info["thresholds"] = [float(info[k]) for k in keys] if all(k in info for k in keys) else [0.3] * INSTRUMENTS
    return info


def load_quintet_state(path):
    """The tensors of a Quintet run's model.pt (a LibTorch archive that torch.jit.load reads), renamed to
    VaeNn's names: model.vae_<name>.* -> vaes.i.*, model.net_piano.* -> melody.*,
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
    return state


class ConvGenerator:
    """The per-instrument modules, as a port of the C++ module path would run them."""

    def __init__(self, state, k, bernoulli, residual):
        self.model = VaeNn(k, bernoulli)
        self.model.load_state_dict(state)  # strict: every tensor present, every shape equal
        self.model.eval()
        self.k, self.bernoulli, self.residual = k, bernoulli, residual

    def encode_means(self, blocks):  # [5, N, 32, 128] -> [5, N, K]
        return torch.stack([self.model.vaes[i].encode(blocks[i])[:, :self.k] for i in range(INSTRUMENTS)])

    def predict_next(self, z, noise):  # [5, N, K], noise [5, N, K]
        m = self.model
        piano = m.melody.net(z[0]) + (z[0] if self.residual else 0) + noise[0]
        nxt = [piano]
        for i in range(1, INSTRUMENTS):
            out = m.conditional[i - 1].net(torch.cat([z[i], piano], -1))
            nxt.append(out + (z[i] if self.residual else 0) + noise[i])
        return torch.stack(nxt)

    def reconstruct(self, z):  # [5, N, K] -> [5, N, 32, 128]
        out = torch.stack([self.model.vaes[i].decode(z[i]) for i in range(INSTRUMENTS)])
        return torch.sigmoid(out) if self.bernoulli else out


class GemmGenerator:
    """All five VAEs at once: each layer one baddbmm over the instruments, on weights laid out once."""

    def __init__(self, state, k, bernoulli, residual):
        self.k, self.bernoulli, self.residual = k, bernoulli, residual

        def stack(fn):
            return torch.stack([fn(lambda name: state[f"vaes.{i}.{name}"]) for i in range(INSTRUMENTS)]).contiguous()

        self.w1 = stack(lambda p: p("enc1.weight").reshape(64, 16).t())                          # [5, 16, 64]
        self.b1 = stack(lambda p: p("enc1.bias").reshape(1, 64))
        self.w2 = stack(lambda p: p("enc2.weight").permute(0, 2, 3, 1).reshape(128, 1024).t())  # [5, 1024, 128]
        self.b2 = stack(lambda p: p("enc2.bias").reshape(1, 128))
        self.w3 = stack(lambda p: p("enc3.weight").permute(0, 2, 3, 1).reshape(256, 2048).t())  # [5, 2048, 256]
        self.b3 = stack(lambda p: p("enc3.bias").reshape(1, 256))
        self.wout = stack(lambda p: p("enc_out.weight")[:k].t())                                 # [5, 256, K]
        self.bout = stack(lambda p: p("enc_out.bias")[:k].reshape(1, k))
        self.wdin = stack(lambda p: p("dec_in.weight").t())                                      # [5, K, 256]
        self.bdin = stack(lambda p: p("dec_in.bias").reshape(1, 256))
        self.wd1 = stack(lambda p: p("dec1.weight").permute(0, 2, 3, 1).reshape(256, 2048))      # [5, 256, 2048]
        self.bd1 = stack(lambda p: p("dec1.bias").repeat(16).reshape(1, 2048))
        self.wd2 = stack(lambda p: p("dec2.weight").permute(0, 2, 3, 1).reshape(128, 1024))      # [5, 128, 1024]
        self.bd2 = stack(lambda p: p("dec2.bias").repeat(16).reshape(1, 1024))
        self.wd3 = stack(lambda p: p("dec3.weight").reshape(64, 16))                             # [5, 64, 16]
        self.bd3 = stack(lambda p: p("dec3.bias").reshape(1, 1))
        # Latent nets: the melody net alone, the four conditional nets batched like the VAEs.
        self.melody = [(state[f"melody.net.{j}.weight"].t().contiguous(), state[f"melody.net.{j}.bias"]) for j in (0, 3, 5)]
        cond = lambda j, what: torch.stack([state[f"conditional.{i}.net.{j}.{what}"] for i in range(4)])
        self.cw1, self.cb1 = cond(0, "weight").transpose(1, 2).contiguous(), cond(0, "bias").unsqueeze(1)
        self.cw2, self.cb2 = cond(2, "weight").transpose(1, 2).contiguous(), cond(2, "bias").unsqueeze(1)

    def encode_means(self, blocks):  # [5, N, 32, 128] -> [5, N, K]
        n = blocks.shape[1]
        h = blocks.reshape(5, n, 8, 4, 32, 4).permute(0, 1, 2, 4, 3, 5).reshape(5, n * 256, 16)
        h = torch.relu(torch.baddbmm(self.b1, h, self.w1))
        h = h.reshape(5, n, 2, 4, 8, 4, 64).permute(0, 1, 2, 4, 3, 5, 6).reshape(5, n * 16, 1024)
        h = torch.relu(torch.baddbmm(self.b2, h, self.w2))
        h = torch.relu(torch.baddbmm(self.b3, h.reshape(5, n, 2048), self.w3))
        return torch.baddbmm(self.bout, h, self.wout)

    def predict_next(self, z, noise):
        (a, ab), (b, bb), (c, cb) = self.melody
        piano = torch.addmm(cb, torch.relu(torch.addmm(bb, torch.relu(torch.addmm(ab, z[0], a)), b)), c)
        if self.residual:
            piano = piano + z[0]
        piano = piano + noise[0]
        joint = torch.cat([z[1:], piano.unsqueeze(0).expand(4, -1, -1)], -1)
        rest = torch.baddbmm(self.cb2, torch.relu(torch.baddbmm(self.cb1, joint, self.cw1)), self.cw2)
        if self.residual:
            rest = rest + z[1:]
        return torch.cat([piano.unsqueeze(0), rest + noise[1:]])

    def reconstruct(self, z):  # [5, N, K] -> [5, N, 32, 128]
        n = z.shape[1]
        h = torch.relu(torch.baddbmm(self.bdin, z, self.wdin))
        h = torch.relu(torch.baddbmm(self.bd1, h, self.wd1)).reshape(5, n * 16, 128)
        h = torch.relu(torch.baddbmm(self.bd2, h, self.wd2)).reshape(5, n * 256, 64)
        h = torch.baddbmm(self.bd3, h, self.wd3)
        out = h.reshape(5, n, 2, 8, 4, 4, 4, 4).permute(0, 1, 2, 4, 6, 3, 5, 7).reshape(5, n, WINDOW, PITCHES)
        return torch.sigmoid(out) if self.bernoulli else out


def generate(args):
    with open(os.path.join(args.dump, "meta.json")) as f:
        meta = json.load(f)
    songs, blocks, k = meta["songs"], meta["blocks"], meta["latent"]
    seeds = torch.from_numpy(np.fromfile(os.path.join(args.dump, "seed.f32"), np.float32).reshape(
        songs, INSTRUMENTS, WINDOW, PITCHES)).transpose(0, 1).contiguous()          # [5, N, 32, 128], as fed
    noise = torch.from_numpy(np.fromfile(os.path.join(args.dump, "noise.f32"), np.float32).reshape(
        songs, max(blocks - 1, 0), INSTRUMENTS, k)).permute(1, 2, 0, 3).contiguous()  # [blocks - 1, 5, N, K]
    expected = np.fromfile(os.path.join(args.dump, "notes.u8"), np.uint8).reshape(
        songs, INSTRUMENTS, blocks * WINDOW, PITCHES)
    torch.set_grad_enabled(False)
    with torch.inference_mode():
        t0 = time.perf_counter()
        info = read_model_json(args.run)
        if info["latent"] != k:
            sys.exit(f"{args.dump}: K {k}, but {args.run} has K {info['latent']}")
        state = load_quintet_state(os.path.join(args.run, "model.pt"))
        cls = GemmGenerator if args.variant == "gemm" else ConvGenerator
        gen = cls(state, k, info["likelihood"] == "bernoulli", info["latent_nets"] == "residual")
        threshold = torch.tensor(info["thresholds"], dtype=torch.float32).view(INSTRUMENTS, 1, 1, 1)
        note = torch.full((INSTRUMENTS, 1, 1, 1), NOTE)
        note[STRINGS] *= STRINGS_FACTOR
        t_load = time.perf_counter() - t0

        t1 = time.perf_counter()
        song = torch.empty(INSTRUMENTS, songs, blocks * WINDOW, PITCHES)
        song[:, :, :WINDOW] = (seeds > 0) * note  # the seed block opens the song, binarised (SEED-SPEC 9.4)
        current = seeds  # fed back as given; later blocks as shaped
        for b in range(1, blocks):
            nxt = gen.predict_next(gen.encode_means(current), noise[b - 1])
            decoded = gen.reconstruct(nxt)
            # below the threshold: silence; notes at 0.8 (strings 0.6): shape_block with --binarize
            current = ((decoded >= threshold) & (decoded > 0)) * note
            song[:, :, b * WINDOW:(b + 1) * WINDOW] = current
        velocities = (song.clamp(0, 1) * 127).to(torch.uint8)  # trunc, as rolls_to_multitrack
        t_loop = time.perf_counter() - t1
    mine = velocities.transpose(0, 1).numpy()
    differ = int((mine != expected).sum())
    first_block = None
    if differ:
        cells = np.nonzero((mine != expected).any(axis=(0, 1, 3)))[0]
        first_block = int(cells[0] // WINDOW)
    print(json.dumps({"side": "python", "variant": args.variant, "threads": torch.get_num_threads(),
                      "tcmalloc": tcmalloc_loaded(), "songs": songs, "blocks": blocks, "load_s": t_load,
                      "generate_s": t_loop, "load_and_generate_s": t_load + t_loop,
                      "notes_cells": int((velocities > 0).sum()), "expected_cells": int((expected > 0).sum()),
                      "same_notes": differ == 0, "differing_cells": differ, "first_differing_block": first_block,
                      "thresholds": info["thresholds"], "import_s": T_IMPORTED - T_PROCESS,
                      "process_s": time.perf_counter() - T_PROCESS}))
    if differ:
        sys.exit(3)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--store", required=True)
    t.add_argument("--batch", type=int, default=100)
    t.add_argument("--latent", type=int, default=16)
    t.add_argument("--likelihood", choices=["bernoulli", "gaussian"], default="bernoulli")
    g = sub.add_parser("generate")
    g.add_argument("--run", required=True)
    g.add_argument("--dump", required=True, help="seed blocks, noise and the C++ notes (bench_vae_nn generate --dump)")
    for s in (t, g):
        s.add_argument("--threads", type=int, required=True)
        s.add_argument("--variant", choices=["conv", "gemm"], default="gemm")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    train(args) if args.cmd == "train" else generate(args)


if __name__ == "__main__":
    main()
