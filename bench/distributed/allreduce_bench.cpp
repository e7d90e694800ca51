// Gradient all-reduce time of real models, one rank of a job (torchrun's variables; allreduce_bench.sh starts
// the ranks): DataParallel::reduce_gradients over the parameters of the VAE-NN's five VAEs (stage 1), its
// latent nets (stage 2) and the Transformer-XL at MusicAutobot's size, for several bucket sizes.
// Rank 0 prints one line per case: bytes, bucket MiB, median / min ms over the rounds.
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
            std::printf("%-28s %10zu bytes  %3d tensors  bucket %5.0f MiB  median %8.2f ms  min %8.2f ms  (%d rounds)\n", name,
                        bytes, int(params.size()), mib, median(ms), *std::min_element(ms.begin(), ms.end()), rounds);
        std::fflush(stdout);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
    try {
        configure_torch_threads();
        DataParallel::current().join(distributed_env_from_process(), std::chrono::seconds(120));
        torch::manual_seed(1);
        VaeNnModel vae(16, Likelihood::Bernoulli);
        measure("vae-nn stage 1 (5 VAEs K16)", vae->vae_parameters(), rounds);
        measure("vae-nn stage 2 (latent nets)", vae->net_parameters(), rounds);
        TransformerXl xl(TransformerXlConfig::musicautobot(312));
        measure("transformer-xl musicautobot", xl->parameters(), std::max(3, rounds / 3));
        DataParallel::current().leave();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "allreduce_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
