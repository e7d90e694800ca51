#pragma once
// An independent reference for the note GRU: the network's arithmetic written out in doubles from its
// weights (PyTorch's GRU equations, gates in r, z, n order), one token at a time.
#include <cmath>
#include <cstdint>
#include <vector>

#include "systems/note_gru/model.hpp"

namespace quintet::test {

class NaiveGru {
public:
    explicit NaiveGru(NoteGruNet& net) : shape_(net->shape()) {
        embedding_ = values(net->embedding->weight);
        for (auto& g : net->grus) {
            Layer l;
            l.w_ih = values(g->named_parameters()["weight_ih_l0"]);
            l.w_hh = values(g->named_parameters()["weight_hh_l0"]);
            l.b_ih = values(g->named_parameters()["bias_ih_l0"]);
            l.b_hh = values(g->named_parameters()["bias_hh_l0"]);
            l.inputs = l.w_ih.size() / (3 * std::size_t(shape_.hidden));
            layers_.push_back(l);
        }
        decoder_w_ = values(net->decoder->weight);
        decoder_b_ = values(net->decoder->bias);
        reset();
    }

    void reset() { state_.assign(layers_.size(), std::vector<double>(std::size_t(shape_.hidden), 0.0)); }

    // Feeds one token; returns the log-probabilities of the next one.
    std::vector<double> step(std::int64_t token) {
        const std::size_t H = std::size_t(shape_.hidden);
        std::vector<double> x(embedding_.begin() + std::ptrdiff_t(std::size_t(token) * std::size_t(shape_.embedding)),
                              embedding_.begin() + std::ptrdiff_t(std::size_t(token + 1) * std::size_t(shape_.embedding)));
        std::vector<double> readout;
        for (std::size_t l = 0; l < layers_.size(); ++l) {
            const Layer& w = layers_[l];
            std::vector<double>& h = state_[l];
            auto gi = [&](std::size_t row) { return dot(&w.w_ih[row * w.inputs], x.data(), w.inputs) + w.b_ih[row]; };
            auto gh = [&](std::size_t row) { return dot(&w.w_hh[row * H], h.data(), H) + w.b_hh[row]; };
            std::vector<double> next(H);
            for (std::size_t j = 0; j < H; ++j) {
                const double r = sigmoid(gi(j) + gh(j));
                const double z = sigmoid(gi(H + j) + gh(H + j));
                const double n = std::tanh(gi(2 * H + j) + r * gh(2 * H + j));
                next[j] = (1 - z) * n + z * h[j];
            }
            h = next;
            x = next;
            if (shape_.all_layers || l + 1 == layers_.size()) readout.insert(readout.end(), next.begin(), next.end());
        }
        const std::size_t V = std::size_t(shape_.vocabulary);
        std::vector<double> logits(V);
        double top = -1e300;
        for (std::size_t v = 0; v < V; ++v) {
            logits[v] = dot(&decoder_w_[v * readout.size()], readout.data(), readout.size()) + decoder_b_[v];
            top = std::max(top, logits[v]);
        }
        double sum = 0;
        for (double l : logits) sum += std::exp(l - top);
        for (double& l : logits) l = l - top - std::log(sum);
        return logits;
    }

    // Summed NLL of every token after the first of each sequence, and how many there are.
    std::pair<double, long long> nll(const std::vector<std::vector<std::int64_t>>& sequences) {
        double total = 0;
        long long count = 0;
        for (const auto& s : sequences) {
            reset();
            for (std::size_t t = 0; t + 1 < s.size(); ++t) {
                total -= step(s[t])[std::size_t(s[t + 1])];
                ++count;
            }
        }
        return {total, count};
    }

private:
    struct Layer {
        std::vector<double> w_ih, w_hh, b_ih, b_hh;
        std::size_t inputs = 0;
    };
    static std::vector<double> values(const torch::Tensor& t) {
        auto d = t.detach().to(torch::kCPU, torch::kDouble).contiguous();
        return {d.data_ptr<double>(), d.data_ptr<double>() + d.numel()};
    }
    static double dot(const double* a, const double* b, std::size_t n) {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += a[i] * b[i];
        return s;
    }
    static double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

    NoteGruShape shape_;
    std::vector<double> embedding_, decoder_w_, decoder_b_;
    std::vector<Layer> layers_;
    std::vector<std::vector<double>> state_;
};

}  // namespace quintet::test
