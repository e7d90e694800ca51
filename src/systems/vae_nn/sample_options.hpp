#pragma once
// Settings of VAE-NN generation (no torch here: the CLI includes it). SEED-SPEC sections 9-10.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace quintet {

// Where the first block (the seed, itself the first block of the output) comes from.
enum class SeedSource {
    Auto,    // the run's corpus if it can still be opened, else Random
    File,    // seed_file (.mid/.midi or .npz), block seed_block
    Corpus,  // a window of a random train song of the run's corpus
    Random,  // each VAE decodes a latent drawn from N(0, I)
};
// Where the Gaussian noise goes: the original code adds it to the predicted next latents (default);
// the article describes adding it to the encoded latents.
enum class NoiseAt { Predicted, Input };

struct VaeNnGenerateOptions {
    int blocks = 16;                 // 32-step blocks in the output, the seed block included
    SeedSource seed_source = SeedSource::Auto;
    std::filesystem::path seed_file;
    int seed_block = 0;              // which 32-step block of seed_file
    // A corpus seed: among the windows where the most instruments play (true: a full band), or among all
    // windows with notes (false, the default: songs get the corpus's mix of bands; docs/RESULTS.md, issue 13).
    bool seed_full_band = false;
    // Which of those windows: spread consecutive seeds over them ordered by band, so that any run of seeds gets the
    // corpus's mix of bands (true, the default: docs/RESULTS.md, issue 13), or one drawn at random.
    bool seed_spread = true;
    double noise_sd = 0.5;           // the low end of the article's 0.5-1.0: more silences the song (docs/RESULTS.md)
    NoiseAt noise_at = NoiseAt::Predicted;
    // Decoded values below the threshold are silence. Unset: the run's per-instrument thresholds, calibrated
    // when its VAEs were trained (model.json; 0.3, the original's, for runs without them).
    std::optional<double> threshold;
    bool binarize = true;            // notes at 0.8 * 127 (else the decoded value as velocity)
    // The corpus rules (model.json's prior, song_prior.hpp; none for runs trained before it). Unset: the run's
    // per-instrument chances that a sounding bar repeats one of the 4 before it, by distance; a value: the chance
    // that a sounding bar (with sounding bars before it) repeats one of them, for every instrument; 0 off.
    std::optional<double> repeat;
    // At most this many pitches at once per instrument: -1 the run's (the corpus's 99th percentile), 0 no cap.
    int max_polyphony = -1;
    // An instrument that has played and then stays silent for this many blocks comes back: its latent is that of
    // a random corpus window where it plays. 0: never. 4 (16 bars) measured best (docs/RESULTS.md, issue 13).
    int revive = 4;
    double tempo = 120;              // bpm written to the MIDI
    std::uint64_t seed = 1;          // every random draw; the same seed gives the same song
    std::vector<std::filesystem::path> style_files;  // reference songs (.mid/.npz) for style mixing
    std::string style_artist;        // reference songs: corpus songs whose artist contains this
    double alpha = 0.5;              // z' = alpha * s + (1 - alpha) * z, per instrument
    // Regenerating a song (--from): its first block is the seed and its length the song's; the instruments
    // in `keep` (VAE-NN order indices) are its own in every block, and the others are resampled from the
    // latents of each block as generated, with this seed's noise.
    std::filesystem::path from;
    std::vector<int> keep;
};

// "--repeat" (or another share) text: "auto" (unset) or a number in [0, 1]; UsageError naming `option` otherwise.
inline std::optional<double> parse_share_or_auto(const std::string& option, const std::string& text) {
    if (text == "auto") return std::nullopt;
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || !(v >= 0 && v <= 1))
        throw UsageError(option + " '" + text + "': expected auto or a number in [0, 1]");
    return v;
}

// "--threshold" text: "auto" (unset) or a number in [0, 1]; UsageError otherwise.
inline std::optional<double> parse_threshold(const std::string& text) { return parse_share_or_auto("--threshold", text); }

// "--max-polyphony" text: "auto" (-1) or a whole number in 0..128; UsageError otherwise.
inline int parse_polyphony_or_auto(const std::string& text) {
    if (text == "auto") return -1;
    std::size_t used = 0;
    int v = -1;
    try {
        v = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || text.empty() || v < 0 || v > 128)
        throw UsageError("--max-polyphony '" + text + "': expected auto or a whole number in 0..128");
    return v;
}

// "--noise-at" text: "predicted" or "input"; UsageError otherwise.
inline NoiseAt parse_noise_at(const std::string& text) {
    if (text == "predicted") return NoiseAt::Predicted;
    if (text == "input") return NoiseAt::Input;
    throw UsageError("--noise-at '" + text + "': expected predicted or input");
}

// --seed-file / --seed-from-corpus / --seed-random, as both command lines take them: at most one
// (UsageError otherwise); none leaves o.seed_source as it is (Auto by default).
inline void choose_seed_source(VaeNnGenerateOptions& o, const std::string& seed_file, bool from_corpus, bool random) {
    if (int(!seed_file.empty()) + int(from_corpus) + int(random) > 1)
        throw UsageError("choose one of --seed-file, --seed-from-corpus, --seed-random");
    if (!seed_file.empty()) {
        o.seed_source = SeedSource::File;
        o.seed_file = seed_file;
    } else if (from_corpus) {
        o.seed_source = SeedSource::Corpus;
    } else if (random) {
        o.seed_source = SeedSource::Random;
    }
}

}  // namespace quintet
