#pragma once
// Settings of the DCGAN (SEED-SPEC section 11): the block shape, the training switches and the sampling
// choices. No torch here: the CLI includes it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace quintet {

// The block G makes and D judges: channels are the five LPD-5 families (Drums, Piano, Guitar, Bass, Strings).
struct GanShape {
    int resolution = 4;    // steps per beat
    int steps = 64;        // steps per block; a multiple of 32 (five halvings in D, one first layer in G)
    int lowest_pitch = 24; // MIDI pitch of column 0
    int pitches = 72;      // columns

    int bars() const { return steps / (resolution * 4); }  // 4/4 bars per block
    void validate() const;                                  // UsageError when G and D cannot be built for it
};

// "original": the original code's 5 x 64 x 72 (16th notes, MIDI 24-95, 4 bars); "article": the article's
// 5 x 32 x 128 (8th notes, all pitches, 4 bars). UsageError for another name.
GanShape gan_shape_preset(const std::string& name);

// The three stabilisers the article names, each a switch (SEED-SPEC 11.4: the original computed the first
// two and never used them; it applied TTUR).
struct GanStabilisers {
    bool label_smoothing = false;   // D's targets: real in [0.9, 1], fake in [0, 0.1]
    bool feature_matching = false;  // G's loss += MSE of per-feature batch means (inputs and D's first conv)
    bool ttur = false;              // D lr 6e-4, G lr 3e-4, Adam betas (0, 0.99)
};

// "all", "none" or a comma list of label-smoothing, feature-matching, ttur. UsageError otherwise.
GanStabilisers parse_stabilisers(const std::string& text);
std::string stabilisers_text(const GanStabilisers& s);  // "label-smoothing,ttur", "none"

enum class GanLoss { Bce, WganGp };
GanLoss parse_gan_loss(const std::string& text);  // "bce" | "wgan-gp"

struct GanTrainConfig {
    std::filesystem::path corpus;   // a store, best built at --resolution 4 (others are resampled)
    std::filesystem::path run_dir;
    std::string shape = "original"; // gan_shape_preset
    bool shared_norm = false;       // one BatchNorm and one PReLU reused by every layer, as the original code
    std::string loss = "bce";       // bce (the original) or wgan-gp (MuseGAN's cure)
    std::string stabilisers = "auto";  // auto: all three with bce, none with wgan-gp
    std::string d_batch = "joint";  // joint: D judges real + fake as one batch; separate: two, as the original
    int epochs = 20;
    int batch = 64;                 // the original's
    int noise_dim = 100;
    int critic_steps = -1;          // D steps per G step; -1: 1 with bce, 5 with wgan-gp
    double gp_weight = 10;          // wgan-gp's gradient-penalty weight
    double lr_d = 0, lr_g = 0;      // 0: by the loss and stabilisers (see gan_optimiser_settings)
    int sample_every = 5;           // a PNG of 8 fixed-noise samples every N epochs (0: never)
    std::int64_t max_windows = 0;   // cap on training windows (whole songs); 0 = all
    std::string device = "cpu";
    std::uint64_t seed = 1;
    bool resume = false;
    bool quiet = false;
};

// What Adam gets for D and G: learning rates and betas.
struct GanOptimiserSettings {
    double lr_d = 0, lr_g = 0, beta1 = 0, beta2 = 0;
};
// wgan-gp: 1e-4, (0.5, 0.9) (MuseGAN / Gulrajani et al.); ttur: 6e-4 / 3e-4, (0, 0.99) (the original code);
// otherwise the DCGAN paper's 2e-4, (0.5, 0.999). --lr-d / --lr-g replace the rates.
GanOptimiserSettings gan_optimiser_settings(const GanTrainConfig& c, const GanStabilisers& s, GanLoss loss);

inline constexpr double kGanOriginalThreshold = 0.7;  // the original code's (SEED-SPEC 11.5)
// "--threshold" text: "auto" (unset) or a number in [0, 1]; UsageError otherwise.
std::optional<double> parse_gan_threshold(const std::string& text);

// How a block of G's probabilities becomes notes.
struct GanGenerateOptions {
    int bars = 16;                   // at least this many bars; whole samples of shape.bars() each
    std::uint64_t seed = 1;
    double tempo = 120;
    std::string draw = "threshold";  // threshold (cells >= threshold) or bernoulli (one draw per cell)
    // Unset ("auto"): the run's per-channel thresholds calibrated to the corpus's note density
    // (thresholds.json, calibration.hpp), or the original's 0.7 for a run without them.
    std::optional<double> threshold;
    std::filesystem::path prime;     // a .mid/.npz whose first prime_bars bars open the song
    int prime_bars = 4;
    // Regenerate a song (inpainting by latent search): the instruments in `keep` (LPD-5 families) are the
    // song's; each block's noise z is moved by search_steps steps of gradient descent so that G(z)'s kept
    // channels match the song's, and G(z)'s other channels are the new instruments. The song's length.
    std::filesystem::path from;
    std::vector<int> keep;
    int search_steps = 300;
};

}  // namespace quintet
