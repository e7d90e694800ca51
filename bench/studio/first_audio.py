#!/usr/bin/env python3
"""Client-side times of studio generation requests, as a page sees them: from the POST of /api/generate to
the job done (polled every 20 ms), to the WAV's first 64 KiB of samples after its header (0.37 s of audio:
what an audio element needs to start), and to the whole WAV; with the server's own seconds of the job.
    first_audio.py URL RUN BLOCKS ROUNDS"""
import http.client
import json
import sys
import time
import urllib.parse

url, run, blocks, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
u = urllib.parse.urlparse(url)


def request(method, path, body=None):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
    return c, c.getresponse()


for seed in range(1, rounds + 1):
    t0 = time.monotonic()
    _, r = request("POST", "/api/generate", json.dumps({"run": run, "knobs": {"--blocks": blocks, "--seed": str(seed)}}))
    job = json.loads(r.read())["job"]
    while True:
        _, r = request("GET", "/api/jobs/" + job)
        status = json.loads(r.read())
        if status["state"] in ("done", "failed", "cancelled"):
            break
        time.sleep(0.02)
    t_done = time.monotonic() - t0
    if status["state"] != "done":
        print(f"blocks {blocks} seed {seed}: {status['state']}: {status.get('error')}")
        continue
    song = status["result"]["song"]
    c, r = request("GET", f"/api/songs/{song}/song.wav")
    size = int(r.getheader("Content-Length"))
    got = b""
    while len(got) < 44 + 65536:
        piece = r.read1(65536)
        if not piece:
            break
        got += piece
    t_first = time.monotonic() - t0
    while True:
        piece = r.read1(1 << 20)
        if not piece:
            break
        got += piece
    t_whole = time.monotonic() - t0
    seconds = {k: round(v, 3) for k, v in status["result"]["seconds"].items()}
    print(f"blocks {blocks} seed {seed}: job done {t_done:.3f} s, first audio {t_first:.3f} s, whole WAV {t_whole:.2f} s "
          f"({len(got)} of {size} bytes, {(size - 44) / 4 / 44100:.1f} s of audio); server: {seconds}")
