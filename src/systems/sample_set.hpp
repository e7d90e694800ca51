#pragma once
// A set of songs sampled from one run, for `quintet eval --model` and the studio: the run is opened once
// (its config.json names the system) and sampled with seeds S, S+1, ... (no torch in this header).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "systems/system.hpp"

namespace quintet {

struct SampleSetRequest {
    std::filesystem::path run;
    std::size_t songs = 20;
    SampleRequest first;             // song i gets seed first.seed + i
    std::string device = "cpu";
    const Settings* settings = nullptr;  // the system's sample settings; null: its defaults
    std::function<void(std::size_t done, std::size_t total)> on_song;  // progress
};

struct SampledSet {
    std::string kind;                // the run's system
    std::filesystem::path corpus;    // the store it was trained on
    std::vector<Multitrack> songs;
    // The test split's NLL per token for sequence models whose corpus still exists; nullopt otherwise.
    std::optional<System::SplitLikelihood> test_likelihood;
};

SampledSet sample_set(const SampleSetRequest& request);

}  // namespace quintet
