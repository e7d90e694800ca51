// VAE-NN speed through the library's real paths, for bench/vae_nn/vae_vs_python.sh (one JSON line per call):
//   bench_vae_nn train --corpus STORE --run DIR   one epoch of `quintet train vae` (train_vae_nn, K=16,
//                                                 batch 100, Adam), stopped after stage 1 epoch 1
//   bench_vae_nn generate --run DIR [--blocks 64 --seed S --songs N --seed-source corpus|random --dump DIR]
//                                                 VaeNnGenerator: load model.pt, generate N songs
//   bench_vae_nn sgemm [--size 2048] [--threads N] torch::mm GFLOP/s (best of several)
//   bench_vae_nn kernels --run DIR [--reps 50]    VaeNnInference: microseconds per VAE encode / decode, and the
//                                                 model load (mapped reader alone, whole load, via torch's loader)
// Threads: train and generate call configure_torch_threads() as the CLI does ($QUINTET_THREADS).
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include <sys/resource.h>

#include "corpus/store.hpp"
#include "nn/archive_tensors.hpp"
#include "systems/vae_nn/fast_load.hpp"
#include "systems/vae_nn/generator.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "nn/rolls_to_song.hpp"
#include "nn/runtime.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "nn/batches.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double cpu_seconds() {  // user + system time of this process, all threads
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 2; i + 1 < argc; ++i)
        if (argv[i] == name) return argv[i + 1];
    return fallback;
}

// Multiply-accumulates of one ConvVae forward pass per window (bias and activations left out). Every
// conv has stride = kernel, so each is exactly one GEMM: out_positions x out_ch x (in_ch x kh x kw).
double conv_vae_forward_macs(int k) {
    double m = 0;
    m += 8.0 * 32 * 64 * (1 * 4 * 4);    // enc1: 1->64, k4 s4, 32x128 -> 8x32
    m += 2.0 * 8 * 128 * (64 * 4 * 4);   // enc2: 64->128, k4 s4 -> 2x8
    m += 1.0 * 1 * 256 * (128 * 2 * 8);  // enc3: 128->256, k(2,8) -> 1x1
    m += 256.0 * (k + 1);                // enc_out
    m += double(k) * 256;                // dec_in
    m += 1.0 * 256 * (128 * 2 * 8);      // dec1: 1x1 in, 256->128, k(2,8)
    m += 2.0 * 8 * 128 * (64 * 4 * 4);   // dec2: 2x8 in, 128->64, k4
    m += 8.0 * 32 * 64 * (1 * 4 * 4);    // dec3: 8x32 in, 64->1, k4
    return m;
}

// Training FLOPs per window for the five VAEs: forward, plus backward = gradient of the inputs and of
// the weights (each as many MACs as the forward), except that enc1 needs no input gradient (x is data).
double training_flops_per_window(int k) {
    double fwd = conv_vae_forward_macs(k);
    double enc1 = 8.0 * 32 * 64 * 16;
    return 5 * 2 * (3 * fwd - enc1);
}

int train(int argc, char** argv) {
    quintet::VaeNnTrainConfig c;
    c.corpus = arg(argc, argv, "--corpus", "");
    c.run_dir = arg(argc, argv, "--run", "");
    c.latent = std::stoi(arg(argc, argv, "--latent", "16"));
    c.batch = std::stoi(arg(argc, argv, "--batch", "100"));
    c.epochs = 1;
    c.quiet = true;
    fs::remove_all(c.run_dir);
    quintet::EpochRecord rec;
    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    quintet::train_vae_nn(c, [&](const quintet::EpochRecord& r) {
        rec = r;
        return false;  // stop after stage 1 epoch 1, as an interruption would (no stage-2 encoding)
    });
    double total = since(t0), cpu = cpu_seconds() - c0;
    auto store = quintet::CorpusStore::open(c.corpus);  // untimed: the window count the trainer used
    auto n = quintet::store_windows(store, quintet::Split::Train, quintet::vae_window_spec()).size();
    auto v = quintet::store_windows(store, quintet::Split::Valid, quintet::vae_window_spec()).size();
    std::printf(
        "{\"side\": \"cpp\", \"threads\": %d, \"train_windows\": %lld, \"valid_windows\": %lld, "
        "\"train_pass_s\": %.4f, \"epoch_total_s\": %.4f, \"train_pass_samples_per_s\": %.3f, "
        "\"end_to_end_samples_per_s\": %.3f, \"epoch_cpu_s\": %.4f, \"end_to_end_samples_per_cpu_s\": %.3f, \"train_loss\": %.4f, \"valid_loss\": %.4f, "
        "\"flops_per_window\": %.0f}\n",
        torch::get_num_threads(), (long long)n, (long long)v, double(n) / rec.samples_per_s, total,
        rec.samples_per_s, double(n) / total, cpu, double(n) / cpu, rec.train_loss, rec.valid_loss, training_flops_per_window(c.latent));
    return 0;
}

// The seed blocks, and each song's generators as VaeNnGenerator::generate() leaves them once the seed is chosen:
// the loop that both sides time starts from here.
struct SongStart {
    quintet::VaeNnGenerateOptions options;
    std::mt19937_64 rng;
    torch::Generator gen;
    torch::Tensor seed;   // [5, 32, 128], as fed to the first encode
    torch::Tensor noise;  // [blocks - 1, 5, K]: the draws the loop will make, times --noise-sd
};

std::vector<SongStart> song_starts(quintet::VaeNnGenerator& g, const quintet::VaeNnGenerateOptions& base, int songs, int k) {
    std::vector<SongStart> out;
    for (int s = 0; s < songs; ++s) {
        SongStart start{base, std::mt19937_64(base.seed + std::uint64_t(s)), at::detail::createCPUGenerator(base.seed + std::uint64_t(s)), {}, {}};
        start.options.seed = base.seed + std::uint64_t(s);
        start.seed = g.seed_window(start.options, start.rng, start.gen).contiguous();
        // The noise the loop draws (generate_rolls_fast: randn({1, 5, K}, gen) * noise_sd per block), from a copy
        // of the generator; the Python side reads it, so both add the same noise (its notes are compared).
        torch::Generator copy = start.gen.clone();
        std::vector<torch::Tensor> draws;
        for (int b = 1; b < base.blocks; ++b) draws.push_back((torch::randn({1, quintet::kVaeInstruments, k}, copy) * base.noise_sd)[0]);
        start.noise = draws.empty() ? torch::zeros({0, quintet::kVaeInstruments, k}) : torch::stack(draws).contiguous();
        out.push_back(std::move(start));
    }
    return out;
}

void write_raw(const fs::path& path, const void* data, std::size_t bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data, 1, bytes, f) != bytes || std::fclose(f) != 0) throw std::runtime_error(path.string() + ": write failed");
}

// For vae_epoch_reference.py generate --dump DIR: meta.json, the seed blocks (float32 [songs, 5, 32, 128]), the
// noise (float32 [songs, blocks - 1, 5, K]) and the songs' velocities (uint8 [songs, 5, steps, 128], VAE-NN order).
void dump(const fs::path& dir, const std::vector<SongStart>& starts, const std::vector<quintet::Multitrack>& songs, int k) {
    fs::create_directories(dir);
    const int blocks = starts.front().options.blocks;
    std::vector<float> seed, noise;
    std::vector<std::uint8_t> notes;
    for (std::size_t s = 0; s < starts.size(); ++s) {
        seed.insert(seed.end(), starts[s].seed.data_ptr<float>(), starts[s].seed.data_ptr<float>() + starts[s].seed.numel());
        noise.insert(noise.end(), starts[s].noise.data_ptr<float>(), starts[s].noise.data_ptr<float>() + starts[s].noise.numel());
        for (int family : quintet::kVaeInstrumentFamily) {
            const auto& roll = songs[s].tracks[std::size_t(family)].roll;
            notes.insert(notes.end(), roll.begin(), roll.end());
        }
    }
    write_raw(dir / "seed.f32", seed.data(), seed.size() * sizeof(float));
    write_raw(dir / "noise.f32", noise.data(), noise.size() * sizeof(float));
    write_raw(dir / "notes.u8", notes.data(), notes.size());
    const std::string meta = "{\"songs\": " + std::to_string(starts.size()) + ", \"blocks\": " + std::to_string(blocks) +
                             ", \"latent\": " + std::to_string(k) + "}\n";
    write_raw(dir / "meta.json", meta.data(), meta.size());
}

std::size_t note_cells(const quintet::Multitrack& song) {
    std::size_t cells = 0;
    for (const auto& t : song.tracks) cells += std::size_t(std::count_if(t.roll.begin(), t.roll.end(), [](auto v) { return v; }));
    return cells;
}

// Generation as `quintet generate` runs it (VaeNnGenerator on the CPU fast path), timed in two parts: the model
// load, and the loop from the seed block to the song's velocities (generate_rolls + rolls_to_multitrack), the
// part the Python reference repeats. --songs N: N songs (seeds S, S+1, ...), one after the other (the Python
// side takes them as one batch).
// Untimed afterwards: the songs are checked against VaeNnGenerator::generate() one at a time (what the CLI
// does per song), and --dump DIR writes what the Python side needs to compare its notes.
int generate(int argc, char** argv) {
    quintet::VaeNnGenerateOptions o;
    o.blocks = std::stoi(arg(argc, argv, "--blocks", "64"));
    o.seed = std::stoull(arg(argc, argv, "--seed", "1"));
    const std::string source = arg(argc, argv, "--seed-source", "corpus");
    if (source != "corpus" && source != "random") throw std::runtime_error("--seed-source: corpus or random");
    o.seed_source = source == "corpus" ? quintet::SeedSource::Corpus : quintet::SeedSource::Random;
    // The plain loop of SEED-SPEC 9, which the Python reference repeats: none of issue 13's corpus rules
    // (bar repeats, polyphony cap, revival of silent instruments draw from the corpus mid-song).
    o.repeat = 0.0;
    o.max_polyphony = 0;
    o.revive = 0;
    o.seed_full_band = true;  // seeds from windows where all five play: the densest songs (as measured in BENCHMARKS.md)
    const int songs = std::stoi(arg(argc, argv, "--songs", "1"));
    if (songs < 1) throw std::runtime_error("--songs must be >= 1");
    // Threads are set before the clock starts, as the Python reference sets them before its timer.
    quintet::configure_torch_threads();
    torch::NoGradGuard no_grad;
    auto t0 = Clock::now();
    quintet::VaeNnGenerator gen(arg(argc, argv, "--run", ""));
    double load = since(t0);
    const int k = quintet::read_run_info(arg(argc, argv, "--run", "")).latent;
    auto starts = song_starts(gen, o, songs, k);

    std::vector<quintet::Multitrack> out;
    auto t1 = Clock::now();
    for (auto& s : starts)  // one song after the other, as `quintet eval --model -n N` samples them
        out.push_back(quintet::rolls_to_multitrack(gen.generate_rolls(s.seed, s.options, {}, s.rng, s.gen), quintet::vae_window_spec().tracks,
                                                   quintet::kVaeResolution, o.tempo));
    double run = since(t1);

    std::size_t cells = 0;
    for (std::size_t s = 0; s < out.size(); ++s) {
        auto ref = gen.generate(starts[s].options);
        for (std::size_t t = 0; t < ref.tracks.size(); ++t)
            if (ref.tracks[t].roll != out[s].tracks[t].roll)
                throw std::runtime_error("song " + std::to_string(s) + " differs from VaeNnGenerator::generate()");
        cells += note_cells(out[s]);
    }
    const std::string dir = arg(argc, argv, "--dump", "");
    if (!dir.empty()) dump(dir, starts, out, k);
    std::printf(
        "{\"side\": \"cpp\", \"threads\": %d, \"songs\": %d, \"blocks\": %d, \"seed\": %llu, \"steps\": %zu, \"load_s\": %.4f, "
        "\"generate_s\": %.4f, \"load_and_generate_s\": %.4f, \"notes_cells\": %zu}\n",
        torch::get_num_threads(), songs, o.blocks, (unsigned long long)o.seed, out[0].tracks[0].steps(), load, run, load + run, cells);
    return 0;
}

// VaeNnInference alone on a run's weights: microseconds per call of one VAE's encode (on a decoded and
// binarised block, as generation feeds back) and decode, the best of 10 batches of --reps calls per
// instrument (the best, as other jobs on a shared machine only ever add time).
int kernels(int argc, char** argv) {
    const int reps = std::stoi(arg(argc, argv, "--reps", "50"));
    const auto run = arg(argc, argv, "--run", "");
    auto t_open = Clock::now();
    const bool mapped = quintet::ArchiveTensors::open(fs::path(run) / "model.pt").has_value();  // the reader alone
    const double open = since(t_open);
    auto t_load = Clock::now();
    quintet::VaeNnInference fast = quintet::load_run_inference(run);
    const double load = since(t_load);
    auto t_torch = Clock::now();
    quintet::load_run_inference(run, false);  // through torch's loader instead
    const double torch_load = since(t_torch);
    const int k = fast.latent();
    torch::manual_seed(1);
    auto z = torch::randn({quintet::kVaeInstruments, k});
    auto blocks = fast.reconstruct(z.unsqueeze(0));
    const double threshold = std::stod(arg(argc, argv, "--threshold", "0.3"));
    auto fed = (blocks >= threshold).to(torch::kFloat).mul(0.8).contiguous();
    std::vector<float> out(32 * 128), mean(static_cast<std::size_t>(k));
    double enc = 1e30, dec = 1e30, dec_above = 1e30;
    std::vector<std::optional<float>> cuts;
    for (int i = 0; i < quintet::kVaeInstruments; ++i) cuts.push_back(fast.logit_cut(float(threshold)));
    for (int batch = 0; batch < 10; ++batch) {
        auto t0 = Clock::now();
        for (int r = 0; r < reps; ++r)
            for (int i = 0; i < quintet::kVaeInstruments; ++i) fast.encode_mean(i, fed[i].data_ptr<float>(), mean.data());
        enc = std::min(enc, since(t0));
        t0 = Clock::now();
        for (int r = 0; r < reps; ++r)
            for (int i = 0; i < quintet::kVaeInstruments; ++i) fast.reconstruct(i, z[i].data_ptr<float>(), out.data());
        dec = std::min(dec, since(t0));
        t0 = Clock::now();
        for (int r = 0; r < reps; ++r)
            for (int i = 0; i < quintet::kVaeInstruments; ++i) fast.reconstruct_above(i, z[i].data_ptr<float>(), cuts[std::size_t(i)], out.data());
        dec_above = std::min(dec_above, since(t0));
    }
    const double n = double(reps) * quintet::kVaeInstruments;
    std::printf("{\"side\": \"cpp\", \"encode_us\": %.2f, \"decode_us\": %.2f, \"decode_above_threshold_us\": %.2f, \"fed_back_cells\": %lld, \"load_s\": %.4f, "
                "\"mapped\": %s, \"archive_open_s\": %.4f, \"load_via_torch_s\": %.4f}\n",
                1e6 * enc / n, 1e6 * dec / n, 1e6 * dec_above / n, (long long)fed.gt(0).sum().item<std::int64_t>(), load, mapped ? "true" : "false",
                open, torch_load);
    return 0;
}

int sgemm(int argc, char** argv) {
    const int n = std::stoi(arg(argc, argv, "--size", "2048"));
    int threads = std::stoi(arg(argc, argv, "--threads", "0"));
    if (threads <= 0) threads = int(std::max(1u, std::thread::hardware_concurrency()));
    torch::set_num_threads(threads);
    torch::manual_seed(1);
    auto a = torch::randn({n, n}), b = torch::randn({n, n});
    auto c = torch::mm(a, b);  // warm-up: first-touch pages, OpenBLAS buffers
    double best = 1e30, best_cpu = 1e30;  // wall, and CPU time of all threads (what a busy machine leaves out)
    for (int rep = 0; rep < 5; ++rep) {
        auto t0 = Clock::now();
        double c0 = cpu_seconds();
        torch::mm_out(c, a, b);
        best = std::min(best, since(t0));
        best_cpu = std::min(best_cpu, cpu_seconds() - c0);
    }
    const double flop = 2.0 * n * n * double(n);
    std::printf("{\"side\": \"cpp\", \"threads\": %d, \"size\": %d, \"best_s\": %.5f, \"gflops\": %.2f, "
                "\"gflops_per_cpu_s\": %.2f}\n", threads, n, best, flop / best / 1e9, flop / best_cpu / 1e9);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    try {
        if (cmd == "train") return train(argc, argv);
        if (cmd == "generate") return generate(argc, argv);
        if (cmd == "sgemm") return sgemm(argc, argv);
        if (cmd == "kernels") return kernels(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_vae_nn: %s\n", e.what());
        return 2;
    }
    std::fprintf(stderr, "usage: bench_vae_nn train --corpus STORE --run DIR | generate --run DIR [--blocks 64 --seed S --songs N "
                         "--seed-source corpus|random --dump DIR] | kernels --run DIR [--reps 50 --threshold 0.3] | "
                         "sgemm [--size 2048] [--threads N]\n");
    return 2;
}
