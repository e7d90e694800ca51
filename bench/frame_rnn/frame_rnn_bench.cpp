// Frame-RNN timings through the library, one JSON line per call (bench/frame_rnn/frame_rnn_vs_python.sh runs it
// next to frame_rnn_reference.py):
//   frame_rnn_bench train --corpus S --run DIR [--hidden 256 --batch 32 --window 32]
//       one epoch of train_frame_rnn; training samples (windows) per second of the training pass, as curve.csv
//   frame_rnn_bench generate --run DIR [--steps 2000]
//       generation at batch 1 from silence, Bernoulli draws, the cached hidden state: steps per second
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "nn/sampling.hpp"
#include "systems/frame_rnn/generator.hpp"
#include "systems/frame_rnn/trainer.hpp"
#include "util/error.hpp"

using namespace quintet;

namespace {

std::string arg(int argc, char** argv, const char* name, const std::string& fallback) {
    for (int i = 2; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
    return fallback;
}

int train(int argc, char** argv) {
    FrameRnnTrainConfig c;
    c.corpus = arg(argc, argv, "--corpus", "");
    c.run_dir = arg(argc, argv, "--run", "");
    c.hidden = std::stoi(arg(argc, argv, "--hidden", "256"));
    c.batch = std::stoi(arg(argc, argv, "--batch", "32"));
    c.window = std::stoi(arg(argc, argv, "--window", "32"));
    c.tracks = arg(argc, argv, "--tracks", c.tracks);
    c.pitch_range = arg(argc, argv, "--pitch-range", c.pitch_range);
    c.dropout = 0;
    c.epochs = 1;
    c.quiet = true;
    std::filesystem::remove_all(c.run_dir);
    EpochRecord record;
    train_frame_rnn(c, [&](const EpochRecord& r) {
        record = r;
        return true;
    });
    std::printf("{\"side\": \"cpp\", \"train_samples_per_s\": %.2f, \"train_loss\": %.5f, \"threads\": %d}\n", record.samples_per_s,
                record.train_loss, torch::get_num_threads());
    return 0;
}

int generate(int argc, char** argv) {
    FrameRnnGenerator generator(arg(argc, argv, "--run", ""));
    const std::size_t steps = std::stoul(arg(argc, argv, "--steps", "2000"));
    FrameRnnGenerateOptions o;
    o.prime_steps = 0;
    SamplingRng warm_rng(2);
    generator.continue_frames({}, 50, o, warm_rng);  // first-call allocations out of the timing
    SamplingRng rng(1);
    const auto t0 = std::chrono::steady_clock::now();
    const auto frames = generator.continue_frames({}, steps, o, rng);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    long long notes = 0;
    for (auto v : frames) notes += v;
    std::printf("{\"side\": \"cpp\", \"generate_steps_per_s\": %.1f, \"steps\": %zu, \"notes\": %lld, \"threads\": %d}\n",
                double(steps) / s, steps, notes, torch::get_num_threads());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string mode = argc > 1 ? argv[1] : "";
        if (mode == "train") return train(argc, argv);
        if (mode == "generate") return generate(argc, argv);
        std::fprintf(stderr, "usage: frame_rnn_bench train --corpus S --run DIR | generate --run DIR [--steps N]\n");
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "frame_rnn_bench: %s\n", e.what());
        return 2;
    }
}
