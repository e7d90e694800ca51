#include "systems/cnn/system.hpp"

#include "systems/cnn/trainer.hpp"
#include "systems/keep_option.hpp"
#include "util/error.hpp"

namespace quintet {

CnnTrainSettings::CnnTrainSettings() {
    auto& c = config;
    table_.push_back(int_option("--epochs", "training epochs (the five nets together)", c.epochs));
    table_.push_back(int_option("--batch", "window pairs per batch", c.batch));
    table_.push_back(double_option("--lr", "Adam learning rate", c.lr));
    table_.push_back(int_option("--early-stop", "stop after this many epochs without a better valid loss (0: off)", c.early_stop));
    table_.push_back(text_option("--harmony-encoders",
                                 "shared (the original code: one encoder for both inputs) or separate (the article: one per input)",
                                 c.harmony_encoders, {"shared", "separate"}));
    table_.push_back(text_option("--loss", "bce (BCE on the sigmoid output, default) or mse (the original's ReLU output)", c.loss,
                                 {"bce", "mse"}));
    table_.push_back(int64_option("--max-windows", "use at most this many training windows (whole songs; 0: all)", c.max_windows));
}

CnnSampleSettings::CnnSampleSettings() {
    auto& o = base;
    table_.push_back(int_option("--blocks", "length in 32-step blocks of 16 beats, the seed block included (instead of --bars)",
                                blocks));
    table_.back().default_value = "";
    table_.push_back(int_option("--seed-block", "which 32-step block of --prime opens the song", o.prime_block));
    table_.push_back(flag_option("--seed-from-corpus", "seed from a window of the run's training corpus (default when it exists)",
                                 seed_from_corpus));
    table_.push_back(flag_option("--seed-random", "seed from random notes at the training windows' note density", seed_random));
    table_.push_back(text_option(
        "--threshold", "outputs below this are silence; auto: the run's per-instrument thresholds (best valid F1)", threshold));
    table_.push_back(double_option("--sample-dropout",
                                   "Monte-Carlo dropout: the encoders drop activations with this probability at generation "
                                   "(0: deterministic, as the original; songs from one seed block then vary)",
                                   o.sample_dropout));
    table_.push_back(path_option("--from", "a song (.mid/.npz) to regenerate: its first block opens the song, which has its length",
                                 o.from));
    table_.push_back(text_option("--keep", "instruments of --from kept as they are (piano,guitar,bass,strings,drums); the nets "
                                           "make the others block by block given them (a kept piano leads the harmony nets)",
                                 keep));
}

CnnGenerateOptions CnnSampleSettings::resolve(const SampleRequest& request) const {
    CnnGenerateOptions o = base;
    if (blocks != -1 && blocks < 1) throw UsageError("--blocks must be positive, got " + std::to_string(blocks));
    if (request.bars < 1) throw UsageError("--bars must be at least 1");
    o.blocks = blocks > 0 ? blocks : (request.bars + 3) / 4;  // 4/4 bars -> 16-beat blocks, rounded up
    o.seed = request.seed;
    o.tempo = request.tempo;
    if (int(!request.prime.empty()) + int(seed_from_corpus) + int(seed_random) > 1)
        throw UsageError("choose one of --prime, --seed-from-corpus, --seed-random");
    if (!request.prime.empty()) {
        o.seed_source = CnnSeedSource::File;
        o.prime = request.prime;
    } else if (seed_from_corpus) {
        o.seed_source = CnnSeedSource::Corpus;
    } else if (seed_random) {
        o.seed_source = CnnSeedSource::Random;
    }
    if (threshold == "auto") {
        o.threshold.reset();
    } else {
        const double v = parse_number("--threshold", threshold);
        if (!(v >= 0 && v <= 1)) throw UsageError("--threshold '" + threshold + "': expected auto or a number in [0, 1]");
        o.threshold = v;
    }
    if (!(o.sample_dropout >= 0 && o.sample_dropout < 1))
        throw UsageError("--sample-dropout must be in [0, 1), got " + std::to_string(o.sample_dropout));
    o.keep = parse_keep(keep, o.from);
    if (!o.from.empty()) {
        if (!request.prime.empty() || seed_from_corpus || seed_random)
            throw UsageError("--from opens the song with its own first block: give no --prime or seed choice");
        if (blocks != -1) throw UsageError("--from gives the song's length: give no --blocks");
    }
    return o;
}

TrainResult CnnSystem::train(const TrainRequest& request, const Settings& settings) {
    CnnTrainConfig config = dynamic_cast<const CnnTrainSettings&>(settings).config;
    apply_train_request(config, request);
    const auto r = train_cnn(config, request.on_epoch);
    TrainResult result;
    result.stages = {{"MelodyCNN + HarmonyCNNs", config.loss == "bce" ? "BCE" : "MSE", r.epochs, r.best_valid}};
    result.finished = r.finished;
    return result;
}

std::unique_ptr<Sampler> CnnSystem::open(const std::filesystem::path& run_dir, const std::string& device) {
    return open_cnn_sampler(run_dir, device);
}

}  // namespace quintet
