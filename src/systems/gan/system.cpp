#include "systems/gan/system.hpp"

#include "systems/gan/generator.hpp"
#include "systems/gan/trainer.hpp"
#include "systems/keep_option.hpp"
#include "util/error.hpp"

namespace quintet {

GanTrainSettings::GanTrainSettings() {
    auto& c = config;
    table_.push_back(int_option("--epochs", "training epochs", c.epochs));
    table_.push_back(int_option("--batch", "windows per batch (the original: 64)", c.batch));
    table_.push_back(text_option("--shape", "original: 5 x 64 x 72 (16th notes, MIDI 24-95, the code's); article: 5 x 32 x 128 "
                                            "(8th notes, all pitches, the report's); both 4 bars",
                                 c.shape, {"original", "article"}));
    table_.push_back(flag_option("--shared-norm", "one BatchNorm and one PReLU reused by every layer, as the original code "
                                                  "(default: one per layer)",
                                 c.shared_norm));
    table_.push_back(text_option("--loss", "bce (the original) or wgan-gp (critic without sigmoid, gradient penalty, "
                                           "5 critic steps per G step, Adam 1e-4 betas 0.5/0.9)",
                                 c.loss, {"bce", "wgan-gp"}));
    table_.push_back(text_option("--stabilisers",
                                 "auto (all three with bce, none with wgan-gp), all, none, or a comma list of label-smoothing "
                                 "(real 0.9-1, fake 0-0.1), feature-matching, ttur (D 6e-4, G 3e-4, betas 0/0.99); without "
                                 "ttur bce uses Adam 2e-4 betas 0.5/0.999",
                                 c.stabilisers));
    table_.back().aliases = {"--stabilizers"};
    table_.push_back(text_option("--d-batch",
                                 "joint: D judges the real and the fake batch as one batch, so its batch norm sees both "
                                 "(default); separate: as two batches, as the original (D then stays at chance: each batch's "
                                 "own statistics normalise away the difference)",
                                 c.d_batch, {"joint", "separate"}));
    table_.push_back(int_option("--critic-steps", "D steps per G step (default: 1 with bce, 5 with wgan-gp)", c.critic_steps));
    table_.back().default_value = "";
    table_.push_back(double_option("--gp-weight", "weight of the gradient penalty (wgan-gp)", c.gp_weight));
    table_.push_back(double_option("--lr-d", "D's Adam learning rate (0: by --loss and --stabilisers)", c.lr_d));
    table_.push_back(double_option("--lr-g", "G's Adam learning rate (0: by --loss and --stabilisers)", c.lr_g));
    table_.push_back(int_option("--noise-dim", "size of G's noise input", c.noise_dim));
    table_.push_back(int_option("--sample-every", "a piano roll of 8 fixed-noise samples every N epochs into RUN/samples (0: never)",
                                c.sample_every));
    table_.push_back(int64_option("--max-windows", "use at most this many training windows (whole songs; 0: all)", c.max_windows));
}

GanSampleSettings::GanSampleSettings() {
    auto& o = base;
    table_.push_back(text_option("--draw", "threshold (cells whose probability reaches --threshold, the original) or bernoulli "
                                           "(one draw per cell)",
                                 o.draw, {"threshold", "bernoulli"}));
    table_.push_back(text_option("--threshold",
                                 "probability at which a cell sounds; auto: the run's per-channel thresholds, calibrated so "
                                 "the songs have the valid split's note density (the original: 0.7)",
                                 threshold));
    table_.push_back(int_option("--prime-bars", "bars of --prime that open the song; the GAN does not continue them "
                                                "(it is unconditional): its samples follow",
                                o.prime_bars));
    table_.push_back(path_option("--from", "a song (.mid/.npz) to regenerate, with its length: the --keep instruments stay, "
                                           "the others come from G at the noise whose output best matches the kept ones",
                                 o.from));
    table_.push_back(text_option("--keep", "instruments of --from kept as they are (piano,guitar,bass,strings,drums); the "
                                           "others are G's, from a latent search on the kept ones seeded by --seed",
                                 keep));
    table_.push_back(ranged(int_option("--search-steps", "with --from: gradient steps of the latent search per block",
                                       o.search_steps),
                            0, 100000));
}

GanGenerateOptions GanSampleSettings::resolve(const SampleRequest& request) const {
    GanGenerateOptions o = base;
    o.bars = request.bars;
    o.seed = request.seed;
    o.tempo = request.tempo;
    o.prime = request.prime;
    o.threshold = parse_gan_threshold(threshold);
    o.keep = parse_keep(keep, o.from);
    if (!o.from.empty() && !o.prime.empty()) throw UsageError("--from gives the song to regenerate: give no --prime");
    return o;
}

TrainResult GanSystem::train(const TrainRequest& request, const Settings& settings) {
    GanTrainConfig config = dynamic_cast<const GanTrainSettings&>(settings).config;
    apply_train_request(config, request);
    const auto r = train_gan(config, request.on_epoch);
    TrainResult result;
    // The "best" of a GAN run is its most diverse epoch (1 - mean Jaccard distance of fixed-noise samples).
    result.stages = {{"GAN", "1 - diversity", r.epochs, 1 - r.diversity}};
    result.finished = r.finished;
    return result;
}

namespace {

class GanSampler : public Sampler {
public:
    GanSampler(const std::filesystem::path& run_dir, const std::string& device) : maker_(run_dir, device) {}
    Multitrack sample(const SampleRequest& request, const Settings& settings) override {
        return maker_.generate(dynamic_cast<const GanSampleSettings&>(settings).resolve(request));
    }

private:
    GanSongMaker maker_;
};

}  // namespace

std::unique_ptr<Sampler> GanSystem::open(const std::filesystem::path& run_dir, const std::string& device) {
    return std::make_unique<GanSampler>(run_dir, device);
}

}  // namespace quintet
