#include "systems/cnn/generator.hpp"

#include <algorithm>
#include <cstring>

#include "corpus/song_loader.hpp"
#include "corpus/store.hpp"
#include "nn/batches.hpp"
#include "nn/rolls_to_song.hpp"
#include "nn/runtime.hpp"
#include "systems/cnn/run_info.hpp"
#include "systems/cnn/run_model.hpp"
#include "systems/cnn/system.hpp"
#include "systems/keep_option.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

void validate(const CnnGenerateOptions& o) {
    if (o.blocks <= 0) throw UsageError("--blocks must be positive, got " + std::to_string(o.blocks));
    if (!(o.sample_dropout >= 0 && o.sample_dropout < 1))
        throw UsageError("--sample-dropout must be in [0, 1), got " + std::to_string(o.sample_dropout));
    if (o.threshold && !(*o.threshold >= 0 && *o.threshold <= 1)) throw UsageError("--threshold must be in [0, 1] (or auto)");
    if (!(o.tempo > 0 && o.tempo <= 1000)) throw UsageError("--tempo must be in (0, 1000] bpm");
    if (o.prime_block < 0) throw UsageError("--seed-block must be >= 0");
    if (o.seed_source == CnnSeedSource::File && o.prime.empty()) throw UsageError("--prime needs a file");
}

// BatchNorm in eval mode as a per-channel scale and shift.
std::pair<torch::Tensor, torch::Tensor> folded(const torch::nn::BatchNorm2d& bn) {
    auto scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
    return {scale, bn->bias - bn->running_mean * scale};
}

// Values below the instrument's threshold are silence, the rest notes at kCnnNoteValue. block [5, 32, 128].
torch::Tensor shape_block(const torch::Tensor& block, const torch::Tensor& thresholds) {
    return block.ge(thresholds).to(torch::kFloat) * kCnnNoteValue;
}

}  // namespace

// Weights of E encoders and of N bottleneck + decoder trunks, stacked for batched GEMMs (one block per
// net): each conv is one GEMM (stride = kernel), BatchNorm folded into the weights, and the bottleneck's
// two linear layers without an activation between them (256 -> 64 -> 256) multiplied into one.
struct CnnGenerator::Packed {
    struct Encoders {
        torch::Tensor w1, b1, w2, b2, w3, b3;  // [E, 16, 64] [E, 1, 64], [E, 1024, 128] ..., [E, 2048, 256] ...
    };
    struct Trunks {
        torch::Tensor l1, c1, l23, c23, d1, e1, d2, e2, d3, e3;
    };
    Encoders melody_encoder, harmony_encoders;  // 1; shared: 4 (nets 1-4), separate: 8 (own, then piano encoders)
    bool shared = true;
    Trunks melody_trunk, harmony_trunks;        // 1; 4
    CnnOutput output = CnnOutput::Sigmoid;

    static Encoders pack(const std::vector<CnnEncoder>& encoders) {
        std::vector<torch::Tensor> w1, b1, w2, b2, w3, b3;
        for (const auto& e : encoders) {
            auto [s1, t1] = folded(e->bn1);
            auto [s2, t2] = folded(e->bn2);
            auto [s3, t3] = folded(e->bn3);
            w1.push_back(e->conv1->weight.reshape({64, 16}).t() * s1);
            b1.push_back((e->conv1->bias * s1 + t1).unsqueeze(0));
            w2.push_back(e->conv2->weight.permute({0, 2, 3, 1}).reshape({128, 1024}).t() * s2);
            b2.push_back((e->conv2->bias * s2 + t2).unsqueeze(0));
            w3.push_back(e->conv3->weight.permute({0, 2, 3, 1}).reshape({256, 2048}).t() * s3);
            b3.push_back((e->conv3->bias * s3 + t3).unsqueeze(0));
        }
        return {torch::stack(w1), torch::stack(b1), torch::stack(w2), torch::stack(b2), torch::stack(w3), torch::stack(b3)};
    }

    static Trunks pack(const std::vector<std::pair<CnnBottleneck, CnnDecoder>>& trunks) {
        std::vector<torch::Tensor> l1, c1, l23, c23, d1, e1, d2, e2, d3, e3;
        for (const auto& [b, d] : trunks) {
            l1.push_back(b->enc_lin1->weight.t());
            c1.push_back(b->enc_lin1->bias.unsqueeze(0));
            l23.push_back(torch::mm(b->enc_lin2->weight.t(), b->dec_lin->weight.t()));
            c23.push_back((torch::mv(b->dec_lin->weight, b->enc_lin2->bias) + b->dec_lin->bias).unsqueeze(0));
            auto [s1, t1] = folded(d->bn1);
            auto [s2, t2] = folded(d->bn2);
            d1.push_back(d->deconv1->weight.permute({0, 2, 3, 1}).reshape({256, 2048}) * s1.repeat({16}));
            e1.push_back(((d->deconv1->bias * s1 + t1).repeat({16})).unsqueeze(0));
            d2.push_back(d->deconv2->weight.permute({0, 2, 3, 1}).reshape({128, 1024}) * s2.repeat({16}));
            e2.push_back(((d->deconv2->bias * s2 + t2).repeat({16})).unsqueeze(0));
            d3.push_back(d->deconv3->weight.reshape({64, 16}));
            e3.push_back(d->deconv3->bias.repeat({16}).unsqueeze(0));
        }
        auto s = [](std::vector<torch::Tensor>& v) { return torch::stack(v).contiguous(); };
        return {s(l1), s(c1), s(l23), s(c23), s(d1), s(e1), s(d2), s(e2), s(d3), s(e3)};
    }

    explicit Packed(CnnBand& band) : shared(band->encoders() == HarmonyEncoders::Shared), output(band->output()) {
        torch::NoGradGuard no_grad;
        melody_encoder = pack(std::vector<CnnEncoder>{band->melody()->encoder});
        melody_trunk = pack({{band->melody()->bottleneck, band->melody()->decoder}});
        std::vector<CnnEncoder> encoders;
        std::vector<std::pair<CnnBottleneck, CnnDecoder>> trunks;
        for (int i = 1; i < kCnnInstruments; ++i) encoders.push_back(band->harmony(i)->own_encoder);
        if (!shared)
            for (int i = 1; i < kCnnInstruments; ++i) encoders.push_back(band->harmony(i)->piano_encoder);
        for (int i = 1; i < kCnnInstruments; ++i) trunks.emplace_back(band->harmony(i)->bottleneck, band->harmony(i)->decoder);
        harmony_encoders = pack(encoders);
        harmony_trunks = pack(trunks);
    }

    // x [E, R, 32, 128]: R blocks through each of E encoders (a shared encoder reads its weights once for
    // both inputs) -> features [E, R, 256]; `drop` applies Monte-Carlo dropout (or nothing).
    template <class Drop>
    static torch::Tensor encode(const Encoders& p, const torch::Tensor& x, Drop&& drop) {
        const auto E = x.size(0), R = x.size(1);
        auto h = x.reshape({E, R, 8, 4, 32, 4}).permute({0, 1, 2, 4, 3, 5}).reshape({E, R * 256, 16});
        h = drop(torch::relu(torch::baddbmm(p.b1, h, p.w1)));
        h = h.reshape({E, R, 2, 4, 8, 4, 64}).permute({0, 1, 2, 4, 3, 5, 6}).reshape({E, R * 16, 1024});
        h = drop(torch::relu(torch::baddbmm(p.b2, h, p.w2)));
        return torch::relu(torch::baddbmm(p.b3, h.reshape({E, R, 2048}), p.w3));
    }

    // features [N, 1, in] -> activated blocks [N, 32, 128].
    torch::Tensor decode(const Trunks& p, const torch::Tensor& features) const {
        const auto N = features.size(0);
        auto h = torch::relu(torch::baddbmm(p.c1, features, p.l1));
        h = torch::relu(torch::baddbmm(p.c23, h, p.l23));
        h = torch::relu(torch::baddbmm(p.e1, h, p.d1)).reshape({N, 16, 128});
        h = torch::relu(torch::baddbmm(p.e2, h, p.d2)).reshape({N, 256, 64});
        h = torch::baddbmm(p.e3, h, p.d3);
        h = h.reshape({N, 2, 8, 4, 4, 4, 4}).permute({0, 1, 3, 5, 2, 4, 6}).reshape({N, kCnnSteps, kPitches});
        return output == CnnOutput::Sigmoid ? torch::sigmoid(h) : torch::relu(h);
    }
};

CnnGenerator::CnnGenerator(const fs::path& run_dir, const std::string& device)
    : run_dir_(run_dir), device_(parse_device(device)) {
    configure_torch_threads();
    const auto info = read_cnn_run_info(run_dir);
    corpus_ = info.corpus;
    calibrated_ = info.thresholds;
    density_ = info.density;
    if (device_.is_cpu())
        fast_ = std::make_unique<CnnInference>(load_cnn_inference(run_dir));
    else
        band_ = load_cnn_run(run_dir, device_);
}

CnnBand& CnnGenerator::band() {
    if (band_.is_empty()) band_ = load_cnn_run(run_dir_, device_);
    return band_;
}

CnnGenerator::Packed& CnnGenerator::packed() {
    if (!packed_) packed_ = std::make_unique<Packed>(band());
    return *packed_;
}

CnnGenerator::~CnnGenerator() = default;

std::array<double, 5> CnnGenerator::thresholds(const CnnGenerateOptions& o) const {
    std::array<double, 5> t;
    t.fill(o.threshold.value_or(kCnnUncalibratedThreshold));
    if (!o.threshold && calibrated_) t = *calibrated_;
    return t;
}

torch::Tensor CnnGenerator::seed_block(const CnnGenerateOptions& o, SamplingRng& rng) {
    CnnSeedSource source = o.seed_source;
    if (source == CnnSeedSource::Auto) source = fs::exists(corpus_) ? CnnSeedSource::Corpus : CnnSeedSource::Random;
    if (source == CnnSeedSource::File) {
        const auto windows = song_windows(load_song_file(o.prime), cnn_window_spec());
        if (windows.size() == 0) throw UsageError(o.prime.string() + ": the prime has no notes (no 32-step block at 2 steps per beat)");
        if (o.prime_block >= windows.size())
            throw UsageError(o.prime.string() + ": --seed-block " + std::to_string(o.prime_block) + " but the song has " +
                             std::to_string(windows.size()) + " blocks of 32 steps (16 beats)");
        return to_unit_float(window_tensor(windows)[o.prime_block], device_);
    }
    if (source == CnnSeedSource::Corpus) {
        if (!fs::exists(corpus_)) throw UsageError(corpus_.string() + ": the run's corpus is gone; use --prime or --seed-random");
        // A window where the most instruments play, drawn among the train songs visited in random order (an
        // instrument silent in the seed tends to stay silent); a large corpus is not read whole.
        constexpr std::size_t kEnoughSongs = 64;
        auto store = CorpusStore::open(corpus_);
        auto ids = store.songs_in(Split::Train);
        std::shuffle(ids.begin(), ids.end(), rng.engine());
        std::int64_t best = 0;
        std::size_t seen = 0;
        std::vector<std::pair<std::size_t, std::int64_t>> candidates;  // (song, window)
        for (auto id : ids) {
            if (seen++ >= kEnoughSongs && best == kCnnInstruments) break;
            const auto windows = song_windows(store.load(id), cnn_window_spec());
            if (windows.size() == 0) continue;
            auto playing = window_tensor(windows).flatten(2).gt(0).any(2).sum(1).contiguous();
            const auto* p = playing.data_ptr<std::int64_t>();
            for (std::int64_t w = 0; w < playing.size(0); ++w) {
                if (p[w] > best) {
                    best = p[w];
                    candidates.clear();
                }
                if (p[w] == best && best > 0) candidates.emplace_back(id, w);
            }
        }
        if (candidates.empty()) throw UsageError(corpus_.string() + ": no train song with notes to seed from");
        const auto [song, window] = candidates[rng.engine()() % candidates.size()];
        return to_unit_float(window_tensor(song_windows(store.load(song), cnn_window_spec()))[window], device_);
    }
    // Random: every cell a note with its instrument's density in the training windows.
    auto p = torch::tensor(std::vector<double>(density_.begin(), density_.end()), torch::kDouble)
                 .view({kCnnInstruments, 1, 1})
                 .expand({kCnnInstruments, kCnnSteps, kPitches});
    return (sample_bernoulli(p, rng) * kCnnNoteValue).to(device_);
}

torch::Tensor CnnGenerator::threshold_tensor(const CnnGenerateOptions& o) const {
    const auto t = thresholds(o);
    return torch::tensor(std::vector<double>(t.begin(), t.end()), torch::kFloat).view({kCnnInstruments, 1, 1}).to(device_);
}

torch::Tensor CnnGenerator::predict_next(const torch::Tensor& current, const torch::Tensor& thresholds, double dropout,
                                         SamplingRng& rng, torch::Tensor* activated, const torch::Tensor* given,
                                         const std::array<bool, 5>* kept) {
    torch::NoGradGuard no_grad;
    const bool keeps = given && kept;
    if (fast_path() && dropout <= 0 && !keeps) {
        const auto t = thresholds.to(torch::kCPU, torch::kFloat).contiguous();
        std::array<float, 5> thr;
        for (int i = 0; i < kCnnInstruments; ++i) thr[std::size_t(i)] = t.data_ptr<float>()[i];
        auto in = current.to(torch::kCPU, torch::kFloat).contiguous();
        auto next = torch::empty({kCnnInstruments, kCnnSteps, kPitches});
        torch::Tensor act;
        if (activated) act = torch::empty({kCnnInstruments, kCnnSteps, kPitches});
        fast_->step(in.data_ptr<float>(), thr, next.data_ptr<float>(), activated ? act.data_ptr<float>() : nullptr);
        if (activated) *activated = act;
        return next;
    }
    const Packed& p = packed();
    auto drop = [&](const torch::Tensor& h) {
        if (dropout <= 0) return h;
        auto keep = sample_bernoulli(torch::full(h.sizes(), 1 - dropout, torch::kDouble), rng).to(h.device());
        return h * keep / (1 - dropout);
    };
    // The piano first, then the four others given the new piano block (as the song keeps it).
    auto piano = p.decode(p.melody_trunk, Packed::encode(p.melody_encoder, current.narrow(0, 0, 1).unsqueeze(0), drop));
    auto piano_block = shape_block(piano, thresholds.narrow(0, 0, 1));
    if (keeps && (*kept)[0]) piano_block = given->narrow(0, 0, 1);
    const auto own = current.narrow(0, 1, 4), pianos = piano_block.expand({4, kCnnSteps, kPitches});
    torch::Tensor features;  // [4, 1, 512]: each net's own-block features, then its piano-block features
    if (p.shared) {
        auto f = Packed::encode(p.harmony_encoders, torch::stack({own, pianos}, 1), drop);  // [4, 2, 256]
        features = f.reshape({4, 1, 512});
    } else {
        auto f = Packed::encode(p.harmony_encoders, torch::cat({own, pianos}).unsqueeze(1), drop);  // [8, 1, 256]
        features = torch::cat({f.narrow(0, 0, 4), f.narrow(0, 4, 4)}, 2);
    }
    auto others = p.decode(p.harmony_trunks, features);
    if (activated) *activated = torch::cat({piano, others});
    auto next = torch::cat({piano_block, shape_block(others, thresholds.narrow(0, 1, 4))});
    if (keeps)
        for (int c = 1; c < kCnnInstruments; ++c)
            if ((*kept)[std::size_t(c)]) next[c].copy_(given->select(0, c));
    return next;
}

torch::Tensor CnnGenerator::predict_next_modules(const torch::Tensor& current, const torch::Tensor& thresholds,
                                                 torch::Tensor* activated) {
    torch::NoGradGuard no_grad;
    auto& nets = band();
    nets->eval();
    auto piano = nets->activate(nets->melody()->forward_modules(current.narrow(0, 0, 1)));
    auto piano_block = shape_block(piano, thresholds.narrow(0, 0, 1));
    std::vector<torch::Tensor> raw{piano}, shaped{piano_block};
    for (int i = 1; i < kCnnInstruments; ++i) {
        raw.push_back(nets->activate(nets->harmony(i)->forward_modules(current.narrow(0, i, 1), piano_block)));
        shaped.push_back(shape_block(raw.back(), thresholds.narrow(0, i, 1)));
    }
    if (activated) *activated = torch::cat(raw);
    return torch::cat(shaped);
}

torch::Tensor CnnGenerator::generate_rolls(const torch::Tensor& seed, const CnnGenerateOptions& o, SamplingRng& rng) {
    torch::NoGradGuard no_grad;
    if (fast_path() && o.sample_dropout <= 0) return generate_rolls_fast(seed, o);
    const auto thresholds = threshold_tensor(o);
    auto song = torch::zeros({kCnnInstruments, std::int64_t(kCnnSteps) * o.blocks, kPitches});
    auto current = seed.to(device_).gt(0).to(torch::kFloat) * kCnnNoteValue;  // the seed as every block: binarised
    song.narrow(1, 0, kCnnSteps).copy_(current.cpu());
    for (int b = 1; b < o.blocks; ++b) {
        current = predict_next(current, thresholds, o.sample_dropout, rng);
        song.narrow(1, std::int64_t(b) * kCnnSteps, kCnnSteps).copy_(current.cpu());
    }
    return song;
}

// The fast path's loop: each block written into the song tensor; nothing allocated per step.
torch::Tensor CnnGenerator::generate_rolls_fast(const torch::Tensor& seed, const CnnGenerateOptions& o) {
    const auto t = thresholds(o);
    std::array<float, 5> thr;
    for (int i = 0; i < kCnnInstruments; ++i) thr[std::size_t(i)] = float(t[std::size_t(i)]);  // as threshold_tensor
    const std::int64_t steps = std::int64_t(kCnnSteps) * o.blocks;
    auto song = torch::zeros({kCnnInstruments, steps, kPitches});
    auto current = (seed.to(torch::kCPU).gt(0).to(torch::kFloat) * kCnnNoteValue).contiguous();  // binarised
    auto next = torch::empty_like(current);
    float* out = song.data_ptr<float>();
    const std::size_t cells = std::size_t(kCnnSteps) * kPitches;
    auto keep = [&](const torch::Tensor& block, int b) {
        for (int i = 0; i < kCnnInstruments; ++i)
            std::memcpy(out + (std::size_t(i) * std::size_t(steps) + std::size_t(b) * kCnnSteps) * kPitches,
                        block.data_ptr<float>() + std::size_t(i) * cells, cells * sizeof(float));
    };
    keep(current, 0);
    for (int b = 1; b < o.blocks; ++b) {
        fast_->step(current.data_ptr<float>(), thr, next.data_ptr<float>());
        keep(next, b);
        std::swap(current, next);
    }
    return song;
}

Multitrack CnnGenerator::regenerate(const CnnGenerateOptions& o) {
    torch::NoGradGuard no_grad;
    const auto spec = cnn_window_spec();
    const Multitrack song = load_song_to_regenerate(o.from, kCnnResolution);
    const std::size_t steps = song.steps();
    const std::int64_t blocks = std::int64_t((steps + kCnnSteps - 1) / kCnnSteps);
    if (blocks < 2) throw UsageError(o.from.string() + ": too short to regenerate (it needs more than one block of 16 beats)");
    // The song in the nets' channel order, [5, T, 128], every cell a note or not (as each block is fed back).
    auto notes = torch::zeros({kCnnInstruments, blocks * kCnnSteps, kPitches});
    std::array<bool, 5> kept{};
    for (int c = 0; c < kCnnInstruments; ++c) {
        const int family = spec.tracks[std::size_t(c)];
        const auto& roll = song.tracks[std::size_t(family)].roll;
        auto cells = torch::from_blob(const_cast<std::uint8_t*>(roll.data()), {std::int64_t(steps), kPitches}, torch::kUInt8);
        notes[c].narrow(0, 0, std::int64_t(steps)).copy_(cells.gt(0).to(torch::kFloat) * kCnnNoteValue);
        kept[std::size_t(c)] = std::find(o.keep.begin(), o.keep.end(), family) != o.keep.end();
    }
    const auto thresholds = threshold_tensor(o);
    SamplingRng rng(o.seed);
    auto out = torch::zeros_like(notes);
    auto current = notes.narrow(1, 0, kCnnSteps).to(device_);
    out.narrow(1, 0, kCnnSteps).copy_(current.cpu());
    for (std::int64_t b = 1; b < blocks; ++b) {
        const auto given = notes.narrow(1, b * kCnnSteps, kCnnSteps).to(device_);
        current = predict_next(current, thresholds, o.sample_dropout, rng, nullptr, &given, &kept);
        out.narrow(1, b * kCnnSteps, kCnnSteps).copy_(current.cpu());
    }
    Multitrack mt = rolls_to_multitrack(out, spec.tracks, kCnnResolution, o.tempo);
    keep_song_tracks(mt, song, o.keep, o.tempo);
    mt.name = "MelodyCNN + HarmonyCNN " + run_dir_.filename().string() + " from " + o.from.filename().string();
    return mt;
}

Multitrack CnnGenerator::generate(const CnnGenerateOptions& o) {
    validate(o);
    if (!o.from.empty()) return regenerate(o);
    torch::NoGradGuard no_grad;
    SamplingRng rng(o.seed);
    auto seed = seed_block(o, rng);
    auto mt = rolls_to_multitrack(generate_rolls(seed, o, rng), cnn_window_spec().tracks, kCnnResolution, o.tempo);
    mt.name = "MelodyCNN + HarmonyCNN " + run_dir_.filename().string() + " seed " + std::to_string(o.seed);
    return mt;
}

}  // namespace quintet

namespace quintet {

namespace {
class CnnSampler : public Sampler {
public:
    CnnSampler(const fs::path& run_dir, const std::string& device) : generator_(run_dir, device) {}
    Multitrack sample(const SampleRequest& request, const Settings& settings) override {
        return generator_.generate(dynamic_cast<const CnnSampleSettings&>(settings).resolve(request));
    }

private:
    CnnGenerator generator_;
};
}  // namespace

std::unique_ptr<Sampler> open_cnn_sampler(const fs::path& run_dir, const std::string& device) {
    return std::make_unique<CnnSampler>(run_dir, device);
}

}  // namespace quintet
