// Generation speed of the Transformer-XL: tokens per second drawn one at a time through the key/value cache
// against re-running the whole context for every token (what a model without a cache does). Random weights:
// the cost does not depend on them. Usage: transformer_bench [tokens=256] [preset=small|musicautobot] [repeats=3]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nn/runtime.hpp"
#include "systems/transformer/model.hpp"

using namespace quintet;

int main(int argc, char** argv) {
    const int tokens = argc > 1 ? std::atoi(argv[1]) : 256;
    const std::string preset = argc > 2 ? argv[2] : "small";
    const int repeats = argc > 3 ? std::atoi(argv[3]) : 3;
    configure_torch_threads();
    TransformerXlConfig c = preset == "musicautobot" ? TransformerXlConfig::musicautobot(312) : TransformerXlConfig{};
    c.mem_len = std::max(c.mem_len, tokens);  // both ways then see the same context
    torch::manual_seed(1);
    TransformerXl model(c);
    model->eval();
    torch::NoGradGuard no_grad;
    auto timed = [&](bool cached) {
        std::vector<double> rates;
        for (int r = 0; r < repeats; ++r) {
            std::vector<std::int64_t> ids = {0, 1};
            XlCache cache;
            auto t0 = std::chrono::steady_clock::now();
            torch::Tensor last = cached ? model->step(torch::tensor(ids).view({1, -1}), cache).select(1, -1)[0] : torch::Tensor();
            while (int(ids.size()) < tokens) {
                if (!cached) last = model(torch::tensor(ids).view({1, -1})).select(1, -1)[0];
                ids.push_back(last.argmax().item<std::int64_t>());
                if (cached) last = model->step(torch::tensor({ids.back()}).view({1, 1}), cache).select(1, -1)[0];
            }
            rates.push_back(double(tokens - 2) / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(rates.begin(), rates.end());
        return rates[rates.size() / 2];
    };
    const double with_cache = timed(true), recompute = timed(false);
    std::printf("preset %s, %d tokens, %d threads: cache %.1f tokens/s, recompute %.1f tokens/s (x%.1f), median of %d\n",
                preset.c_str(), tokens, torch::get_num_threads(), with_cache, recompute, with_cache / recompute, repeats);
}
