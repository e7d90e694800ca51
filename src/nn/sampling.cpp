#include "nn/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "util/error.hpp"

namespace quintet {

double SamplingRng::uniform() {
    // 53 random bits -> [0, 1); std::uniform_real_distribution's output is not fixed by the standard.
    return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

void check_token_sampling(const TokenSampling& s) {
    if (s.greedy) return;
    if (!(s.temperature > 0) || !std::isfinite(s.temperature))
        throw UsageError("--temperature must be a positive number, got " + std::to_string(s.temperature));
    if (s.top_k < 0) throw UsageError("--top-k must be 0 (off) or a positive count, got " + std::to_string(s.top_k));
    if (!(s.top_p > 0 && s.top_p <= 1)) throw UsageError("--top-p must be in (0, 1], got " + std::to_string(s.top_p));
}

namespace {

std::vector<double> to_doubles(const torch::Tensor& logits) {
    if (logits.dim() != 1 || logits.numel() == 0) throw Error("sampling: expected a non-empty 1-D tensor of logits");
    auto t = logits.detach().to(torch::kCPU, torch::kDouble).contiguous();
    const double* p = t.data_ptr<double>();
    return {p, p + t.numel()};
}

// Indices by descending value, ties by lower index.
std::vector<std::size_t> ranked(const std::vector<double>& v) {
    std::vector<std::size_t> order(v.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return v[a] > v[b]; });
    return order;
}

std::int64_t draw(const std::vector<double>& probabilities, SamplingRng& rng) {
    const double total = std::accumulate(probabilities.begin(), probabilities.end(), 0.0);
    const double u = rng.uniform() * total;
    double cumulative = 0;
    std::int64_t last_positive = 0;
    for (std::size_t i = 0; i < probabilities.size(); ++i) {
        if (probabilities[i] <= 0) continue;
        cumulative += probabilities[i];
        last_positive = static_cast<std::int64_t>(i);
        if (u < cumulative) return last_positive;
    }
    return last_positive;  // rounding at the top end
}

}  // namespace

std::vector<double> token_distribution(const torch::Tensor& logits, const TokenSampling& s) {
    check_token_sampling(s);
    std::vector<double> v = to_doubles(logits);
    for (double x : v)
        if (std::isnan(x)) throw Error("sampling: the model produced NaN logits");
    // The ranking is needed only to cut (greedy, top-k, top-p); a plain softmax needs only the maximum, which
    // spares a sort of the vocabulary on every token of a generation loop.
    const bool cut = s.greedy || s.top_k > 0 || s.top_p < 1;
    const auto order = cut ? ranked(v) : std::vector<std::size_t>{};
    std::vector<double> p(v.size(), 0.0);
    if (s.greedy) {
        p[order.front()] = 1;
        return p;
    }
    // Softmax with the maximum subtracted (no overflow for large logits).
    const double top = cut ? v[order.front()] : *std::max_element(v.begin(), v.end());
    for (std::size_t i = 0; i < v.size(); ++i) p[i] = std::exp((v[i] - top) / s.temperature);
    if (s.top_k > 0)
        for (std::size_t r = static_cast<std::size_t>(s.top_k); r < order.size(); ++r) p[order[r]] = 0;
    double total = std::accumulate(p.begin(), p.end(), 0.0);
    for (double& x : p) x /= total;
    if (s.top_p < 1) {
        double cumulative = 0;
        std::size_t r = 0;
        for (; r < order.size() && cumulative < s.top_p; ++r) cumulative += p[order[r]];
        for (; r < order.size(); ++r) p[order[r]] = 0;
        total = std::accumulate(p.begin(), p.end(), 0.0);
        for (double& x : p) x /= total;
    }
    return p;
}

std::int64_t sample_token(const torch::Tensor& logits, const TokenSampling& s, SamplingRng& rng) {
    const auto p = token_distribution(logits, s);
    if (s.greedy) return static_cast<std::int64_t>(std::max_element(p.begin(), p.end()) - p.begin());
    return draw(p, rng);
}

std::vector<std::int64_t> sample_distinct(const torch::Tensor& logits, int k, const TokenSampling& s, SamplingRng& rng) {
    std::vector<std::int64_t> picked;
    if (k <= 0) return picked;
    if (s.greedy) {
        const auto order = ranked(to_doubles(logits));
        for (int i = 0; i < k && i < static_cast<int>(order.size()); ++i) picked.push_back(static_cast<std::int64_t>(order[i]));
        return picked;
    }
    auto p = token_distribution(logits, s);
    for (int i = 0; i < k; ++i) {
        if (std::accumulate(p.begin(), p.end(), 0.0) <= 0) break;
        const std::int64_t j = draw(p, rng);
        picked.push_back(j);
        p[static_cast<std::size_t>(j)] = 0;  // without replacement: the rest renormalise in draw()
    }
    return picked;
}

torch::Tensor sample_bernoulli(const torch::Tensor& probabilities, SamplingRng& rng, double temperature) {
    if (!(temperature > 0) || !std::isfinite(temperature))
        throw UsageError("--temperature must be a positive number, got " + std::to_string(temperature));
    auto p = probabilities.detach().to(torch::kCPU, torch::kDouble).contiguous();
    auto out = torch::zeros(p.sizes(), torch::kFloat);
    const double* src = p.data_ptr<double>();
    float* dst = out.data_ptr<float>();
    for (std::int64_t i = 0; i < p.numel(); ++i) {
        double q = std::clamp(src[i], 0.0, 1.0);
        if (temperature != 1 && q > 0 && q < 1) {
            const double logit = std::log(q / (1 - q)) / temperature;
            q = 1 / (1 + std::exp(-logit));
        }
        dst[i] = rng.uniform() < q ? 1.0f : 0.0f;
    }
    return out;
}

}  // namespace quintet

namespace quintet {

double repeat_penalty_temperature(double temperature, int repeats) {
    return temperature + std::max(0.0, std::log((repeats + 1) / 4.0) / 5.0) * temperature;
}

}  // namespace quintet
