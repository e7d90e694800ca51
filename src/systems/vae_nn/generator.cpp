#include "systems/vae_nn/generator.hpp"

#include "systems/vae_nn/bar_articulation.hpp"
#include "systems/keep_option.hpp"

#include <cstring>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <string>

#include "corpus/song_loader.hpp"
#include "io/midi/midi.hpp"
#include "corpus/store.hpp"
#include "systems/vae_nn/fast_load.hpp"
#include "nn/runtime.hpp"
#include "roll/operations.hpp"
#include "systems/vae_nn/run_model.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "nn/batches.hpp"
#include "nn/rolls_to_song.hpp"
#include "represent/windows.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

// The revival draws come from their own generator, so turning it on or off leaves the other draws alone.
constexpr std::uint64_t kReviveStream = 0x5eed0f5eedULL;

void validate(const VaeNnGenerateOptions& o) {
    if (o.blocks <= 0) throw UsageError("--blocks must be positive, got " + std::to_string(o.blocks));
    if (!(o.alpha >= 0 && o.alpha <= 1)) throw UsageError("--alpha must be in [0, 1], got " + std::to_string(o.alpha));
    if (!(o.noise_sd >= 0)) throw UsageError("--noise-sd must be >= 0");
    if (o.threshold && !(*o.threshold >= 0 && *o.threshold <= 1)) throw UsageError("--threshold must be in [0, 1] (or auto)");
    if (!(o.tempo > 0 && o.tempo <= 1000)) throw UsageError("--tempo must be in (0, 1000] bpm");
    if (o.seed_block < 0) throw UsageError("--seed-block must be >= 0");
    if (o.seed_source == SeedSource::File && o.seed_file.empty()) throw UsageError("--seed-file needs a file");
    if (o.repeat && !(*o.repeat >= 0 && *o.repeat <= 1)) throw UsageError("--repeat must be in [0, 1] (or auto)");
    if (o.max_polyphony < -1 || o.max_polyphony > 128) throw UsageError("--max-polyphony must be in 0..128 (or auto)");
    if (o.revive < 0) throw UsageError("--revive must be >= 0 blocks");
}

// --repeat P: a sounding bar repeats with chance P, asked of the nearest sounding bar first (chance p at each of
// the four lags with 1 - (1 - p)^4 = P).
std::array<double, 4> spread_over_lags(double P) {
    const double p = 1 - std::pow(1 - P, 0.25);
    return {p, p, p, p};
}

// The blocks of a [5, 32, 128] CPU float tensor, as block_rules.hpp takes them.
std::array<float*, kVaeInstruments> block_pointers(torch::Tensor& blocks) {
    std::array<float*, kVaeInstruments> out;
    for (int i = 0; i < kVaeInstruments; ++i) out[std::size_t(i)] = blocks[i].data_ptr<float>();
    return out;
}

// Decoded block [5, 32, 128] -> the block as the song keeps it and feeds back (SEED-SPEC 9.1), on the device.
torch::Tensor shape_block(const torch::Tensor& block, const BlockRules& rules) {
    auto cpu = block.to(torch::kCPU, torch::kFloat).contiguous().clone();
    shape_blocks(block_pointers(cpu).data(), rules);
    return cpu.to(block.device());
}


torch::Tensor multitrack_list_windows(const std::vector<Multitrack>& songs) {
    return window_tensor(song_list_windows(songs, vae_window_spec())).clone();
}

bool has_notes(const Multitrack& mt) {
    return std::any_of(mt.tracks.begin(), mt.tracks.end(), [](const Track& t) { return !t.empty(); });
}

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

bool StyleLibrary::empty() const {
    return std::all_of(latents.begin(), latents.end(), [](const torch::Tensor& t) { return !t.defined() || t.size(0) == 0; });
}

torch::Tensor mix_style(const torch::Tensor& z, const StyleLibrary& library, double alpha, std::mt19937_64& rng) {
    auto out = z.clone();
    for (int i = 0; i < kVaeInstruments && i < static_cast<int>(library.latents.size()); ++i) {
        const auto& lib = library.latents[i];
        if (!lib.defined() || lib.size(0) == 0) continue;
        auto pick = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(lib.size(0)));
        // Each instrument mixes with its own reference latent (the original overwrote the piano latent
        // five times, so only the drums' mix reached the melody net: SEED-SPEC 10.2).
        out.select(1, i).copy_(alpha * lib[pick].to(z.device()) + (1 - alpha) * z.select(1, i));
    }
    return out;
}

VaeNnGenerator::VaeNnGenerator(const fs::path& run_dir, const std::string& device)
    : run_dir_(run_dir), device_(parse_device(device)) {
    configure_torch_threads();
    auto info = read_run_info(run_dir);
    corpus_ = info.corpus;
    if (device_.is_cpu())
        fast_ = std::make_unique<VaeNnInference>(load_run_inference(run_dir));
    else
        model_ = load_run_model(run_dir, device_);
    calibrated_ = info.thresholds;
    prior_ = info.prior;
}

VaeNnModel& VaeNnGenerator::model() {
    if (model_.is_empty()) model_ = load_run_model(run_dir_, device_);
    return model_;
}

int VaeNnGenerator::latent() const { return fast_ ? fast_->latent() : model_->latent(); }

std::array<double, kVaeInstruments> VaeNnGenerator::thresholds(const VaeNnGenerateOptions& o) const {
    std::array<double, kVaeInstruments> t;
    t.fill(o.threshold.value_or(kUncalibratedThreshold));
    if (!o.threshold && calibrated_) t = *calibrated_;
    return t;
}

BlockRules VaeNnGenerator::block_rules(const VaeNnGenerateOptions& o) const {
    BlockRules r;
    const auto t = thresholds(o);
    for (std::size_t i = 0; i < r.threshold.size(); ++i) {
        r.threshold[i] = float(t[i]);  // compared in float, as the decoded values are
        if (prior_) {
            r.silent[i] = !prior_->plays[i];
            r.repeat[i] = prior_->repeat[i];
            if (o.repeat) r.repeat[i] = spread_over_lags(*o.repeat);
            r.polyphony[i] = o.max_polyphony < 0 ? prior_->polyphony[i] : o.max_polyphony;
        } else {
            r.repeat[i] = spread_over_lags(o.repeat.value_or(0.0));
            r.polyphony[i] = std::max(o.max_polyphony, 0);
        }
    }
    r.binarize = o.binarize;
    return r;
}

CorpusStore* VaeNnGenerator::corpus_store() {
    if (!corpus_store_ && fs::exists(corpus_)) corpus_store_ = std::make_unique<CorpusStore>(CorpusStore::open(corpus_));
    return corpus_store_.get();
}

torch::Tensor VaeNnGenerator::revival_latent(int instrument, std::mt19937_64& rng) {
    CorpusStore* store = corpus_store();
    if (!store) return {};
    const auto ids = store->songs_in(Split::Train);
    // A random train window where the instrument plays: random songs until one has such a window.
    constexpr int kTries = 32;
    for (int tries = 0; tries < kTries && !ids.empty(); ++tries) {
        auto windows = vae_windows(store->load(ids[rng() % ids.size()]));
        std::vector<std::int64_t> playing;
        for (std::int64_t w = 0; w < windows.size(0); ++w)
            if (windows[w][instrument].max().item<int>() > 0) playing.push_back(w);
        if (playing.empty()) continue;
        auto x = to_unit_float(windows[playing[rng() % playing.size()]][instrument], torch::kCPU).contiguous();
        if (fast_path()) {
            auto z = torch::empty({latent()});
            fast_->encode_mean(instrument, x.data_ptr<float>(), z.data_ptr<float>());
            return z;
        }
        return model()->vae(instrument)->means(x.unsqueeze(0).to(device_))[0].cpu();
    }
    return {};
}

void VaeNnGenerator::revive_silent(torch::Tensor& z, SilenceWatch& watch, std::mt19937_64& rng) {
    for (int i = 0; i < kVaeInstruments; ++i) {
        if (!watch.due(i)) continue;
        watch.revived(i);
        auto latent = revival_latent(i, rng);
        if (latent.defined()) z.select(1, i).copy_(latent.to(z.device()).view({1, -1}));
    }
}

torch::Tensor VaeNnGenerator::seed_window(const VaeNnGenerateOptions& o, std::mt19937_64& rng, torch::Generator& gen) {
    SeedSource source = o.seed_source;
    if (source == SeedSource::Auto) source = fs::exists(corpus_) ? SeedSource::Corpus : SeedSource::Random;
    if (source == SeedSource::File) {
        Multitrack song = load_song_file(o.seed_file);
        if (!has_notes(song)) throw UsageError(o.seed_file.string() + ": the seed file has no notes");
        auto windows = vae_windows(song);
        if (o.seed_block >= windows.size(0))
            throw UsageError(o.seed_file.string() + ": --seed-block " + std::to_string(o.seed_block) + " but the song has " +
                             std::to_string(windows.size(0)) + " blocks of 32 steps (16 beats)");
        return to_unit_float(windows[o.seed_block], device_);
    }
    if (source == SeedSource::Corpus) {
        CorpusStore* opened = corpus_store();
        if (!opened) throw UsageError(corpus_.string() + ": the run's corpus is gone; use --seed-file or --seed-random");
        CorpusStore& store = *opened;
        // A window, drawn at random, among the train split's windows where the most instruments play: an
        // instrument silent in the seed tends to stay silent (an empty block encodes to the latent of silence,
        // which the nets learned to continue), so a full band in the seed gives a full band in the song.
        // Songs are visited in random order, and a large corpus is not read whole: the search stops once
        // kEnoughSongs songs have been seen and some window has all five instruments.
        constexpr std::size_t kEnoughSongs = 64;
        auto ids = store.songs_in(Split::Train);
        std::shuffle(ids.begin(), ids.end(), rng);
        std::int64_t best = 0;
        std::size_t seen = 0;
        struct Candidate {
            int band;  // which instruments play, piano as the highest bit
            std::size_t song;
            std::int64_t window;
        };
        std::vector<Candidate> candidates;
        for (auto id : ids) {
            if (seen++ >= kEnoughSongs && best == (o.seed_full_band ? kVaeInstruments : 1)) break;
            auto windows = vae_windows(store.load(id));
            if (windows.size(0) == 0) continue;
            auto sounding = windows.flatten(2).gt(0).any(2).contiguous();  // [n, 5] instruments with notes
            const auto* on = sounding.data_ptr<bool>();
            for (std::int64_t w = 0; w < sounding.size(0); ++w) {
                int band = 0, count = 0;
                for (int i = 0; i < kVaeInstruments; ++i) {
                    band = band * 2 + on[w * kVaeInstruments + i];
                    count += on[w * kVaeInstruments + i];
                }
                const std::int64_t rank = o.seed_full_band ? count : std::min(count, 1);  // any window with notes
                if (rank > best) {
                    best = rank;
                    candidates.clear();
                }
                if (rank == best && best > 0) candidates.push_back({band, id, w});
            }
        }
        if (candidates.empty()) throw UsageError(corpus_.string() + ": no train song with notes to seed from");
        // Consecutive seeds spread over the candidates ordered by band (a golden-ratio sequence of the seed), so
        // any run of seeds gets the corpus's mix of bands: 10 songs drawn at random often had one piano where the
        // corpus has three or four (docs/RESULTS.md, issue 13). The draw is still made: later draws stay as they were.
        std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) { return a.band < b.band; });
        const std::uint64_t drawn = rng();
        const double golden = 0.6180339887498949;
        const double spread = std::fmod(double(o.seed % 1000003) * golden, 1.0);
        const std::size_t pick = o.seed_spread ? std::min(candidates.size() - 1, std::size_t(spread * double(candidates.size())))
                                               : std::size_t(drawn % candidates.size());
        return to_unit_float(vae_windows(store.load(candidates[pick].song))[candidates[pick].window], device_);
    }
    // Random: every VAE decodes a standard-normal latent.
    auto z = torch::randn({kVaeInstruments, latent()}, gen).to(device_);
    if (fast_path()) return shape_block(fast_->reconstruct(z), block_rules(o));
    std::vector<torch::Tensor> parts;
    for (int i = 0; i < kVaeInstruments; ++i) parts.push_back(model()->vae(i)->reconstruct(z[i].unsqueeze(0))[0]);
    return shape_block(torch::stack(parts), block_rules(o));
}

std::vector<Multitrack> VaeNnGenerator::style_songs(const VaeNnGenerateOptions& o) {
    std::vector<Multitrack> songs;
    for (const auto& f : o.style_files) songs.push_back(load_song_file(f));
    if (!o.style_artist.empty()) {
        CorpusStore* opened = corpus_store();
        if (!opened) throw UsageError(corpus_.string() + ": the run's corpus is gone; --style-artist needs it");
        const CorpusStore& store = *opened;
        std::string want = lower(o.style_artist);
        std::size_t found = 0;
        for (std::size_t i = 0; i < store.size(); ++i)
            if (lower(store.song(i).artist).find(want) != std::string::npos) {
                songs.push_back(store.load(i));
                ++found;
            }
        if (found == 0) throw UsageError("--style-artist '" + o.style_artist + "': no song of that artist in " + corpus_.string());
    }
    return songs;
}

StyleLibrary VaeNnGenerator::style_library(const std::vector<Multitrack>& songs) {
    torch::NoGradGuard no_grad;
    StyleLibrary lib;
    lib.latents.resize(kVaeInstruments);
    if (songs.empty()) return lib;
    auto windows = multitrack_list_windows(songs);  // [N, 5, 32, 128] uint8
    for (int i = 0; i < kVaeInstruments; ++i) {
        // Non-empty windows only, each distinct window once (the article's "set of unique sequences").
        std::set<std::string> seen;
        std::vector<std::int64_t> keep;
        for (std::int64_t w = 0; w < windows.size(0); ++w) {
            auto cell = windows[w][i].contiguous();
            if (cell.max().item<int>() == 0) continue;
            std::string bytes(reinterpret_cast<const char*>(cell.data_ptr<std::uint8_t>()), std::size_t(cell.numel()));
            if (seen.insert(std::move(bytes)).second) keep.push_back(w);
        }
        if (keep.empty()) continue;
        auto x = to_unit_float(windows.index_select(0, torch::tensor(keep)).select(1, i), device_).contiguous();
        if (fast_path()) {
            auto means = torch::empty({x.size(0), latent()});
            for (std::int64_t w = 0; w < x.size(0); ++w)
                fast_->encode_mean(i, x[w].data_ptr<float>(), means[w].data_ptr<float>());
            lib.latents[i] = means;
        } else {
            lib.latents[i] = model()->vae(i)->means(x).cpu();
        }
    }
    return lib;
}

torch::Tensor VaeNnGenerator::generate_rolls(const torch::Tensor& seed, const VaeNnGenerateOptions& o,
                                             const StyleLibrary& style, std::mt19937_64& rng, torch::Generator& gen,
                                             BarRepeats* repeats) {
    torch::NoGradGuard no_grad;
    if (fast_path()) return generate_rolls_fast(seed, o, style, rng, gen, repeats);
    model()->eval();
    const int K = latent();
    auto song = torch::zeros({kVaeInstruments, std::int64_t(kWindowSteps) * o.blocks, kPitches});
    // The seed is the first block; binarised like the rest when notes are binarised (SEED-SPEC 9.4).
    auto first = seed.cpu();
    if (o.binarize) {
        first = first.gt(0).to(torch::kFloat) * kNoteValue;
        first.select(0, kStringsIndex).mul_(kStringsFactor);
    }
    song.narrow(1, 0, kWindowSteps).copy_(first);
    auto current = seed.to(device_);
    const BlockRules rules = block_rules(o);
    BarRepeats local_repeats;
    BarRepeats& log = repeats ? *repeats : local_repeats;
    log.begin_block();  // the seed block's bars
    SilenceWatch watch(o.revive);
    std::mt19937_64 revive_rng(o.seed ^ kReviveStream);
    {
        auto seen = first.contiguous();
        watch.see(block_pointers(seen).data());
    }
    for (int b = 1; b < o.blocks; ++b) {
        auto z = model_->encode_means(current.unsqueeze(0));  // [1, 5, K]
        if (!style.empty()) z = mix_style(z, style, o.alpha, rng);
        revive_silent(z, watch, revive_rng);
        torch::Tensor noise;
        if (o.noise_sd > 0) noise = (torch::randn({1, kVaeInstruments, K}, gen) * o.noise_sd).to(device_);
        if (o.noise_at == NoiseAt::Input && noise.defined()) {
            z = z + noise;
            noise = torch::Tensor();
        }
        auto next = model_->predict_next(z, noise);
        std::vector<torch::Tensor> parts;
        for (int i = 0; i < kVaeInstruments; ++i) parts.push_back(model_->vae(i)->reconstruct(next.select(1, i))[0]);
        auto block = torch::stack(parts).to(torch::kCPU, torch::kFloat).contiguous();
        auto blocks = block_pointers(block);
        shape_blocks(blocks.data(), rules);
        if (rules.repeats()) {
            auto previous = song.narrow(1, std::int64_t(b - 1) * kWindowSteps, kWindowSteps).contiguous();
            auto before = block_pointers(previous);
            repeat_bars(blocks.data(), before.data(), rules, rng, log);
            for (int i : kept_) log.forget_block(i);
        }
        for (int i : kept_) block[i].copy_(kept_blocks_[b][i]);  // --keep: the song's own block, fed back too
        watch.see(blocks.data());
        song.narrow(1, std::int64_t(b) * kWindowSteps, kWindowSteps).copy_(block);
        current = block.to(device_);
    }
    return song;
}

// The same loop on VaeNnInference: every block is decoded, shaped and encoded in place inside the song
// tensor; the random draws (noise, style picks) are the module loop's, in the same order.
torch::Tensor VaeNnGenerator::generate_rolls_fast(const torch::Tensor& seed, const VaeNnGenerateOptions& o,
                                                  const StyleLibrary& style, std::mt19937_64& rng, torch::Generator& gen,
                                                  BarRepeats* repeats) {
    const int K = latent();
    const std::int64_t steps = std::int64_t(kWindowSteps) * o.blocks;
    auto song = torch::zeros({kVaeInstruments, steps, kPitches});
    auto first = seed.to(torch::kCPU, torch::kFloat);
    if (o.binarize) {
        first = first.gt(0).to(torch::kFloat) * kNoteValue;
        first.select(0, kStringsIndex).mul_(kStringsFactor);
    }
    song.narrow(1, 0, kWindowSteps).copy_(first);
    // The first block is fed back as given (the module loop encodes the seed itself), later ones as shaped.
    auto fed_seed = seed.to(torch::kCPU, torch::kFloat).contiguous();
    auto block_at = [&](int i, int b) { return song.data_ptr<float>() + (i * steps + std::int64_t(b) * kWindowSteps) * kPitches; };
    const BlockRules rules = block_rules(o);
    // Decoded values below an instrument's threshold are silenced by shape_blocks whatever they are: the decoder
    // leaves them 0 and takes the sigmoid only of the others (the same blocks after shaping).
    std::array<std::optional<float>, kVaeInstruments> cuts;
    for (int i = 0; i < kVaeInstruments; ++i) cuts[std::size_t(i)] = fast_->logit_cut(rules.threshold[std::size_t(i)]);
    BarRepeats local_repeats;
    BarRepeats& log = repeats ? *repeats : local_repeats;
    log.begin_block();  // the seed block's bars
    SilenceWatch watch(o.revive);
    std::mt19937_64 revive_rng(o.seed ^ kReviveStream);
    {
        float* seeded[kVaeInstruments];
        for (int i = 0; i < kVaeInstruments; ++i) seeded[i] = block_at(i, 0);
        watch.see(seeded);
    }
    auto z = torch::empty({1, kVaeInstruments, K}), next = torch::empty({1, kVaeInstruments, K});
    for (int b = 1; b < o.blocks; ++b) {
        // The five instruments are independent: one per thread when there are several (same values).
        at::parallel_for(0, kVaeInstruments, 1, [&](std::int64_t from, std::int64_t to) {
            for (auto i = int(from); i < int(to); ++i) {
                const float* current = b == 1 ? fed_seed[i].data_ptr<float>() : block_at(i, b - 1);
                fast_->encode_mean(i, current, z.data_ptr<float>() + i * K);
            }
        });
        torch::Tensor latents = style.empty() ? z : mix_style(z, style, o.alpha, rng).contiguous();
        revive_silent(latents, watch, revive_rng);
        torch::Tensor noise;
        if (o.noise_sd > 0) noise = (torch::randn({1, kVaeInstruments, K}, gen) * o.noise_sd).contiguous();
        if (o.noise_at == NoiseAt::Input && noise.defined()) {
            latents = (latents + noise).contiguous();
            noise = torch::Tensor();
        }
        fast_->predict_next(latents.data_ptr<float>(), noise.defined() ? noise.data_ptr<float>() : nullptr,
                            next.data_ptr<float>());
        float* blocks[kVaeInstruments];
        const float* before[kVaeInstruments];
        for (int i = 0; i < kVaeInstruments; ++i) {
            blocks[i] = block_at(i, b);
            before[i] = block_at(i, b - 1);
        }
        at::parallel_for(0, kVaeInstruments, 1, [&](std::int64_t from, std::int64_t to) {
            for (auto i = int(from); i < int(to); ++i) fast_->reconstruct_above(i, next.data_ptr<float>() + i * K, cuts[std::size_t(i)], blocks[i]);
        });
        shape_blocks(blocks, rules);
        if (rules.repeats()) {
            repeat_bars(blocks, before, rules, rng, log);
            for (int i : kept_) log.forget_block(i);
        }
        for (int i : kept_)  // --keep: the song's own block, fed back too
            std::memcpy(blocks[i], kept_blocks_[b][i].data_ptr<float>(), sizeof(float) * kWindowSteps * kPitches);
        watch.see(blocks);
    }
    return song;
}

Multitrack VaeNnGenerator::generate(const VaeNnGenerateOptions& o) {
    validate(o);
    torch::NoGradGuard no_grad;
    std::mt19937_64 rng(o.seed);
    torch::Generator gen = at::detail::createCPUGenerator(o.seed);
    VaeNnGenerateOptions options = o;
    kept_blocks_ = torch::Tensor();
    kept_.clear();
    if (!o.from.empty()) {
        // The song's blocks, shaped as generated blocks are (binarised notes come back as the same velocities).
        const auto windows = vae_windows(load_song_to_regenerate(o.from, kVaeResolution));
        if (windows.size(0) == 0) throw UsageError(o.from.string() + ": shorter than one block of 16 beats");
        options.blocks = int(windows.size(0));
        if (!o.keep.empty()) {
            auto blocks = windows.to(torch::kFloat).div(127.0);
            if (o.binarize) blocks = blocks.gt(0).to(torch::kFloat) * kNoteValue;
            blocks.select(1, kStringsIndex).mul_(o.binarize ? kStringsFactor : 1.0f);
            kept_blocks_ = blocks.contiguous();
            kept_ = o.keep;
        }
    }
    const auto& opts = options;
    // With --from the first block is the song's own (seed_window would read it the LPD way; it draws nothing
    // from rng or gen for a file, so the draws that follow are the same either way).
    auto seed = o.from.empty() ? seed_window(opts, rng, gen)
                               : to_unit_float(vae_windows(load_song_to_regenerate(o.from, kVaeResolution))[0], device_);
    auto style = style_library(style_songs(opts));
    if ((!o.style_files.empty() || !o.style_artist.empty()) && style.empty())
        throw UsageError("the style reference songs have no notes");
    BarRepeats repeats;
    auto mt = rolls_to_multitrack(generate_rolls(seed, opts, style, rng, gen, &repeats), vae_window_spec().tracks, kVaeResolution, o.tempo);
    strike_drums(mt);  // a drum cell at 2 steps per beat is a hit in that 8th, not a held note
    restrike_copied_bars(mt, repeats.copied_from());
    mt.name = "VAE-NN " + run_dir_.filename().string() + " seed " + std::to_string(o.seed);
    return mt;
}

}  // namespace quintet
