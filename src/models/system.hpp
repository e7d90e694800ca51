#pragma once
// One interface per model family: train from a corpus store into a run directory, generate a
// Multitrack from a run directory. The CLI (and later the studio) talk only to this; each family's
// settings live in its own System object. No torch here.
#include <filesystem>
#include <optional>
#include <string>

#include "roll/multitrack.hpp"

namespace quintet {

class System {
public:
    virtual ~System() = default;
    virtual std::string kind() const = 0;  // "vae-nn", ...
    // Trains on the store at `corpus`; returns the run directory (everything generate() needs).
    virtual std::filesystem::path train(const std::filesystem::path& corpus, const std::filesystem::path& run_dir) = 0;
    // A new song from a trained run directory.
    virtual Multitrack generate(const std::filesystem::path& run_dir) = 0;

    // Extension point for sequence models (note GRU, frame RNN, Transformer-XL): the mean negative
    // log-likelihood per token of one split ("test") of a corpus store, which `quintet eval --model`
    // reports with the perplexity exp(nll). A system with no likelihood of a song (the VAE-NN) keeps this
    // default and the report says so; nothing is estimated in its place.
    struct SplitLikelihood {
        double nll_per_token = 0;  // nats
        long long tokens = 0;
    };
    virtual std::optional<SplitLikelihood> split_likelihood(const std::filesystem::path& /*run_dir*/,
                                                            const std::filesystem::path& /*corpus*/,
                                                            const std::string& /*split*/) {
        return std::nullopt;
    }
};

}  // namespace quintet
