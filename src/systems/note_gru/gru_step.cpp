#include "systems/note_gru/gru_step.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "util/error.hpp"

namespace quintet {

namespace {

std::vector<float> transpose(const std::vector<float>& m, std::int64_t rows, std::int64_t cols) {
    std::vector<float> t(std::size_t(rows * cols));
    for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t c = 0; c < cols; ++c) t[std::size_t(c * rows + r)] = m[std::size_t(r * cols + c)];
    return t;
}

// y = b + W x with W given transposed ([cols][rows]): axpy along contiguous rows (vectorises without
// reordering any sum, so the result does not depend on the compiler's vector width).
void affine(const float* w_t, const float* b, const float* x, std::int64_t rows, std::int64_t cols, float* y) {
    std::copy(b, b + rows, y);
    for (std::int64_t c = 0; c < cols; ++c) {
        const float xc = x[c];
        const float* w = w_t + c * rows;
        for (std::int64_t r = 0; r < rows; ++r) y[r] += xc * w[r];
    }
}

float sigmoid(float v) { return 1.0f / (1.0f + std::exp(-v)); }

void check(bool ok, const std::string& what) {
    if (!ok) throw UsageError("note-GRU weights: " + what);
}

}  // namespace

NoteGruStepper::NoteGruStepper(const NoteGruWeights& w)
    : vocabulary_(w.vocabulary), embedding_(w.embedding), hidden_(w.hidden), all_layers_(w.all_layers),
      embedding_table_(w.embedding_table), decoder_b_(w.decoder_b) {
    const std::int64_t H = hidden_;
    check(vocabulary_ > 0 && embedding_ > 0 && H > 0 && !w.layers.empty(), "empty shape");
    check(std::int64_t(w.embedding_table.size()) == vocabulary_ * embedding_, "embedding size");
    for (std::size_t l = 0; l < w.layers.size(); ++l) {
        const auto& src = w.layers[l];
        Layer layer;
        layer.inputs = l == 0 ? embedding_ : H;
        check(std::int64_t(src.w_ih.size()) == 3 * H * layer.inputs && std::int64_t(src.w_hh.size()) == 3 * H * H &&
                  std::int64_t(src.b_ih.size()) == 3 * H && std::int64_t(src.b_hh.size()) == 3 * H,
              "layer " + std::to_string(l) + " size");
        layer.w_ih_t = transpose(src.w_ih, 3 * H, layer.inputs);
        layer.w_hh_t = transpose(src.w_hh, 3 * H, H);
        layer.b_ih = src.b_ih;
        layer.b_hh = src.b_hh;
        layers_.push_back(std::move(layer));
    }
    const std::int64_t readout = all_layers_ ? H * std::int64_t(layers_.size()) : H;
    check(std::int64_t(w.decoder_w.size()) == vocabulary_ * readout && std::int64_t(w.decoder_b.size()) == vocabulary_,
          "decoder size");
    decoder_w_t_ = transpose(w.decoder_w, vocabulary_, readout);
    gi_.resize(std::size_t(3 * H));
    gh_.resize(std::size_t(3 * H));
    readout_.resize(std::size_t(readout));
    reset();
}

void NoteGruStepper::reset() { state_.assign(layers_.size(), std::vector<float>(std::size_t(hidden_), 0.0f)); }

void NoteGruStepper::step(std::int64_t token, float* logits) {
    if (token < 0 || token >= vocabulary_) throw UsageError("token " + std::to_string(token) + " is outside the vocabulary");
    const std::int64_t H = hidden_;
    const float* x = embedding_table_.data() + token * embedding_;
    float* out = readout_.data();
    for (std::size_t l = 0; l < layers_.size(); ++l) {
        const Layer& w = layers_[l];
        float* h = state_[l].data();
        affine(w.w_ih_t.data(), w.b_ih.data(), x, 3 * H, w.inputs, gi_.data());
        affine(w.w_hh_t.data(), w.b_hh.data(), h, 3 * H, H, gh_.data());
        for (std::int64_t j = 0; j < H; ++j) {
            const float r = sigmoid(gi_[std::size_t(j)] + gh_[std::size_t(j)]);
            const float z = sigmoid(gi_[std::size_t(H + j)] + gh_[std::size_t(H + j)]);
            const float n = std::tanh(gi_[std::size_t(2 * H + j)] + r * gh_[std::size_t(2 * H + j)]);
            h[j] = (1.0f - z) * n + z * h[j];
        }
        if (all_layers_ || l + 1 == layers_.size()) out = std::copy(h, h + H, out);
        x = h;
    }
    affine(decoder_w_t_.data(), decoder_b_.data(), readout_.data(), vocabulary_, std::int64_t(readout_.size()), logits);
}

}  // namespace quintet
