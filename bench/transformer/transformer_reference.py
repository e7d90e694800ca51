#!/usr/bin/env python3
"""PyTorch reference of the Transformer-XL (src/systems/transformer/model.cpp), for transformer_vs_python.sh.

The same network: token embedding, post-norm layers of relative multi-head attention
(score(i, j) = (q_i + u).k_j + (q_i + v).W_r R(i - j), R the sin/cos of the distance, u and v shared by all layers,
causal mask over memory + segment, softmax, output projection, residual, LayerNorm) and a GeLU feed-forward,
the output tied to the embedding plus a bias; segment memory of each layer's input (detached). Parameter names
follow the C++ module, so `check` loads the weights transformer_bench exports and compares the logits. The input
is the token embedding plus MusicAutobot's beat and bar embeddings of each token's step.

  transformer_reference.py check --export DIR                 -> one JSON line (max |logit difference|)
  transformer_reference.py train --threads T [--steps 8 --batch 4 --bptt 128]
  transformer_reference.py generate --threads T --export DIR --context N --tokens G --mode MODE
MODE, fastest last (all batch 1, greedy, each new token seeing the last N tokens):
  recompute  the whole window again for every token
  memory     the paper's memory: each layer's hidden states kept, their keys/values projected again every token
  cache      a key/value cache (torch.cat per token), the batched attention code
  cache-mv   a preallocated key/value cache, single-row matrix-vector products and the distance projection
             kept: the arithmetic of the C++ step (TransformerXlImpl::step)
Tokens are fixed ((7 i + 3) mod vocab, token i at step i // 4), as in transformer_bench.
"""
import argparse
import json
import math
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


BEAT_LEN, MAX_BARS = 32, 1024  # MusicAutobot's BeatPositionEncoder


def distance_encoding(n, d, dtype=torch.float32):
    pos = torch.arange(n, dtype=dtype).unsqueeze(1)
    freq = torch.pow(10000.0, -torch.arange(0, d, 2, dtype=dtype) / d)
    angles = pos * freq.unsqueeze(0)
    return torch.cat([torch.sin(angles), torch.cos(angles)], 1)


class RelativeAttention(nn.Module):
    def __init__(self, d_model, heads, d_head, dropout):
        super().__init__()
        self.heads, self.d_head = heads, d_head
        hd = heads * d_head
        self.qkv = nn.Linear(d_model, 3 * hd, bias=False)
        self.out = nn.Linear(hd, d_model, bias=False)
        self.r_proj = nn.Linear(d_model, hd, bias=False)
        self.norm = nn.LayerNorm(d_model)
        self.drop_attn = nn.Dropout(dropout)
        self.drop_res = nn.Dropout(dropout)
        self.table = None  # kept W_r R(d), reversed per head, for cache-mv

    def project_kv(self, h):
        B, M, _ = h.shape
        hd = self.heads * self.d_head
        kv = F.linear(h, self.qkv.weight[hd:]).view(B, M, 2, self.heads, self.d_head).permute(2, 0, 3, 1, 4)
        return kv[0], kv[1]

    def forward(self, x, u, v, past_k=None, past_v=None):
        B, T, D = x.shape
        H, dh = self.heads, self.d_head
        proj = self.qkv(x).view(B, T, 3, H, dh).permute(2, 0, 3, 1, 4)
        q, k_new, v_new = proj[0], proj[1], proj[2]
        M = 0 if past_k is None else past_k.size(2)
        k = k_new if M == 0 else torch.cat([past_k, k_new], 2)
        val = v_new if M == 0 else torch.cat([past_v, v_new], 2)
        K = M + T
        wr = self.r_proj(distance_encoding(K, D, x.dtype)).view(K, H, dh).permute(1, 2, 0)
        content = torch.matmul(q + u.view(1, H, 1, dh), k.transpose(-1, -2))
        by_distance = torch.matmul(q + v.view(1, H, 1, dh), wr.unsqueeze(0))
        dist = (torch.arange(T).unsqueeze(1) + M) - torch.arange(K).unsqueeze(0)
        position = by_distance.gather(-1, dist.clamp(0, K - 1).expand(B, H, T, K))
        score = (content + position) * (1.0 / math.sqrt(dh))
        score = score.masked_fill((dist < 0).view(1, 1, T, K), float("-inf"))
        attn = self.drop_attn(torch.softmax(score, -1))
        vec = torch.matmul(attn, val).permute(0, 2, 1, 3).reshape(B, T, H * dh)
        return self.norm(x + self.drop_res(self.out(vec))), k_new, v_new

    def step_one(self, x, kv, start, at, uv):
        """x [D]; kv [2, H, capacity, dh], past at [start, at); this token's key/value go to position at."""
        H, dh, D = self.heads, self.d_head, x.size(0)
        K = at + 1 - start
        proj = torch.mv(self.qkv.weight, x).view(3, H, dh)
        kv[:, :, at] = proj[1:3]
        keys, values = kv[0, :, start:at + 1], kv[1, :, start:at + 1]
        if self.table is None or self.table.size(1) < K:
            rows = 64
            while rows < K:
                rows *= 2
            self.table = self.r_proj(distance_encoding(rows, D, x.dtype)).flip(0).view(rows, H, dh).permute(1, 0, 2).contiguous()
        by_distance = self.table[:, self.table.size(1) - K:]
        quv = (proj[0].unsqueeze(0) + uv).unsqueeze(3)
        scale = 1.0 / math.sqrt(dh)
        score = torch.baddbmm(torch.bmm(keys, quv[0]), by_distance, quv[1], beta=scale, alpha=scale)
        vec = torch.bmm(torch.softmax(score, 1).transpose(1, 2), values).view(H * dh)
        return F.layer_norm(torch.mv(self.out.weight, vec).add_(x), (D,), self.norm.weight, self.norm.bias, self.norm.eps)


class XlLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.attn = RelativeAttention(c["d_model"], c["heads"], c["d_head"], c["dropout"])
        self.ff1 = nn.Linear(c["d_model"], c["d_inner"])
        self.ff2 = nn.Linear(c["d_inner"], c["d_model"])
        self.ff_norm = nn.LayerNorm(c["d_model"])
        self.drop_ff = nn.Dropout(c["dropout"])

    def forward(self, x, u, v, past_k=None, past_v=None):
        a, k_new, v_new = self.attn(x, u, v, past_k, past_v)
        return self.ff_norm(a + self.drop_ff(self.ff2(self.drop_ff(F.gelu(self.ff1(a)))))), k_new, v_new

    def step_one(self, x, kv, start, at, uv):
        a = self.attn.step_one(x, kv, start, at, uv)
        h = torch.addmv(self.ff2.bias, self.ff2.weight, F.gelu(torch.addmv(self.ff1.bias, self.ff1.weight, a)))
        return F.layer_norm(h.add_(a), (a.size(0),), self.ff_norm.weight, self.ff_norm.bias, self.ff_norm.eps)


class TransformerXl(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed = nn.Embedding(c["vocab"], c["d_model"])
        self.beat_embed = nn.Embedding(BEAT_LEN, c["d_model"])
        self.bar_embed = nn.Embedding(MAX_BARS, c["d_model"])
        self.u = nn.Parameter(torch.zeros(c["heads"], c["d_head"]))
        self.v = nn.Parameter(torch.zeros(c["heads"], c["d_head"]))
        self.out_bias = nn.Parameter(torch.zeros(c["vocab"]))
        self.layers = nn.ModuleList([XlLayer(c) for _ in range(c["layers"])])
        self.drop_emb = nn.Dropout(c["dropout"])
        with torch.no_grad():
            for name, p in self.named_parameters():
                if "norm" in name:
                    continue
                if name.endswith("bias"):
                    p.zero_()
                else:
                    p.normal_(0.0, 0.02)

    def embed_input(self, tokens, pos):
        return self.embed(tokens) + self.beat_embed(pos % BEAT_LEN) + self.bar_embed((pos // BEAT_LEN).clamp(0, MAX_BARS - 1))

    def embed_one(self, token, pos):
        return self.embed.weight[token] + self.beat_embed.weight[pos % BEAT_LEN] + self.bar_embed.weight[min(pos // BEAT_LEN, MAX_BARS - 1)]

    def forward(self, tokens, pos, memory=None):
        """Returns logits and the next memory (each layer's input at the last mem_len positions, detached)."""
        x = self.drop_emb(self.embed_input(tokens, pos))
        inputs = []
        for l, layer in enumerate(self.layers):
            inputs.append(x)
            past = layer.attn.project_kv(memory[l]) if memory is not None and memory[l].size(1) > 0 else (None, None)
            x, _, _ = layer(x, self.u, self.v, *past)
        m = self.c["mem_len"]
        nxt = [(h if memory is None else torch.cat([memory[l], h], 1))[:, -m:].detach() for l, h in enumerate(inputs)]
        return F.linear(x, self.embed.weight, self.out_bias), nxt

    def step_cat(self, tokens, pos, cache):
        """Key/value cache, batched code: cache is a list of (k, v) per layer, the last mem_len positions kept."""
        x = self.embed_input(tokens, pos)
        m = self.c["mem_len"]
        for l, layer in enumerate(self.layers):
            pk, pv = cache[l] if cache[l] is not None else (None, None)
            x, k, v = layer(x, self.u, self.v, pk, pv)
            k = k if pk is None else torch.cat([pk, k], 2)
            v = v if pv is None else torch.cat([pv, v], 2)
            cache[l] = (k[:, :, -m:], v[:, :, -m:])
        return F.linear(x, self.embed.weight, self.out_bias)


def load_export(directory):
    with open(f"{directory}/weights.txt") as f:
        lines = f.read().split("\n")
    vocab, layers, d_model, heads, d_head, d_inner, mem_len = map(int, lines[0].split()[1:])
    c = dict(vocab=vocab, layers=layers, d_model=d_model, heads=heads, d_head=d_head, d_inner=d_inner, mem_len=mem_len,
             dropout=0.1)
    model = TransformerXl(c)
    params = dict(model.named_parameters())
    raw = np.fromfile(f"{directory}/weights.bin", dtype=np.float32)
    at = 0
    with torch.no_grad():
        for line in lines[1:]:
            if not line:
                continue
            name, *shape = line.split()
            shape = [int(s) for s in shape]
            n = int(np.prod(shape))
            params[name].copy_(torch.from_numpy(raw[at:at + n].copy()).view(shape))
            at += n
    if at != raw.size or len(params) != len([l for l in lines[1:] if l]):
        sys.exit(f"{directory}: the export does not match the reference's parameters")
    return model


def fixed_tokens(n, vocab):
    return [(7 * i + 3) % vocab for i in range(n)]


def fixed_positions(a, b):
    return torch.tensor([[i // 4 for i in range(a, b)]])


def check(args):
    model = load_export(args.export).eval()
    n = model.c["mem_len"]
    with torch.no_grad():
        logits, _ = model(torch.tensor([fixed_tokens(n, model.c["vocab"])]), fixed_positions(0, n))
    want = torch.from_numpy(np.fromfile(f"{args.export}/logits.bin", dtype=np.float32)).view(n, -1)
    diff = (logits[0] - want).abs().max().item()
    print(json.dumps(dict(side="python", mode="check", context=n, max_abs_logit_diff=diff,
                          logit_scale=want.abs().max().item())))
    return 0 if diff < 1e-3 else 1


def generate(args):
    torch.set_num_threads(args.threads)
    model = load_export(args.export).eval()
    model.c["mem_len"] = N = args.context
    L, H, dh = model.c["layers"], model.c["heads"], model.c["d_head"]
    ids = fixed_tokens(N, model.c["vocab"])
    with torch.no_grad():
        if args.mode == "recompute":
            last = model(torch.tensor([ids]), fixed_positions(0, N))[0][0, -1]

            def one():
                n = len(ids)
                return model(torch.tensor([ids[-N - 1:]]), fixed_positions(n - N - 1, n))[0][0, -1]
        elif args.mode == "memory":
            # The paper's memory: each layer's input at the last N positions; keys and values projected again.
            x = model.embed_input(torch.tensor([ids]), fixed_positions(0, N))
            hidden = []
            for layer in model.layers:
                hidden.append(x)
                x, _, _ = layer(x, model.u, model.v)
            last = F.linear(x, model.embed.weight, model.out_bias)[0, -1]

            def one():
                x = model.embed_input(torch.tensor([[ids[-1]]]), fixed_positions(len(ids) - 1, len(ids)))
                for l, layer in enumerate(model.layers):
                    pk, pv = layer.attn.project_kv(hidden[l])
                    hidden[l] = torch.cat([hidden[l], x], 1)[:, -N:]
                    x, _, _ = layer(x, model.u, model.v, pk, pv)
                return F.linear(x, model.embed.weight, model.out_bias)[0, -1]
        elif args.mode == "cache":
            cache = [None] * L
            last = model.step_cat(torch.tensor([ids]), fixed_positions(0, N), cache)[0, -1]

            def one():
                return model.step_cat(torch.tensor([[ids[-1]]]), fixed_positions(len(ids) - 1, len(ids)), cache)[0, -1]
        elif args.mode == "cache-mv":
            # All but the context's last token as one segment, copied into fixed buffers [2, H, 2 N, dh] per layer;
            # then every token (the context's last one first) through the single-token path.
            cache = [None] * L
            model.step_cat(torch.tensor([ids[:-1]]), fixed_positions(0, N - 1), cache)
            capacity = 2 * N
            buffers = []
            for k, v in cache:
                b = torch.empty(2, H, capacity, dh)
                b[0, :, :N - 1], b[1, :, :N - 1] = k[0], v[0]
                buffers.append(b)
            state = dict(start=0, end=N - 1)
            uv = torch.stack([model.u, model.v])

            def one():
                if state["end"] + 1 > capacity:  # move the live window to the front of fresh buffers
                    live = state["end"] - state["start"]
                    for l, b in enumerate(buffers):
                        f = torch.empty_like(b)
                        f[:, :, :live] = b[:, :, state["start"]:state["end"]]
                        buffers[l] = f
                    state["start"], state["end"] = 0, live
                x = model.embed_one(ids[-1], (len(ids) - 1) // 4)
                for l, layer in enumerate(model.layers):
                    x = layer.step_one(x, buffers[l], state["start"], state["end"], uv)
                state["end"] += 1
                state["start"] = max(state["start"], state["end"] - N)
                return torch.addmv(model.out_bias, model.embed.weight, x)

            last = one()
        else:
            sys.exit(f"unknown mode {args.mode}")
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(args.tokens):
            ids.append(int(last.argmax()))
            last = one()
        s, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps(dict(side="python", mode=args.mode, context=N, tokens=args.tokens, threads=torch.get_num_threads(),
                          tokens_per_s=args.tokens / s, tokens_per_cpu_s=args.tokens / cpu, first_drawn=ids[N:N + 8])))
    return 0


def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    c = dict(vocab=312, layers=4, d_model=256, heads=4, d_head=64, d_inner=1024, mem_len=256, dropout=0.1)
    model = TransformerXl(c).train()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.95, 0.99), weight_decay=0.01)
    B, bptt, steps = args.batch, args.bptt, args.steps
    n = B * ((steps + 1) * bptt + 1)
    streams = torch.tensor(fixed_tokens(n, c["vocab"])).view(B, -1)
    positions = fixed_positions(0, n).view(B, -1)
    memory = None
    for s in range(steps + 1):
        if s == 1:
            t0, c0 = time.perf_counter(), time.process_time()  # the first step (allocations, first touch) is not timed
        x, y = streams[:, s * bptt:(s + 1) * bptt], streams[:, s * bptt + 1:(s + 1) * bptt + 1]
        logits, memory = model(x, positions[:, s * bptt:(s + 1) * bptt], memory)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        loss.item()
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps(dict(side="python", mode="train", batch=B, bptt=bptt, steps=steps, threads=torch.get_num_threads(),
                          tokens_per_s=steps * B * bptt / s, tokens_per_cpu_s=steps * B * bptt / cpu)))
    return 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["check", "train", "generate"])
    p.add_argument("--export")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--context", type=int, default=256)
    p.add_argument("--tokens", type=int, default=32)
    p.add_argument("--mode", default="cache-mv")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--bptt", type=int, default=128)
    args = p.parse_args()
    return {"check": check, "train": train, "generate": generate}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
