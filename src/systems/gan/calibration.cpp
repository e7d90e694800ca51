#include "systems/gan/calibration.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/flat_json.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

const char* const kKeys[kGanChannels] = {"drums", "piano", "guitar", "bass", "strings"};
constexpr const char* kFile = "thresholds.json";

}  // namespace

GanChannelValues channel_densities(const WindowSet& windows) {
    GanChannelValues out{};
    const auto& spec = windows.spec;
    if (spec.tracks.size() != std::size_t(kGanChannels)) throw UsageError("channel_densities: windows need 5 tracks");
    const std::size_t per_channel = std::size_t(spec.steps) * std::size_t(spec.pitches);
    for (std::int64_t w = 0; w < windows.size(); ++w) {
        const std::uint8_t* cells = windows.window(w);
        for (std::size_t c = 0; c < out.size(); ++c) {
            std::size_t on = 0;
            for (std::size_t i = 0; i < per_channel; ++i) on += cells[c * per_channel + i] > 0;
            out[c] += double(on);
        }
    }
    const double total = double(windows.size()) * double(per_channel);
    for (auto& d : out) d = total > 0 ? d / total : 0;
    return out;
}

GanChannelValues density_thresholds(const torch::Tensor& probabilities, const GanChannelValues& density) {
    GanChannelValues out{};
    const auto p = probabilities.to(torch::kCPU, torch::kFloat).transpose(0, 1).reshape({kGanChannels, -1});
    const std::int64_t cells = p.size(1);
    for (std::int64_t c = 0; c < kGanChannels; ++c) {
        const auto keep = std::int64_t(std::floor(density[std::size_t(c)] * double(cells)));
        if (keep <= 0) {
            out[std::size_t(c)] = kGanSilentThreshold;
            continue;
        }
        out[std::size_t(c)] = double(std::get<0>(p[c].topk(std::min(keep, cells)))[keep - 1].item<float>());
    }
    return out;
}

torch::Tensor gan_fixed_noise(std::uint64_t run_seed, int noise_dim) {
    torch::Generator gen = at::detail::createCPUGenerator(run_seed ^ 0x5eed);
    return torch::randn({kGanFixedSamples, noise_dim}, gen);
}

void write_gan_calibration(const fs::path& run_dir, const GanCalibration& c) {
    FlatJsonWriter w;
    for (std::size_t i = 0; i < c.density.size(); ++i) w.add(std::string("density_") + kKeys[i], c.density[i]);
    for (std::size_t i = 0; i < c.threshold.size(); ++i) w.add(std::string("threshold_") + kKeys[i], c.threshold[i]);
    write_file_atomically(run_dir / kFile, w.str());
}

std::optional<GanCalibration> read_gan_calibration(const fs::path& run_dir) {
    const fs::path file = run_dir / kFile;
    if (!fs::exists(file)) return std::nullopt;
    const auto kv = parse_flat_json(read_file(file), file.string());
    auto number = [&](const std::string& key) {
        auto it = kv.find(key);
        if (it == kv.end()) throw FormatError(file.string(), "missing \"" + key + "\"");
        try {
            std::size_t used = 0;
            const double v = std::stod(it->second, &used);
            if (used == it->second.size() && std::isfinite(v) && v >= 0) return v;
        } catch (const std::logic_error&) {
        }
        throw FormatError(file.string(), "\"" + key + "\" must be a number >= 0, not '" + it->second + "'");
    };
    GanCalibration c;
    for (std::size_t i = 0; i < c.density.size(); ++i) {
        c.density[i] = number(std::string("density_") + kKeys[i]);
        c.threshold[i] = number(std::string("threshold_") + kKeys[i]);
    }
    return c;
}

}  // namespace quintet
