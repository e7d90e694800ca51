#pragma once
// Which System a run directory holds, and a System set up to sample from it (no torch in this header:
// the CLI includes it). A new model family plugs in here: its kind in known_systems() and a branch in
// make_sampling_system(); `quintet eval --model` then works for its runs unchanged.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "models/system.hpp"

namespace quintet {

// What `quintet eval --model` needs from a run directory's config.json.
struct RunDescription {
    std::string model;               // System::kind(), e.g. "vae-nn"
    std::filesystem::path corpus;    // the store it was trained on (as written at training time)
};

// Reads RUN/config.json. UsageError when RUN is not a directory or has no config.json; FormatError when
// config.json is malformed or lacks "model" / "corpus".
RunDescription describe_run(const std::filesystem::path& run_dir);

// Settings every family understands when sampling; family-specific knobs keep their defaults.
struct SamplingSettings {
    int blocks = 16;             // length in the family's blocks (VAE-NN: 32 steps = 16 beats each)
    std::uint64_t seed = 1;      // the same seed gives the same song
    double noise_sd = 0.5;       // VAE-NN: sd of the noise on the predicted latents
    std::string device = "cpu";
};

std::vector<std::string> known_systems();

// A System of `kind` ready to generate() with these settings; UsageError for an unknown kind.
std::unique_ptr<System> make_sampling_system(const std::string& kind, const SamplingSettings& settings);

}  // namespace quintet
