#pragma once
// Drawing from a model's outputs, shared by every system: one token from logits (temperature, greedy, top-k,
// top-p), k distinct notes from logits, a Bernoulli draw per cell. Every draw uses one seeded generator on the
// CPU, so the same seed gives the same song whatever the device the network ran on.
#include <torch/torch.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace quintet {

// One seeded stream of draws (std::mt19937_64: its sequence is fixed by the C++ standard).
class SamplingRng {
public:
    explicit SamplingRng(std::uint64_t seed) : engine_(seed) {}
    double uniform();  // [0, 1)
    std::mt19937_64& engine() { return engine_; }

private:
    std::mt19937_64 engine_;
};

// How one token (or one note among many) is drawn from logits.
struct TokenSampling {
    bool greedy = false;       // argmax; the other fields are ignored
    double temperature = 1.0;  // > 0: softmax(logits / temperature)
    int top_k = 0;             // > 0: only the k most likely outcomes (ties broken by lower index)
    double top_p = 1.0;        // (0, 1]: the smallest set of most likely outcomes whose probability reaches top_p
};

// Throws UsageError naming the option when a field is out of range (temperature <= 0, top_k < 0, top_p not in (0, 1]).
void check_token_sampling(const TokenSampling& s);

// The distribution sample_token draws from: softmax(logits / T), then top-k, then top-p, renormalised.
// `logits`: 1-D, any device and floating type. Greedy gives a one-hot at the argmax.
std::vector<double> token_distribution(const torch::Tensor& logits, const TokenSampling& s);

// One outcome index drawn from token_distribution (inverse CDF on one uniform draw).
std::int64_t sample_token(const torch::Tensor& logits, const TokenSampling& s, SamplingRng& rng);

// `k` distinct indices drawn one after another without replacement from token_distribution (greedy: the k
// largest). Fewer than k when fewer outcomes have non-zero probability. Returned in draw order.
std::vector<std::int64_t> sample_distinct(const torch::Tensor& logits, int k, const TokenSampling& s, SamplingRng& rng);

// A 0/1 tensor (same shape, CPU float) with cell i set when a uniform draw < probabilities[i]; cells are drawn
// in row-major order. `temperature` != 1 sharpens (< 1) or flattens (> 1) each cell's logit before the draw.
torch::Tensor sample_bernoulli(const torch::Tensor& probabilities, SamplingRng& rng, double temperature = 1.0);

}  // namespace quintet

namespace quintet {

// MusicAutobot's repeat penalty (MusicLearner.predict): after a token has come back `repeats` times in a row the
// temperature rises by max(0, ln((repeats + 1) / 4) / 5) times itself, so loops get less likely from the
// fourth repeat on.
double repeat_penalty_temperature(double temperature, int repeats);

}  // namespace quintet
