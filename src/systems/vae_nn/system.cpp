#include "systems/vae_nn/system.hpp"

#include "systems/keep_option.hpp"

#include <sstream>

#include "systems/vae_nn/generator.hpp"
#include "systems/vae_nn/model.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "util/error.hpp"

namespace quintet {

VaeNnTrainSettings::VaeNnTrainSettings() {
    auto& c = config;
    table_.push_back(int_option("--latent", "latent size K (the article tried 8, 16, 32, 64)", c.latent));
    table_.push_back(int_option("--epochs", "epochs of the VAE stage", c.epochs));
    table_.push_back(int_option("--net-epochs", "epochs of the latent-net stage (default: --epochs)", c.net_epochs));
    table_.back().default_value = "";
    table_.push_back(int_option("--batch", "windows per batch", c.batch));
    table_.push_back(double_option("--lr", "Adam learning rate", c.lr));
    table_.push_back(int_option("--early-stop", "stop a stage after this many epochs without a better valid loss (0: off)",
                                c.early_stop));
    table_.push_back(text_option("--latent-nets", "direct (the original) or residual (the nets predict the change of the latent)",
                                 c.latent_nets, {"direct", "residual"}));
    table_.push_back(int_option("--kl-warmup",
                                "epochs over which the KL weight rises linearly to 1 (0: weight 1 throughout, the original)",
                                c.kl_warmup));
    table_.push_back(text_option("--likelihood", "bernoulli (BCE on the sigmoid output, default) or gaussian (the original code)",
                                 c.likelihood, {"gaussian", "bernoulli"}));
    table_.push_back(int64_option("--max-windows", "use at most this many training windows (whole songs; 0: all)", c.max_windows));
    table_.push_back(ranged(int_option("--transpose",
                                       "shift each VAE training window's pitched tracks by a random -N..N semitones, drawn "
                                       "anew every epoch (drums stay; 0: off)",
                                       c.transpose),
                            0, 24));
}

VaeNnSampleSettings::VaeNnSampleSettings() {
    auto& o = base;
    table_.push_back(int_option("--blocks", "length in 32-step blocks of 16 beats, the seed block included (instead of --bars)",
                                blocks));
    table_.back().default_value = "";
    table_.push_back(path_option("--seed-file", "the older name of --prime: seed from a .mid or .npz file", seed_file));
    table_.push_back(ranged(int_option("--seed-block", "which 32-step block of --prime opens the song", o.seed_block), 0, {}));
    table_.push_back(flag_option("--seed-from-corpus", "seed from a window of the run's training corpus (default when it exists)",
                                 seed_from_corpus));
    table_.push_back(flag_option("--seed-random", "seed from random latents", seed_random));
    table_.push_back(text_option("--seed-band",
                                 "a corpus seed from the windows where the most instruments play (full) or from any window "
                                 "with notes (any: songs get the corpus's mix of bands)",
                                 seed_band, {"full", "any"}));
    table_.push_back(text_option("--seed-pick",
                                 "which corpus seed window a seed gets: spread (consecutive seeds spread over the windows "
                                 "ordered by band, so a run of seeds gets the corpus's mix) or random",
                                 seed_pick, {"spread", "random"}));
    table_.push_back(
        ranged(double_option("--noise-sd", "sd of the Gaussian noise on the latents (the article: 0.5-1.0)", o.noise_sd), 0, {}));
    table_.push_back(text_option("--noise-at", "predicted (the original code) or input (the article's text)", noise_at,
                                 {"predicted", "input"}));
    table_.push_back(text_option(
        "--threshold", "decoded values below this are silence; auto: the run's per-instrument thresholds (best valid F1)", threshold));
    table_.push_back(text_option("--repeat",
                                 "chance that a sounding bar repeats one of the 4 before it; auto: each instrument's shares "
                                 "of such repeats in the run's corpus, by distance; 0: never",
                                 repeat));
    table_.push_back(text_option("--max-polyphony",
                                 "at most this many pitches at once per instrument (the loudest kept); auto: the corpus's "
                                 "99th percentile per instrument; 0: no cap",
                                 max_polyphony));
    table_.push_back(ranged(int_option("--revive",
                                       "an instrument silent for this many blocks after it played comes back from a corpus "
                                       "latent (0: never)",
                                       o.revive),
                            0, {}));
    table_.push_back(flag_option("--binarize", "notes at velocity 101 (strings 76), the default", binarize));
    table_.push_back(flag_option("--velocity", "decoded values as velocities", velocity));
    table_.push_back(path_list_option("--style", "reference songs (.mid/.npz) whose latents are mixed in", o.style_files));
    table_.push_back(text_option("--style-artist", "reference songs: corpus songs whose artist contains NAME", o.style_artist));
    table_.push_back(path_option("--from", "a song (.mid/.npz) to regenerate: its first block opens the song, which has its length",
                                 from));
    table_.push_back(text_option("--keep", "instruments of --from kept as they are (piano,guitar,bass,strings,drums); the others are resampled",
                                 keep));
    table_.push_back(ranged(double_option("--alpha", "style weight in [0, 1]: z' = alpha*s + (1-alpha)*z", o.alpha), 0, 1));
}

VaeNnGenerateOptions VaeNnSampleSettings::resolve(const SampleRequest& request) const {
    VaeNnGenerateOptions o = base;
    if (!request.prime.empty() && !seed_file.empty()) throw UsageError("--prime and --seed-file name the same thing: give one");
    if (binarize && velocity) throw UsageError("--binarize and --velocity exclude each other");
    if (blocks != -1 && blocks < 1) throw UsageError("--blocks must be positive, got " + std::to_string(blocks));
    if (request.bars < 1) throw UsageError("--bars must be at least 1");
    o.blocks = blocks > 0 ? blocks : blocks_for_bars(request.bars);
    o.seed = request.seed;
    o.tempo = request.tempo;
    choose_seed_source(o, (request.prime.empty() ? seed_file : request.prime).string(), seed_from_corpus, seed_random);
    o.binarize = !velocity;
    o.noise_at = parse_noise_at(noise_at);
    o.threshold = parse_threshold(threshold);
    o.repeat = parse_share_or_auto("--repeat", repeat);
    o.seed_full_band = seed_band == "full";
    o.seed_spread = seed_pick == "spread";
    o.max_polyphony = parse_polyphony_or_auto(max_polyphony);
    const std::vector<int> kept_families = parse_keep(keep, from);
    if (!from.empty()) {
        if (!request.prime.empty() || !seed_file.empty() || seed_from_corpus || seed_random)
            throw UsageError("--from opens the song with its own first block: give no --prime, --seed-file or seed choice");
        if (blocks != -1) throw UsageError("--from gives the song's length: give no --blocks");
        o.from = from;
        o.seed_source = SeedSource::File;
        o.seed_file = from;
        o.seed_block = 0;
        for (int family : kept_families)  // LPD-5 family -> VAE-NN order
            for (int i = 0; i < kVaeInstruments; ++i)
                if (kVaeInstrumentFamily[std::size_t(i)] == family) o.keep.push_back(i);
    }
    return o;
}

TrainResult VaeNnSystem::train(const TrainRequest& request, const Settings& settings) {
    VaeNnTrainConfig config = dynamic_cast<const VaeNnTrainSettings&>(settings).config;
    apply_train_request(config, request);
    const auto r = train_vae_nn(config, request.on_epoch);
    TrainResult result;
    result.stages = {{"VAE stage", "-ELBO", r.vae_epochs, r.best_vae_valid},
                     {"latent-net stage", "MSE", r.net_epochs, r.best_net_valid}};
    result.finished = r.finished;
    return result;
}

namespace {

class VaeNnSampler : public Sampler {
public:
    VaeNnSampler(const std::filesystem::path& run_dir, const std::string& device) : generator_(run_dir, device) {}
    Multitrack sample(const SampleRequest& request, const Settings& settings) override {
        return generator_.generate(dynamic_cast<const VaeNnSampleSettings&>(settings).resolve(request));
    }

private:
    VaeNnGenerator generator_;
};

}  // namespace

std::unique_ptr<Sampler> VaeNnSystem::open(const std::filesystem::path& run_dir, const std::string& device) {
    return std::make_unique<VaeNnSampler>(run_dir, device);
}

}  // namespace quintet
