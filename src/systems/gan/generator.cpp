#include "systems/gan/generator.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstring>

#include "corpus/song_loader.hpp"
#include "nn/rolls_to_song.hpp"
#include "nn/runtime.hpp"
#include "roll/operations.hpp"
#include "systems/gan/calibration.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

torch::Tensor notes_from_probabilities(const torch::Tensor& probabilities, const std::array<double, kGanChannels>& thresholds,
                                       SamplingRng* rng) {
    auto p = probabilities.to(torch::kCPU, torch::kFloat);
    const auto t = torch::tensor(std::vector<double>(thresholds.begin(), thresholds.end()), torch::kDouble).view({1, kGanChannels, 1, 1});
    auto on = rng ? sample_bernoulli(p, *rng).gt(0.5) : p.to(torch::kDouble).ge(t);
    return on.to(torch::kFloat) * float(kGanNoteValue);
}

torch::Tensor notes_from_probabilities(const torch::Tensor& probabilities, double threshold, SamplingRng* rng) {
    std::array<double, kGanChannels> t;
    t.fill(threshold);
    return notes_from_probabilities(probabilities, t, rng);
}

Multitrack blocks_to_multitrack(const torch::Tensor& blocks, const GanShape& shape, double tempo) {
    const std::int64_t n = blocks.size(0);
    auto rolls = torch::zeros({kGanChannels, n * shape.steps, kPitches});
    rolls.narrow(2, shape.lowest_pitch, shape.pitches)
        .copy_(blocks.to(torch::kCPU, torch::kFloat).permute({1, 0, 2, 3}).reshape({kGanChannels, n * shape.steps, shape.pitches}));
    return rolls_to_multitrack(rolls, {0, 1, 2, 3, 4}, shape.resolution, tempo);
}

Multitrack prime_opening(const fs::path& file, int resolution, int bars) {
    Multitrack song = merge_lpd5(load_song_file(file));
    set_resolution(song, resolution);
    pad_to_same(song);
    trim_trailing_silence(song);
    const std::size_t bar = std::size_t(resolution) * 4, steps = song.steps();
    if (steps == 0) throw UsageError(file.string() + ": the prime has no notes");
    const std::size_t keep = std::min(std::size_t(bars) * bar, (steps + bar - 1) / bar * bar);
    pad_to(song, keep);
    trim(song, 0, keep);
    return song;
}

GanSongMaker::GanSongMaker(const fs::path& run_dir, const std::string& device)
    : run_dir_(run_dir), device_(parse_device(device)), nets_(read_gan_run(run_dir).nets) {
    configure_torch_threads();
    load_weights(run_dir / "model.pt", gan_layout(nets_));
    nets_.generator->to(device_);
    nets_.generator->eval();
    // The thresholds for this model.pt from the densities the training measured, on the run's fixed noise: the
    // trainer's computation, so they equal thresholds.json's (and a file from an older rule is recomputed).
    if (auto c = read_gan_calibration(run_dir)) {
        torch::NoGradGuard no_grad;
        const auto z = gan_fixed_noise(read_gan_run(run_dir).seed, nets_.settings.noise_dim).to(device_);
        calibrated_ = density_thresholds(nets_.generator(z).cpu(), c->density);
    }
}

torch::Tensor GanSongMaker::sample_probabilities(std::int64_t n, std::uint64_t seed) {
    torch::NoGradGuard no_grad;
    torch::Generator gen = at::detail::createCPUGenerator(seed);
    auto z = torch::randn({n, nets_.settings.noise_dim}, gen).to(device_);
    return nets_.generator(z).cpu();
}

int GanSongMaker::samples_for(int bars, std::size_t prime_steps) const {
    const std::size_t bar = std::size_t(shape().resolution) * 4;
    const int prime_bars = int((prime_steps + bar - 1) / bar);
    const int rest = std::max(bars - prime_bars, 1);
    return (rest + shape().bars() - 1) / shape().bars();
}

std::array<double, kGanChannels> GanSongMaker::thresholds(const GanGenerateOptions& o) const {
    std::array<double, kGanChannels> t;
    t.fill(o.threshold.value_or(kGanOriginalThreshold));
    if (!o.threshold && calibrated_) t = *calibrated_;
    return t;
}

Multitrack GanSongMaker::generate(const GanGenerateOptions& o) {
    if (o.bars < 1) throw UsageError("--bars must be at least 1");
    if (o.threshold && !(*o.threshold >= 0 && *o.threshold <= 1)) throw UsageError("--threshold must be in [0, 1] (or auto)");
    if (o.draw != "threshold" && o.draw != "bernoulli") throw UsageError("--draw '" + o.draw + "': expected threshold or bernoulli");
    if (o.prime_bars < 1) throw UsageError("--prime-bars must be at least 1");
    std::optional<Multitrack> prime;
    if (!o.prime.empty()) prime = prime_opening(o.prime, shape().resolution, o.prime_bars);
    const std::size_t prime_steps = prime ? prime->steps() : 0;
    const int n = samples_for(o.bars, prime_steps);
    SamplingRng rng(o.seed);
    auto notes = notes_from_probabilities(sample_probabilities(n, o.seed), thresholds(o), o.draw == "bernoulli" ? &rng : nullptr);
    Multitrack samples = blocks_to_multitrack(notes, shape(), o.tempo);
    Multitrack song = empty_lpd5(prime_steps + samples.steps(), shape().resolution);
    for (int f = 0; f < kFamilies; ++f) {
        auto& roll = song.tracks[std::size_t(f)].roll;
        if (prime) std::memcpy(roll.data(), prime->tracks[std::size_t(f)].roll.data(), prime_steps * kPitches);
        const auto& gen = samples.tracks[std::size_t(f)].roll;
        std::copy(gen.begin(), gen.end(), roll.begin() + std::ptrdiff_t(prime_steps * kPitches));
    }
    song.tempo.assign(song.steps(), o.tempo);
    song.name = "DCGAN " + run_dir_.filename().string() + " seed " + std::to_string(o.seed);
    return song;
}

}  // namespace quintet
