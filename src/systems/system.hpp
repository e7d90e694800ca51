#pragma once
// The interface every system implements (no torch here: the CLI, the core CLI and the studio include it).
// A system trains from a corpus store into a run directory, and opens a run once to sample many songs.
// Its own settings live in Settings objects whose option table is the one description of them.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "roll/multitrack.hpp"
#include "runs/curve.hpp"
#include "systems/options.hpp"

namespace quintet {

// A system's own knobs, filled through options() (the table's setters write into this object).
class Settings {
public:
    virtual ~Settings() = default;
    virtual OptionTable& options() = 0;
};

// What every system's training takes (systems/request_options.hpp spells them for command lines).
struct TrainRequest {
    std::filesystem::path corpus;   // training store (quintet corpus build / demo)
    std::filesystem::path run_dir;  // output
    std::string device = "cpu";
    std::uint64_t seed = 1;         // data order, samples, initial weights
    bool resume = false;            // continue from run_dir/last.pt
    bool quiet = false;             // no progress output
    EpochCallback on_epoch;         // optional
    // Data-parallel training (docs/distributed.md): join the job torchrun's variables describe, or start
    // `nproc` local ranks; collectives and connecting give up after `distributed_timeout` seconds.
    bool distributed = false;
    int nproc = 0;                  // 0: no local ranks
    int distributed_timeout = 120;
};

// Copies the request's shared fields into a system's training config (every config spells them alike).
template <class Config>
void apply_train_request(Config& config, const TrainRequest& request) {
    config.corpus = request.corpus;
    config.run_dir = request.run_dir;
    config.device = request.device;
    config.seed = request.seed;
    config.resume = request.resume;
    config.quiet = request.quiet;
}

struct TrainResult {
    struct Stage {
        std::string name;           // "VAE stage"
        std::string loss;           // "-ELBO", "MSE"
        int epochs = 0;
        double best_valid = 0;
    };
    std::vector<Stage> stages;
    bool finished = false;          // every stage ran to its end (not stopped by the callback)
};

// What every system's sampling takes.
struct SampleRequest {
    int bars = 64;                  // length in 4/4 bars (a system rounds up to its own unit)
    std::uint64_t seed = 1;         // the same seed gives the same song
    double tempo = 120;             // bpm
    std::filesystem::path prime;    // optional: a .mid/.npz whose music opens the song; the system continues it
};

// A run loaded once; sample() may be called many times.
class Sampler {
public:
    virtual ~Sampler() = default;
    virtual Multitrack sample(const SampleRequest& request, const Settings& settings) = 0;
};

class System {
public:
    virtual ~System() = default;
    virtual std::string kind() const = 0;     // "vae-nn": config.json's "model"
    virtual std::string summary() const = 0;  // one line for help texts
    virtual std::unique_ptr<Settings> train_settings() const = 0;   // defaults
    virtual std::unique_ptr<Settings> sample_settings() const = 0;  // defaults
    virtual TrainResult train(const TrainRequest& request, const Settings& settings) = 0;
    // Loads the run onto the device; UsageError/FormatError for a missing run or one of another system.
    virtual std::unique_ptr<Sampler> open(const std::filesystem::path& run_dir, const std::string& device) = 0;
    // Whether train() shards its data and averages gradients across the ranks of a --distributed job.
    virtual bool trains_distributed() const { return false; }

    // Sequence models (note GRU, frame RNN, Transformer-XL): the mean negative log-likelihood per token of
    // one split of a corpus store, which `quintet eval --model` reports with the perplexity exp(nll). A system
    // with no likelihood of a song (the VAE-NN) keeps this default; nothing is estimated in its place.
    struct SplitLikelihood {
        double nll_per_token = 0;  // nats
        long long tokens = 0;
        // What one token is: "token" (a vocabulary id; the perplexity exp(nll) is reported) or "step" (a frame of
        // independent cells, the NLL summed over them: exp of that is no perplexity and is not reported).
        std::string unit = "token";
    };
    virtual std::optional<SplitLikelihood> split_likelihood(const std::filesystem::path& /*run_dir*/,
                                                            const std::filesystem::path& /*corpus*/,
                                                            const std::string& /*split*/, const std::string& /*device*/) {
        return std::nullopt;
    }
};

}  // namespace quintet
