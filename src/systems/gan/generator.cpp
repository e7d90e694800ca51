#include "systems/gan/generator.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cstring>

#include "corpus/song_loader.hpp"
#include "nn/rolls_to_song.hpp"
#include "nn/runtime.hpp"
#include "roll/operations.hpp"
#include "systems/gan/calibration.hpp"
#include "systems/keep_option.hpp"
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
    for (auto& p : nets_.generator->parameters()) p.set_requires_grad(false);  // generation only (the latent search moves z)
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

torch::Tensor search_latents(const std::function<torch::Tensor(const torch::Tensor&)>& g, torch::Tensor z0,
                             const torch::Tensor& target, const std::vector<int>& kept, int steps,
                             std::pair<double, double>* losses) {
    if (losses) *losses = {0, 0};
    if (kept.empty() || steps <= 0) return z0;
    const auto channels = torch::tensor(std::vector<std::int64_t>(kept.begin(), kept.end())).to(z0.device());
    const auto t = target.to(z0.device(), torch::kFloat).index_select(1, channels);
    const double sounding = t.sum().item<double>(), silent = double(t.numel()) - sounding;
    const double w = sounding > 0 ? std::clamp(silent / sounding, 1.0, 100.0) : 1.0;
    const auto weight = t * (w - 1) + 1;
    auto z = z0.detach().clone().set_requires_grad(true);
    torch::optim::Adam adam({z}, torch::optim::AdamOptions(0.05));
    auto loss_at = [&] {
        const auto p = g(z).index_select(1, channels).clamp(1e-6, 1 - 1e-6);
        return torch::binary_cross_entropy(p, t, weight) + 1e-3 * z.pow(2).mean();
    };
    for (int step = 0; step < steps; ++step) {
        adam.zero_grad();
        auto loss = loss_at();
        if (step == 0 && losses) losses->first = loss.item<double>();
        loss.backward();
        adam.step();
    }
    if (losses) {
        torch::NoGradGuard no_grad;
        losses->second = loss_at().item<double>();
    }
    return z.detach();
}

torch::Tensor GanSongMaker::search_latents(const torch::Tensor& target, const std::vector<int>& kept, std::uint64_t seed, int steps,
                                           std::pair<double, double>* losses) {
    torch::Generator gen = at::detail::createCPUGenerator(seed);
    auto z = torch::randn({target.size(0), nets_.settings.noise_dim}, gen).to(device_);
    return quintet::search_latents([this](const torch::Tensor& x) { return nets_.generator(x); }, z, target, kept, steps, losses);
}

Multitrack GanSongMaker::regenerate(const GanGenerateOptions& o) {
    const GanShape& sh = shape();
    const Multitrack song = load_song_to_regenerate(o.from, sh.resolution);
    const std::size_t steps = song.steps();
    if (steps == 0) throw UsageError(o.from.string() + ": no notes to regenerate");
    const std::int64_t n = std::int64_t((steps + std::size_t(sh.steps) - 1) / std::size_t(sh.steps));
    // The song as G's blocks: 1 where a note sounds, in G's pitch range, the last block padded with silence.
    auto target = torch::zeros({kGanChannels, n * sh.steps, sh.pitches});
    for (int f = 0; f < kGanChannels; ++f) {
        const auto& roll = song.tracks[std::size_t(f)].roll;
        auto cells = torch::from_blob(const_cast<std::uint8_t*>(roll.data()), {std::int64_t(steps), kPitches}, torch::kUInt8);
        target[f].narrow(0, 0, std::int64_t(steps)).copy_(cells.narrow(1, sh.lowest_pitch, sh.pitches).gt(0).to(torch::kFloat));
    }
    target = target.view({kGanChannels, n, sh.steps, sh.pitches}).permute({1, 0, 2, 3}).contiguous();
    const auto z = search_latents(target, o.keep, o.seed, o.search_steps);
    torch::Tensor probabilities;
    {
        torch::NoGradGuard no_grad;
        probabilities = nets_.generator(z).cpu();
    }
    SamplingRng rng(o.seed);
    Multitrack out = blocks_to_multitrack(notes_from_probabilities(probabilities, thresholds(o), o.draw == "bernoulli" ? &rng : nullptr),
                                          sh, o.tempo);
    keep_song_tracks(out, song, o.keep, o.tempo);
    out.name = "DCGAN " + run_dir_.filename().string() + " from " + o.from.filename().string();
    return out;
}

Multitrack GanSongMaker::generate(const GanGenerateOptions& o) {
    if (o.bars < 1) throw UsageError("--bars must be at least 1");
    if (o.threshold && !(*o.threshold >= 0 && *o.threshold <= 1)) throw UsageError("--threshold must be in [0, 1] (or auto)");
    if (o.draw != "threshold" && o.draw != "bernoulli") throw UsageError("--draw '" + o.draw + "': expected threshold or bernoulli");
    if (o.prime_bars < 1) throw UsageError("--prime-bars must be at least 1");
    if (!o.from.empty()) return regenerate(o);
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
