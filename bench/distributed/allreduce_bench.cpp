// Gradient all-reduce time of real models, one rank of a job (torchrun's variables; allreduce_bench.sh starts
// the ranks): DataParallel::reduce_gradients over the parameters of the VAE-NN's five VAEs (stage 1), its
// latent nets (stage 2) and the Transformer-XL at MusicAutobot's size, for several bucket sizes.
// Rank 0 prints one line per case: name, bytes, tensors, bucket MiB, median / min ms over the rounds.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "nn/data_parallel.hpp"
#include "nn/runtime.hpp"
#include "systems/transformer/model.hpp"
#include "systems/vae_nn/model.hpp"

using namespace quintet;

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

void measure(const char* name, const std::vector<torch::Tensor>& params, int rounds) {
    auto& group = DataParallel::current();
    std::size_t bytes = 0;
    for (const auto& p : params) {
        const_cast<torch::Tensor&>(p).mutable_grad() = torch::randn_like(p);
        bytes += std::size_t(p.numel()) * p.element_size();
    }
    for (double mib : {1.0, 4.0, 25.0, 100.0}) {
        group.set_bucket_bytes(std::size_t(mib * 1048576));
        std::vector<double> ms;
        group.reduce_gradients(params, 0.5);  // warm-up: connections and buffers
        group.take_reduce_seconds();
        for (int r = 0; r < rounds; ++r) {
            group.reduce_gradients(params, 0.5);
            ms.push_back(group.take_reduce_seconds() * 1000);
        }
        // Every rank's median is the same collective; rank 0 reports.
        if (group.writes())
            std::printf("c++    %-28s bytes %10zu  tensors %4d  bucket_MiB %4.0f  median_ms %8.2f  min_ms %8.2f  rounds %d\n", name,
                        bytes, int(params.size()), mib, median(ms), *std::min_element(ms.begin(), ms.end()), int(ms.size()));
        std::fflush(stdout);
    }
}

// One rank's compute per optimiser step of the Transformer-XL (forward + backward, batch x bptt tokens, memory
// of the previous segment): the step time of the scaling model. Rank 0 measures while the others wait.
void measure_xl_step(TransformerXl& xl, int batch, int bptt, int steps) {
    auto& group = DataParallel::current();
    if (group.writes()) {
        torch::optim::Adam adam(xl->parameters(), torch::optim::AdamOptions(1e-4));
        XlMemory memory;
        std::vector<double> ms;
        for (int s = 0; s <= steps; ++s) {  // the first step fills the memory (not counted)
            const auto t0 = std::chrono::steady_clock::now();
            const auto tokens = torch::randint(xl->config.vocab, {batch, bptt + 1}, torch::kLong);
            XlMemory next;
            const auto logits = xl->forward(tokens.narrow(1, 0, bptt), memory, &next);
            const auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, xl->config.vocab}),
                                                                   tokens.narrow(1, 1, bptt).reshape(-1));
            adam.zero_grad();
            loss.backward();
            adam.step();
            memory = next;
            if (s > 0) ms.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1000);
        }
        std::printf("c++    %-28s batch %d x bptt %d  threads %d  step median_ms %8.1f  (%d steps)\n", "transformer-xl-step",
                    batch, bptt, torch::get_num_threads(), median(ms), steps);
        std::fflush(stdout);
    }
    group.sum({0.0});  // the others wait here
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
    try {
        configure_torch_threads();
        DataParallel::current().join(distributed_env_from_process(), std::chrono::seconds(120));
        torch::manual_seed(1);
        VaeNnModel vae(16, Likelihood::Bernoulli);
        measure("vae-nn-stage1-5vaes-k16", vae->vae_parameters(), rounds);
        measure("vae-nn-stage2-latent-nets", vae->net_parameters(), rounds);
        TransformerXl xl(TransformerXlConfig::musicautobot(312));
        measure("transformer-xl-musicautobot", xl->parameters(), std::max(3, rounds / 3));
        if (std::getenv("QUINTET_BENCH_XL_STEP")) measure_xl_step(xl, 4, 128, 3);
        DataParallel::current().leave();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "allreduce_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
