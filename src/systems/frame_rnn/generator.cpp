#include "systems/frame_rnn/generator.hpp"

#include <algorithm>
#include <cmath>

#include "corpus/song_loader.hpp"
#include "corpus/split.hpp"
#include "corpus/store.hpp"
#include "nn/runtime.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

bool any_note(const std::uint8_t* p, std::size_t n) { return std::any_of(p, p + n, [](std::uint8_t v) { return v != 0; }); }

void validate(const FrameRnnGenerateOptions& o) {
    if (o.bars < 1) throw UsageError("--bars must be at least 1");
    if (!(o.tempo > 0 && o.tempo <= 1000)) throw UsageError("--tempo must be in (0, 1000] bpm");
    if (!(o.temperature > 0)) throw UsageError("--temperature must be positive");
    if (o.prime_steps < 0) throw UsageError("--prime-steps must be >= 0");
}

}  // namespace

FrameRnnStepper::FrameRnnStepper(FrameRnn& model) {
    torch::NoGradGuard no_grad;
    const auto& shape = model->shape();
    hidden_ = shape.hidden;
    frame_size_ = shape.frame_size();
    auto params = model->named_parameters();
    auto weight = [&](const std::string& name) { return params[name].detach().to(torch::kCPU, torch::kFloat).contiguous(); };
    for (int l = 0; l < shape.layers; ++l) {
        const std::string k = std::to_string(l);
        Layer layer;
        layer.w_ih = weight("gru.weight_ih_l" + k);
        if (l == 0) layer.w_ih = layer.w_ih.t().contiguous();
        layer.w_hh = weight("gru.weight_hh_l" + k);
        layer.b_ih = weight("gru.bias_ih_l" + k);
        layer.b_hh = weight("gru.bias_hh_l" + k);
        layer.h = torch::zeros({hidden_});
        layer.gi = torch::zeros({3 * hidden_});
        layer.gh = torch::zeros({3 * hidden_});
        layers_.push_back(layer);
    }
    out_w_ = weight("out.weight");
    out_b_ = weight("out.bias");
    logits_ = torch::zeros({frame_size_});
}

void FrameRnnStepper::reset() {
    for (auto& l : layers_) l.h.zero_();
}

const torch::Tensor& FrameRnnStepper::step(const std::uint8_t* frame) {
    torch::NoGradGuard no_grad;
    const std::size_t H = std::size_t(hidden_), G = 3 * H;
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        Layer& layer = layers_[l];
        if (l == 0) {
            float* gi = layer.gi.data_ptr<float>();
            std::copy_n(layer.b_ih.data_ptr<float>(), G, gi);
            const float* columns = layer.w_ih.data_ptr<float>();
            for (int j = 0; j < frame_size_; ++j)
                if (frame[j])
                    for (std::size_t i = 0; i < G; ++i) gi[i] += columns[std::size_t(j) * G + i];
        } else {
            at::addmv_out(layer.gi, layer.b_ih, layer.w_ih, layers_[l - 1].h);
        }
        at::addmv_out(layer.gh, layer.b_hh, layer.w_hh, layer.h);
        const float *gi = layer.gi.data_ptr<float>(), *gh = layer.gh.data_ptr<float>();
        float* h = layer.h.data_ptr<float>();
        for (std::size_t i = 0; i < H; ++i) {  // PyTorch's gate order: reset, update, new
            const float r = 1.0f / (1.0f + std::exp(-(gi[i] + gh[i])));
            const float z = 1.0f / (1.0f + std::exp(-(gi[H + i] + gh[H + i])));
            const float n = std::tanh(gi[2 * H + i] + r * gh[2 * H + i]);
            h[i] = (1.0f - z) * n + z * h[i];
        }
    }
    at::addmv_out(logits_, out_b_, out_w_, layers_.back().h);
    return logits_;
}

FrameRnnGenerator::FrameRnnGenerator(const fs::path& run_dir, const std::string& device)
    : run_(read_frame_rnn_run(run_dir)), device_(parse_device(device)) {
    configure_torch_threads();
    model_ = load_frame_rnn(run_dir, run_, device_);
    if (device_.is_cpu()) stepper_ = std::make_unique<FrameRnnStepper>(model_);
}

std::vector<std::uint8_t> FrameRnnGenerator::primer(const FrameRnnGenerateOptions& o, SamplingRng& rng) const {
    const FrameSpec& spec = run_.spec;
    const std::size_t width = spec.frame_size();
    if (!o.prime.empty()) {
        auto frames = encode_frames(load_song_file(o.prime), spec);
        if (!any_note(frames.data(), frames.size()))
            throw UsageError(o.prime.string() + ": no notes in the run's tracks (" + track_list_text(spec.tracks) +
                             ") and pitch range");
        return frames;
    }
    std::error_code ec;
    if (o.prime_steps == 0 || !fs::is_regular_file(run_.corpus, ec)) return {};  // from silence
    // A train song picked by the seed, and in it a stretch of prime_steps steps with notes.
    const auto store = CorpusStore::open(run_.corpus);
    const auto songs = store.songs_in(Split::Train);
    if (songs.empty()) return {};
    const auto frames = encode_frames(store.load(songs[rng.engine()() % songs.size()]), spec);
    const std::size_t steps = frames.size() / width, piece = std::size_t(o.prime_steps);
    std::vector<std::size_t> starts;
    for (std::size_t s = 0; s + piece <= steps; s += piece)
        if (any_note(frames.data() + s * width, piece * width)) starts.push_back(s);
    const std::size_t start = starts.empty() ? 0 : starts[rng.engine()() % starts.size()];
    const std::size_t length = std::min(piece, steps - start);
    return {frames.begin() + std::ptrdiff_t(start * width), frames.begin() + std::ptrdiff_t((start + length) * width)};
}

std::vector<std::uint8_t> FrameRnnGenerator::draw_frame(const torch::Tensor& logits, const std::vector<int>& notes,
                                                        double temperature, SamplingRng& rng) const {
    const std::size_t width = run_.spec.frame_size();
    std::vector<std::uint8_t> frame(width, 0);
    switch (run_.shape.output) {
        case FrameOutput::Bernoulli: {
            const auto drawn = sample_bernoulli(torch::sigmoid(logits), rng, temperature);
            const float* d = drawn.data_ptr<float>();
            for (std::size_t i = 0; i < width; ++i) frame[i] = d[i] > 0.5f;
            break;
        }
        case FrameOutput::Softmax:
            for (auto i : sample_distinct(logits, notes.front(), TokenSampling{false, temperature}, rng)) frame[std::size_t(i)] = 1;
            break;
        case FrameOutput::PerInstrument: {
            const std::int64_t pitches = run_.spec.pitches;
            for (std::size_t c = 0; c < notes.size(); ++c) {
                if (notes[c] == 0) continue;
                const auto slice = logits.narrow(0, std::int64_t(c) * pitches, pitches);
                for (auto i : sample_distinct(slice, notes[c], TokenSampling{false, temperature}, rng))
                    frame[c * std::size_t(pitches) + std::size_t(i)] = 1;
            }
            break;
        }
    }
    return frame;
}

std::vector<std::uint8_t> FrameRnnGenerator::continue_frames(std::vector<std::uint8_t> frames, std::size_t steps,
                                                             const FrameRnnGenerateOptions& o, SamplingRng& rng,
                                                             const std::vector<std::uint8_t>* kept) {
    torch::InferenceMode inference;
    const FrameSpec& spec = run_.spec;
    const std::size_t width = spec.frame_size();
    const auto notes = parse_notes_per_step(o.notes_per_step, spec.tracks, run_.shape.output == FrameOutput::PerInstrument,
                                            spec.pitches);
    // --keep: the kept tracks' cells of the new step t come from `kept`, so the next steps hear them.
    std::vector<std::size_t> kept_blocks;
    if (kept)
        for (int family : o.keep) {
            const auto at = std::find(spec.tracks.begin(), spec.tracks.end(), family);
            if (at == spec.tracks.end())
                throw UsageError("--keep: " + track_list_text({family}) + " is not a track of this run (" + track_list_text(spec.tracks) + ")");
            kept_blocks.push_back(std::size_t(at - spec.tracks.begin()));
        }
    const auto draw = [&](const torch::Tensor& logits) {
        auto frame = draw_frame(logits, notes, o.temperature, rng);
        const std::size_t t = frames.size() / width, p = std::size_t(spec.pitches);
        for (std::size_t b : kept_blocks)
            std::copy_n(kept->data() + t * width + b * p, p, frame.data() + b * p);
        return frame;
    };
    // The primer keeps at most steps - 1 steps: at least one step is new.
    frames.resize(std::min(frames.size(), (steps - 1) * width));
    const std::int64_t primed = std::int64_t(frames.size() / width), f = std::int64_t(width);
    if (stepper_) {
        // The zero frame, then the primer one step at a time, then each drawn frame: the state is carried along.
        const std::vector<std::uint8_t> zero(width, 0);
        stepper_->reset();
        const torch::Tensor* logits = &stepper_->step(zero.data());
        for (std::int64_t t = 0; t < primed; ++t) logits = &stepper_->step(frames.data() + std::size_t(t) * width);
        while (frames.size() < steps * width) {
            const auto frame = draw(*logits);
            frames.insert(frames.end(), frame.begin(), frame.end());
            if (frames.size() < steps * width) logits = &stepper_->step(frame.data());
        }
        return frames;
    }
    // Other devices: the modules. The primer read once from the zero frame: the state after it and the logits of
    // the first new step.
    auto context = torch::zeros({1, primed + 1, f}, torch::kFloat);
    if (primed > 0)
        context.narrow(1, 1, primed).copy_(torch::from_blob(frames.data(), {1, primed, f}, torch::kUInt8).to(torch::kFloat));
    auto [logits, hidden] = model_->forward(context.to(device_));
    auto next = logits[0][primed].to(torch::kCPU);
    auto input = torch::empty({1, 1, f}, torch::kFloat);
    while (frames.size() < steps * width) {
        const auto frame = draw(next);
        frames.insert(frames.end(), frame.begin(), frame.end());
        if (frames.size() == steps * width) break;
        std::copy(frame.begin(), frame.end(), input.data_ptr<float>());
        auto step = model_->forward(input.to(device_), hidden);
        hidden = step.second;
        next = step.first[0][0].to(torch::kCPU);
    }
    return frames;
}

Multitrack FrameRnnGenerator::generate(const FrameRnnGenerateOptions& o) {
    validate(o);
    SamplingRng rng(o.seed);
    const std::size_t width = run_.spec.frame_size();
    if (!o.from.empty()) {
        // Regenerating a song: its length, its first prime_steps steps as the primer, its kept tracks throughout.
        const auto song = encode_frames(load_song_file(o.from), run_.spec);
        const std::size_t steps = song.size() / width;
        if (steps < 2) throw UsageError(o.from.string() + ": too short to regenerate (" + std::to_string(steps) + " steps)");
        std::vector<std::uint8_t> opening(song.begin(), song.begin() + std::ptrdiff_t(std::min<std::size_t>(o.prime_steps, steps - 1) * width));
        const auto frames = continue_frames(std::move(opening), steps, o, rng, &song);
        return decode_frames(frames.data(), steps, run_.spec, 100, o.tempo);
    }
    if (!o.keep.empty()) throw UsageError("--keep needs --from: the song whose instruments are kept");
    const std::size_t steps = std::size_t(o.bars) * 4 * std::size_t(run_.spec.resolution);
    const auto frames = continue_frames(primer(o, rng), steps, o, rng);
    return decode_frames(frames.data(), steps, run_.spec, 100, o.tempo);
}

System::SplitLikelihood frame_rnn_split_likelihood(const fs::path& run_dir, const fs::path& corpus, const std::string& split,
                                                   const std::string& device) {
    configure_torch_threads();
    const FrameRnnRun run = read_frame_rnn_run(run_dir);
    const torch::Device dev = parse_device(device);
    FrameRnn model = load_frame_rnn(run_dir, run, dev);
    const auto store = CorpusStore::open(corpus);
    const NllSum sum = sequence_nll(model, store_frames(store, parse_split(split), run.spec), 32, dev);
    return {sum.mean(), sum.steps, "step"};
}

}  // namespace quintet
