// MelodyCNN + HarmonyCNN measurements through the library's real paths (one JSON line or table per call):
//   cnn_bench train --corpus STORE --run DIR [--encoders shared]  one epoch of `quintet train cnn` (train_cnn,
//                                               batch 100, Adam), stopped by its callback after epoch 1
//   cnn_bench generate --run DIR [--blocks 64 --threshold T --path fast|torch]
//                                               CnnGenerator: load the run, generate a song from a random
//                                               seed block (model load + loop, and the loop alone); --path
//                                               torch: the packed torch weights instead of CnnInference
//   cnn_bench recon --run DIR --corpus STORE    test split: each net's teacher-forced prediction of block t+1
//                                               at the run's thresholds (P / R / F1), next to copying block t
//   cnn_bench collapse --run DIR --prime FILE [--songs 10 --blocks 16] [-- OPTION VALUE ...]
//                                               any system's run: 10 songs from 10 seeds (corpus seed blocks)
//                                               and 10 songs from the one seed block of FILE; diversity of the
//                                               generated bars (the seed block left out)
// Threads: configure_torch_threads() as the CLI ($QUINTET_THREADS).
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/resource.h>

#include "corpus/store.hpp"
#include "eval/set_metrics.hpp"
#include "nn/runtime.hpp"
#include "roll/operations.hpp"
#include "runs/run_dir.hpp"
#include "systems/cnn/generator.hpp"
#include "systems/cnn/run_info.hpp"
#include "systems/cnn/run_model.hpp"
#include "systems/cnn/trainer.hpp"
#include "systems/registry.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using namespace quintet;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::string arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
    for (int i = 2; i + 1 < argc; ++i) {
        if (std::string(argv[i]) == "--") break;
        if (argv[i] == name) return argv[i + 1];
    }
    return fallback;
}

int train(int argc, char** argv) {
    CnnTrainConfig c;
    c.corpus = arg(argc, argv, "--corpus", "");
    c.run_dir = arg(argc, argv, "--run", "");
    c.harmony_encoders = arg(argc, argv, "--encoders", "shared");
    c.batch = std::stoi(arg(argc, argv, "--batch", "100"));
    c.epochs = 1;
    c.quiet = true;
    fs::remove_all(c.run_dir);
    EpochRecord rec;
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    train_cnn(c, [&](const EpochRecord& r) {
        rec = r;
        return false;  // stop after the epoch: data, one epoch, validation and both checkpoints are done
    });
    const double total = since(t0), cpu = cpu_seconds() - c0;
    auto store = CorpusStore::open(c.corpus);
    const auto n = double(window_pairs(store_windows(store, Split::Train, cnn_window_spec())).size());
    std::printf("{\"side\": \"cpp\", \"threads\": %d, \"train_pairs\": %.0f, \"train_pass_samples_per_s\": %.3f, "
                "\"epoch_total_s\": %.4f, \"end_to_end_samples_per_s\": %.3f, \"epoch_cpu_s\": %.4f, "
                "\"end_to_end_samples_per_cpu_s\": %.3f, \"train_loss\": %.6g, \"valid_loss\": %.6g}\n",
                torch::get_num_threads(), n, rec.samples_per_s, total, n / total, cpu, n / cpu, rec.train_loss, rec.valid_loss);
    return 0;
}

int generate(int argc, char** argv) {
    const fs::path run = arg(argc, argv, "--run", "");
    CnnGenerateOptions o;
    o.blocks = std::stoi(arg(argc, argv, "--blocks", "64"));
    o.seed_source = CnnSeedSource::Random;
    if (const auto t = arg(argc, argv, "--threshold", ""); !t.empty()) o.threshold = std::stod(t);
    const bool torch_path = arg(argc, argv, "--path", "fast") == "torch";
    configure_torch_threads();  // before the clock, as the Python side sets its threads before its clock
    const auto t0 = Clock::now();
    CnnGenerator g(run);
    if (torch_path) {  // the packed torch weights (what --device cuda and --sample-dropout run): load them now
        g.use_fast_path(false);
        g.band();
    }
    const double load = since(t0);
    torch::NoGradGuard no_grad;
    SamplingRng rng(1);
    auto seed = g.seed_block(o, rng);
    const auto t1 = Clock::now();
    const double c1 = cpu_seconds();
    auto rolls = g.generate_rolls(seed, o, rng);
    const double loop = since(t1), loop_cpu = cpu_seconds() - c1;
    std::printf("{\"side\": \"cpp\", \"path\": \"%s\", \"threads\": %d, \"blocks\": %d, \"load_s\": %.4f, "
                "\"generate_s\": %.4f, \"generate_cpu_s\": %.4f, \"load_and_generate_s\": %.4f, \"note_cells\": %lld}\n",
                torch_path ? "torch" : "fast", torch::get_num_threads(), o.blocks, load, loop, loop_cpu, since(t0),
                (long long)rolls.gt(0).sum().item<std::int64_t>());
    return 0;
}

struct Prf {
    double p = 0, r = 0, f1 = 0;
};
Prf at_threshold(const ThresholdSweep& s, double threshold) {
    const int k = std::clamp(int(std::lround(threshold * ThresholdSweep::kBins)), 1, ThresholdSweep::kBins - 1);
    const double tp = s.true_positive[std::size_t(k)], fp = s.false_positive[std::size_t(k)];
    Prf out;
    out.p = tp + fp > 0 ? tp / (tp + fp) : 0;
    out.r = s.positives > 0 ? tp / s.positives : 0;
    out.f1 = s.f1(k);
    return out;
}

int recon(int argc, char** argv) {
    const fs::path run = arg(argc, argv, "--run", ""), corpus = arg(argc, argv, "--corpus", "");
    configure_torch_threads();
    auto band = load_cnn_run(run);
    const auto info = read_cnn_run_info(run);
    auto store = CorpusStore::open(corpus);
    const auto test = store_windows(store, Split::Test, cnn_window_spec());
    const auto nets = sweep_pairs(band, test, torch::kCPU, 400);
    const auto copy = sweep_pairs(band, test, torch::kCPU, 400, true);
    std::printf("test split: %lld windows, %lld pairs\n", (long long)test.size(), (long long)window_pairs(test).size());
    std::printf("| net | threshold | P / R / F1 (net) | best F1 on test | copy block t: P / R / F1 |\n|---|---|---|---|---|\n");
    for (int i = 0; i < kCnnInstruments; ++i) {
        const double t = info.thresholds ? (*info.thresholds)[std::size_t(i)] : 0.3;
        const auto n = at_threshold(nets[std::size_t(i)], t);
        const auto c = at_threshold(copy[std::size_t(i)], 0.005);  // block t's notes are all on
        double best = 0;
        for (int k = 1; k < ThresholdSweep::kBins; ++k) best = std::max(best, nets[std::size_t(i)].f1(k));
        std::printf("| %s | %.3f | %.2f / %.2f / **%.3f** | %.3f | %.2f / %.2f / **%.3f** |\n", kCnnInstrumentName[std::size_t(i)], t,
                    n.p, n.r, n.f1, best, c.p, c.r, c.f1);
    }
    return 0;
}

// Diversity of the generated bars of a set of songs (the first block, 16 beats = the seed, left out): the
// set metrics of src/eval (every bar against every bar), and how far the songs are from each other bar by
// bar: the Jaccard distance between bar k of song a and bar k of song b, over all song pairs and bars
// (0: the songs are identical; two empty bars count as identical).
void report_set(const char* label, const std::vector<Multitrack>& songs) {
    eval::BarSet bars;
    eval::BarGrid aligned;
    aligned.skip_empty = false;
    std::vector<eval::BarSet> per_song;
    long long notes = 0;
    for (auto mt : songs) {
        const std::size_t seed_steps = std::size_t(16 * mt.resolution);
        trim(mt, seed_steps, std::max(mt.steps(), seed_steps));
        for (const auto& t : mt.tracks)
            for (auto v : t.roll) notes += v > 0;
        bars.add(mt);
        per_song.emplace_back(aligned);
        per_song.back().add(mt);
    }
    double sum = 0;
    long long count = 0;
    for (std::size_t a = 0; a < per_song.size(); ++a)
        for (std::size_t b = a + 1; b < per_song.size(); ++b)
            for (std::size_t k = 0; k < std::min(per_song[a].size(), per_song[b].size()); ++k, ++count)
                sum += eval::bar_distance(per_song[a], k, per_song[b], k);
    const auto d = eval::diversity(bars);
    std::printf("| %s | %zu | %.3f | %.1f %% | %.3f | %.0f |\n", label, d.bars, d.mean_pairwise_distance,
                100 * d.distinct_bar_share, count ? sum / double(count) : 0.0, double(notes) / double(songs.size()));
}

int collapse(int argc, char** argv) {
    const fs::path run = arg(argc, argv, "--run", ""), prime = arg(argc, argv, "--prime", "");
    const int songs = std::stoi(arg(argc, argv, "--songs", "10"));
    const auto system = make_system(describe_run(run).kind);
    auto sampler = system->open(run, "cpu");
    auto settings = system->sample_settings();
    std::string extra;
    for (int i = 2; i < argc; ++i)
        if (std::string(argv[i]) == "--")
            for (int j = i + 1; j + 1 < argc; j += 2) {
                set_option(settings->options(), argv[j], argv[j + 1]);
                extra += std::string(" ") + argv[j] + " " + argv[j + 1];
            }
    SampleRequest r;
    r.bars = 4 * std::stoi(arg(argc, argv, "--blocks", "16"));
    std::vector<Multitrack> varied, one;
    for (int s = 1; s <= songs; ++s) {
        r.seed = std::uint64_t(s);
        r.prime.clear();
        varied.push_back(sampler->sample(r, *settings));
        r.prime = prime;
        one.push_back(sampler->sample(r, *settings));
    }
    std::printf("run %s (%s)%s\n| songs | generated bars | mean pairwise distance | distinct bars | song-to-song distance, same bar | note cells per song |\n"
                "|---|---|---|---|---|---|\n", run.c_str(), system->kind().c_str(), extra.c_str());
    report_set("10 seeds, 10 corpus seed blocks", varied);
    report_set("10 seeds, one seed block (--prime)", one);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    try {
        if (cmd == "train") return train(argc, argv);
        if (cmd == "generate") return generate(argc, argv);
        if (cmd == "recon") return recon(argc, argv);
        if (cmd == "collapse") return collapse(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cnn_bench: %s\n", e.what());
        return 2;
    }
    std::fprintf(stderr, "usage: cnn_bench train|generate|recon|collapse ... (see the comment at the top of the source)\n");
    return 2;
}
