// VAE-NN evidence for docs/RESULTS.md and timings for docs/BENCHMARKS.md
// (bench/vae_nn/vae_results.sh). Plain program, not Google Benchmark: each mode prints one JSON line.
//   vae_eval recon RUN STORE [threshold|auto]  reconstruction cell precision/recall/F1 per instrument, test split
//   vae_eval latent RUN STORE                latent-net MSE vs copy-the-last-latent on test-split pairs
//   vae_eval diversity RUN STORE SONGS BLOCKS  mean pairwise distance of songs from one seed block vs noise_sd
//   vae_eval trace RUN SEED                   cells on per instrument: seed block, its reconstruction, one net step
//   vae_eval generate RUN BLOCKS REPEAT      generation loop time (model loaded once)
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <ATen/CPUGeneratorImpl.h>

#include "systems/vae_nn/generator.hpp"
#include "nn/runtime.hpp"
#include "systems/vae_nn/run_model.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "systems/vae_nn/threshold_calibration.hpp"
#include "nn/batches.hpp"

using namespace quintet;
using Clock = std::chrono::steady_clock;

namespace {

void recon(const std::string& run, const std::string& store_path, const std::string& threshold_arg) {
    torch::NoGradGuard g;
    auto model = load_run_model(run);
    auto info = read_run_info(run);
    auto store = CorpusStore::open(store_path);
    auto data = store_windows(store, Split::Test, vae_window_spec());
    // "auto": the run's calibrated per-instrument thresholds (valid split), as generation uses them.
    std::array<double, kVaeInstruments> thresholds;
    auto fixed = parse_threshold(threshold_arg);
    thresholds.fill(fixed.value_or(VaeNnGenerator::kUncalibratedThreshold));
    if (!fixed && info.thresholds) thresholds = *info.thresholds;
    auto sweeps = sweep_thresholds(model, data, torch::kCPU, 200);
    std::printf("{\"mode\": \"recon\", \"run\": \"%s\", \"K\": %d, \"windows\": %lld, \"threshold\": \"%s\", \"instruments\": {",
                run.c_str(), model->latent(), (long long)data.size(), threshold_arg.c_str());
    for (int i = 0; i < kVaeInstruments; ++i) {
        const auto& s = sweeps[i];
        int k = std::clamp(int(std::lround(thresholds[i] * ThresholdSweep::kBins)), 0, ThresholdSweep::kBins - 1);
        double tp = s.true_positive[k], fp = s.false_positive[k], fn = s.positives - tp;
        double p = tp + fp > 0 ? tp / (tp + fp) : 0, r = tp + fn > 0 ? tp / (tp + fn) : 0;
        double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
        // The best F1 any threshold reaches on the test split itself: an upper bound, not a result.
        double oracle_t = s.best_threshold(0.3);
        int ok = std::clamp(int(std::lround(oracle_t * ThresholdSweep::kBins)), 0, ThresholdSweep::kBins - 1);
        std::printf("%s\"%s\": {\"threshold\": %.3f, \"precision\": %.4f, \"recall\": %.4f, \"f1\": %.4f, \"active_cells\": %.0f, "
                    "\"test_best_threshold\": %.3f, \"test_best_f1\": %.4f}",
                    i ? ", " : "", kVaeInstrumentName[i], thresholds[i], p, r, f1, s.positives, oracle_t, s.f1(ok));
    }
    std::printf("}}\n");
}

void latent(const std::string& run, const std::string& store_path) {
    torch::NoGradGuard g;
    auto model = load_run_model(run);
    auto store = CorpusStore::open(store_path);
    auto data = store_windows(store, Split::Test, vae_window_spec());
    auto z = model->encode_means(to_unit_float(window_tensor(data), torch::kCPU));
    auto pairs = consecutive_pairs(data);
    std::vector<std::int64_t> a, b;
    for (auto [t, u] : pairs) {
        a.push_back(t);
        b.push_back(u);
    }
    auto from = z.index_select(0, torch::tensor(a)), to = z.index_select(0, torch::tensor(b));
    auto pred = model->predict_next(from);
    // conditional nets given the true next piano latent (as trained) as well as the predicted one
    std::vector<torch::Tensor> teacher{pred.select(1, 0)};
    for (int i = 1; i < kVaeInstruments; ++i) teacher.push_back(model->conditional(i)->forward(from.select(1, i), to.select(1, 0)));
    auto teacher_pred = torch::stack(teacher, 1);
    std::printf("{\"mode\": \"latent\", \"run\": \"%s\", \"K\": %d, \"pairs\": %zu, \"instruments\": {", run.c_str(),
                model->latent(), pairs.size());
    for (int i = 0; i < kVaeInstruments; ++i) {
        auto mse = [&](const torch::Tensor& p) { return (p.select(1, i) - to.select(1, i)).pow(2).mean().item<double>(); };
        std::printf("%s\"%s\": {\"net\": %.6g, \"net_true_piano\": %.6g, \"copy_last\": %.6g, \"latent_var\": %.6g}",
                    i ? ", " : "", kVaeInstrumentName[i], mse(pred), mse(teacher_pred), mse(from),
                    to.select(1, i).var(0).mean().item<double>());
    }
    std::printf("}}\n");
}

void diversity(const std::string& run, const std::string& store_path, int songs, int blocks) {
    VaeNnGenerator gen(run);
    std::printf("{\"mode\": \"diversity\", \"run\": \"%s\", \"songs\": %d, \"blocks\": %d, \"points\": [", run.c_str(), songs, blocks);
    (void)store_path;
    bool first = true;
    for (double sd : {0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5}) {
        // The same seed block (from the corpus, chosen by seed 1) for every song; songs differ by --seed.
        VaeNnGenerateOptions o;
        o.blocks = blocks;
        o.noise_sd = sd;
        std::mt19937_64 rng0(1);
        torch::Generator g0 = at::detail::createCPUGenerator(1);
        o.seed_source = SeedSource::Corpus;
        auto seed = gen.seed_window(o, rng0, g0);
        std::vector<torch::Tensor> rolls;
        double notes = 0;
        for (int s = 0; s < songs; ++s) {
            std::mt19937_64 rng(100 + s);
            torch::Generator g = at::detail::createCPUGenerator(100 + s);
            auto r = gen.generate_rolls(seed, o, {}, rng, g).narrow(1, 32, std::int64_t(32) * (blocks - 1)).gt(0);
            notes += r.sum().item<double>();
            rolls.push_back(r.to(torch::kFloat));
        }
        double dist = 0, pairs = 0;
        for (int a = 0; a < songs; ++a)
            for (int b = a + 1; b < songs; ++b) {
                // Share of cells on in either song that differ (Jaccard distance of the binarised rolls).
                auto uni = (rolls[a] + rolls[b]).gt(0).sum().item<double>();
                auto diff = (rolls[a] - rolls[b]).abs().sum().item<double>();
                dist += uni > 0 ? diff / uni : 0;
                ++pairs;
            }
        std::printf("%s{\"noise_sd\": %.2f, \"mean_pairwise_jaccard_distance\": %.4f, \"cells_on_per_song\": %.0f}",
                    first ? "" : ", ", sd, dist / pairs, notes / songs);
        first = false;
    }
    std::printf("]}\n");
}

// Where instruments fall silent: for one corpus seed block, the cells at or above each instrument's
// threshold when the block is (a) reconstructed directly, (b) passed through the latent nets without noise.
void trace(const std::string& run, int seed) {
    torch::NoGradGuard g;
    VaeNnGenerator gen(run);
    VaeNnGenerateOptions o;
    o.seed = std::uint64_t(seed);
    o.seed_source = SeedSource::Corpus;
    std::mt19937_64 rng(o.seed);
    torch::Generator tg = at::detail::createCPUGenerator(o.seed);
    auto block = gen.seed_window(o, rng, tg).unsqueeze(0);  // [1, 5, 32, 128]
    auto t = gen.thresholds(o);
    auto& m = gen.model();
    m->eval();
    auto z = m->encode_means(block);
    auto next = m->predict_next(z);
    std::printf("{\"mode\": \"trace\", \"seed\": %d, \"instruments\": {", seed);
    for (int i = 0; i < kVaeInstruments; ++i) {
        auto rec = m->vae(i)->reconstruct(z.select(1, i));
        auto pred = m->vae(i)->reconstruct(next.select(1, i));
        std::printf("%s\"%s\": {\"seed_cells\": %lld, \"recon_cells\": %lld, \"recon_max\": %.3f, \"next_cells\": %lld, "
                    "\"next_max\": %.3f, \"latent_step\": %.3f}",
                    i ? ", " : "", kVaeInstrumentName[i], (long long)(block[0][i] > 0).sum().item<std::int64_t>(),
                    (long long)(rec >= t[i]).sum().item<std::int64_t>(), rec.max().item<double>(),
                    (long long)(pred >= t[i]).sum().item<std::int64_t>(), pred.max().item<double>(),
                    (next.select(1, i) - z.select(1, i)).norm().item<double>());
    }
    std::printf("}}\n");
}

void generate_time(const std::string& run, int blocks, int repeat) {
    auto t0 = Clock::now();
    VaeNnGenerator gen(run);
    double load = std::chrono::duration<double>(Clock::now() - t0).count();
    VaeNnGenerateOptions o;
    o.blocks = blocks;
    o.seed_source = SeedSource::Random;
    double best = 1e9;
    for (int r = 0; r < repeat; ++r) {
        o.seed = std::uint64_t(r + 1);
        auto t = Clock::now();
        auto song = gen.generate(o);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - t).count());
    }
    std::printf("{\"mode\": \"generate\", \"blocks\": %d, \"load_s\": %.4f, \"best_loop_s\": %.4f, \"threads\": %d}\n", blocks,
                load, best, torch::get_num_threads());
}

}  // namespace

int main(int argc, char** argv) {
    try {
        configure_torch_threads();
        std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "recon" && argc >= 4) recon(argv[2], argv[3], argc > 4 ? argv[4] : "auto");
        else if (mode == "latent" && argc >= 4) latent(argv[2], argv[3]);
        else if (mode == "diversity" && argc >= 6) diversity(argv[2], argv[3], std::atoi(argv[4]), std::atoi(argv[5]));
        else if (mode == "trace" && argc >= 4) trace(argv[2], std::atoi(argv[3]));
        else if (mode == "generate" && argc >= 5) generate_time(argv[2], std::atoi(argv[3]), std::atoi(argv[4]));
        else {
            std::fprintf(stderr, "usage: vae_eval recon|latent RUN STORE | diversity RUN STORE SONGS BLOCKS | generate RUN BLOCKS REPEAT\n");
            return 2;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "vae_eval: %s\n", e.what());
        return 2;
    }
    return 0;
}
