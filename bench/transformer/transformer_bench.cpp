// Speed of the Transformer-XL, one JSON line per call, for bench/transformer/transformer_vs_python.sh (which runs the
// PyTorch reference, bench/transformer/transformer_reference.py, on the same weights beside it):
//   transformer_bench generate --context N --tokens G --mode cache|cache-module|recompute [--preset small|musicautobot]
//     batch 1, greedy: the context's N tokens go through the model first (untimed), then G tokens are drawn one at
//     a time, each seeing the last N tokens before it: through the key/value cache (mem_len = N) with the packed
//     CPU step generation uses (XlFastStep, `cache`) or the module's single-token step (`cache-module`), or by
//     running the model again over those N tokens and the newest one (what a model without a cache does).
//   transformer_bench train [--steps 8 --batch 4 --bptt 128 --preset small --profile FILE]
//     training tokens/s: segments carried through the memory, AdamW, gradient clipping, as the trainer; after one
//     untimed step. --profile: torch's op profiler over the timed steps, as a chrome trace (the rates then include
//     its overhead); bench/transformer/profile_summary.py sums it per op.
//   transformer_bench export --out DIR [--context N --preset small]
//     the weights (DIR/weights.bin, float32, in the order of DIR/weights.txt: name and shape per line) and the
//     logits of the context's tokens (DIR/logits.bin, [N, vocab]): the reference loads the one and checks the other.
//   transformer_bench check-run --run RUN [--bars 64 --seed 1]
//     a trained run: the song generation draws with the packed step equals the module step's (same seed), and
//     the largest logit difference between the two along that song, relative to the largest logit.
// Weights are seeded (torch::manual_seed(1)), the tokens fixed ((7 i + 3) mod vocab, token i at step i / 4): both
// sides do the same work.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/csrc/autograd/profiler_legacy.h>

#include "nn/fused_adamw.hpp"
#include "nn/runtime.hpp"
#include "systems/transformer/fast_step.hpp"
#include "systems/transformer/generator.hpp"
#include "systems/transformer/model.hpp"

using namespace quintet;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// Process CPU seconds (every thread): on a machine shared with other jobs the rate per CPU second stays put while the
// wall-clock rate follows the load.
double cpu_seconds() { return double(std::clock()) / CLOCKS_PER_SEC; }

std::map<std::string, std::string> parse_flags(int argc, char** argv) {
    std::map<std::string, std::string> flags;
    for (int i = 2; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
    return flags;
}

int flag(const std::map<std::string, std::string>& f, const std::string& name, int fallback) {
    auto it = f.find(name);
    return it == f.end() ? fallback : std::atoi(it->second.c_str());
}

TransformerXlConfig config_for(const std::map<std::string, std::string>& f, int mem_len) {
    auto it = f.find("--preset");
    const std::string preset = it == f.end() ? "small" : it->second;
    TransformerXlConfig c = preset == "musicautobot" ? TransformerXlConfig::musicautobot(312) : TransformerXlConfig{};
    if (mem_len >= 0) c.mem_len = mem_len;
    return c;
}

std::vector<std::int64_t> fixed_tokens(std::int64_t n, int vocab) {
    std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) ids[std::size_t(i)] = (7 * i + 3) % vocab;
    return ids;
}

std::vector<std::int64_t> fixed_positions(std::int64_t n) {
    std::vector<std::int64_t> pos(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) pos[std::size_t(i)] = i / 4;
    return pos;
}

torch::Tensor row(const std::vector<std::int64_t>& ids, std::size_t from, std::size_t to) {
    return torch::tensor(std::vector<std::int64_t>(ids.begin() + long(from), ids.begin() + long(to))).view({1, -1});
}

int generate(const std::map<std::string, std::string>& f) {
    const int context = flag(f, "--context", 256), tokens = flag(f, "--tokens", 32);
    const std::string mode = f.count("--mode") ? f.at("--mode") : "cache";
    torch::manual_seed(1);
    TransformerXl model(config_for(f, context));
    model->eval();
    torch::NoGradGuard no_grad;
    auto ids = fixed_tokens(context, model->config.vocab);
    const auto pos = fixed_positions(context + tokens);
    if (mode != "cache" && mode != "cache-module" && mode != "recompute") {
        std::fprintf(stderr, "--mode %s: expected cache, cache-module or recompute\n", mode.c_str());
        return 2;
    }
    const bool cached = mode != "recompute";
    XlFastStep fast(*model);  // packed before the clock starts, as the generator does at load
    XlCache cache;
    torch::Tensor last;
    if (cached) last = model->step(row(ids, 0, ids.size()), cache, row(pos, 0, ids.size()))[0][-1];
    else last = model(row(ids, 0, ids.size()), XlMemory{}, nullptr, row(pos, 0, ids.size()))[0][-1];  // warms the same shapes
    const auto t0 = Clock::now();
    const double c0 = cpu_seconds();
    for (int t = 0; t < tokens; ++t) {
        ids.push_back(last.argmax().item<std::int64_t>());
        const std::size_t n = ids.size(), from = cached ? n - 1 : n - std::size_t(context) - 1;
        if (mode == "cache") last = fast.step(ids.back(), pos[n - 1], cache);
        else if (cached) last = model->step(row(ids, from, n), cache, row(pos, from, n))[0][0];
        else last = model(row(ids, from, n), XlMemory{}, nullptr, row(pos, from, n))[0][-1];
    }
    const double s = seconds_since(t0), cpu = cpu_seconds() - c0;
    std::string drawn;
    for (std::size_t i = std::size_t(context); i < ids.size() && i < std::size_t(context) + 8; ++i) drawn += (drawn.empty() ? "" : ",") + std::to_string(ids[i]);
    std::printf("{\"side\": \"cpp\", \"mode\": \"%s\", \"context\": %d, \"tokens\": %d, \"threads\": %d, \"tokens_per_s\": %.3f, "
                "\"tokens_per_cpu_s\": %.3f, \"first_drawn\": [%s]}\n",
                mode.c_str(), context, tokens, torch::get_num_threads(), tokens / s, tokens / cpu, drawn.c_str());
    return 0;
}

int train(const std::map<std::string, std::string>& f) {
    const int steps = flag(f, "--steps", 8), batch = flag(f, "--batch", 4), bptt = flag(f, "--bptt", 128);
    torch::manual_seed(1);
    TransformerXl model(config_for(f, -1));
    model->train();
    FusedAdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-3).weight_decay(0.01).betas({0.95, 0.99}));
    const std::int64_t n = std::int64_t(batch) * ((steps + 1) * bptt + 1);
    const auto streams = torch::tensor(fixed_tokens(n, model->config.vocab)).view({batch, -1});
    const auto positions = torch::tensor(fixed_positions(n)).view({batch, -1});
    XlMemory memory;
    Clock::time_point t0;
    double c0 = 0;
    std::unique_ptr<torch::autograd::profiler::RecordProfile> profile;
    for (int s = 0; s <= steps; ++s) {
        if (s == 1) {  // the first step (allocations, first touch) is not timed
            if (f.count("--profile")) profile = std::make_unique<torch::autograd::profiler::RecordProfile>(f.at("--profile"));
            t0 = Clock::now(), c0 = cpu_seconds();
        }
        auto x = streams.narrow(1, s * bptt, bptt), y = streams.narrow(1, s * bptt + 1, bptt);
        XlMemory next;
        auto logits = model(x, memory, &next, positions.narrow(1, s * bptt, bptt));
        memory = std::move(next);
        auto loss = torch::nn::functional::cross_entropy(logits.reshape({-1, logits.size(-1)}), y.reshape({-1}));
        optimizer.zero_grad();
        loss.backward();
        torch::nn::utils::clip_grad_norm_(model->parameters(), 0.5);
        optimizer.step();
        loss.item<double>();
    }
    const double s = seconds_since(t0), cpu = cpu_seconds() - c0, n_tokens = double(steps) * batch * bptt;
    profile.reset();
    std::printf("{\"side\": \"cpp\", \"mode\": \"train\", \"batch\": %d, \"bptt\": %d, \"steps\": %d, \"threads\": %d, \"tokens_per_s\": %.3f, "
                "\"tokens_per_cpu_s\": %.3f}\n",
                batch, bptt, steps, torch::get_num_threads(), n_tokens / s, n_tokens / cpu);
    return 0;
}

int export_weights(const std::map<std::string, std::string>& f) {
    const std::filesystem::path dir = f.count("--out") ? f.at("--out") : "transformer-export";
    const int context = flag(f, "--context", 64);
    std::filesystem::create_directories(dir);
    torch::manual_seed(1);
    TransformerXl model(config_for(f, context));
    model->eval();
    torch::NoGradGuard no_grad;
    std::ofstream index(dir / "weights.txt"), bin(dir / "weights.bin", std::ios::binary);
    const auto& c = model->config;
    index << "config " << c.vocab << ' ' << c.layers << ' ' << c.d_model << ' ' << c.heads << ' ' << c.d_head << ' ' << c.d_inner
          << ' ' << c.mem_len << '\n';
    for (const auto& p : model->named_parameters()) {
        auto t = p.value().contiguous().to(torch::kFloat);
        index << p.key();
        for (auto d : t.sizes()) index << ' ' << d;
        index << '\n';
        bin.write(static_cast<const char*>(t.data_ptr()), std::streamsize(t.numel() * sizeof(float)));
    }
    auto logits = model(row(fixed_tokens(context, c.vocab), 0, std::size_t(context)), XlMemory{}, nullptr,
                        row(fixed_positions(context), 0, std::size_t(context)))[0].contiguous();
    std::ofstream(dir / "logits.bin", std::ios::binary)
        .write(static_cast<const char*>(logits.data_ptr()), std::streamsize(logits.numel() * sizeof(float)));
    std::printf("{\"side\": \"cpp\", \"mode\": \"export\", \"dir\": \"%s\", \"context\": %d}\n", dir.string().c_str(), context);
    return 0;
}

int check_run(const std::map<std::string, std::string>& f) {
    if (!f.count("--run")) {
        std::fprintf(stderr, "check-run needs --run RUN\n");
        return 2;
    }
    const std::filesystem::path run = f.at("--run");
    const int bars = flag(f, "--bars", 64), seed = flag(f, "--seed", 1);
    TransformerGenerator gen(run, "cpu");
    const auto fast_ids = gen.generate_ids({}, std::size_t(bars) * 16, std::uint64_t(seed), {});
    gen.use_fast_path(false);
    const auto module_ids = gen.generate_ids({}, std::size_t(bars) * 16, std::uint64_t(seed), {});
    // The same ids through both steps, logits compared token by token.
    auto model = load_transformer_run(run, torch::kCPU).model;
    torch::NoGradGuard no_grad;
    XlFastStep fast(*model);
    const auto positions = token_positions(fast_ids);
    XlCache module_cache, fast_cache;
    double worst = 0, scale = 0;
    std::size_t argmax_differs = 0;
    for (std::size_t i = 0; i < fast_ids.size(); ++i) {
        auto t = torch::tensor({std::int64_t(fast_ids[i])}).view({1, 1});
        auto p = torch::tensor({std::int64_t(positions[i])}).view({1, 1});
        auto want = model->step(t, module_cache, p).view({-1});
        auto got = fast.step(fast_ids[i], positions[i], fast_cache);
        const double s = want.abs().max().item<double>();
        scale = std::max(scale, s);
        worst = std::max(worst, (got - want).abs().max().item<double>() / s);
        argmax_differs += got.argmax().item<std::int64_t>() != want.argmax().item<std::int64_t>();
    }
    std::printf("{\"side\": \"cpp\", \"mode\": \"check-run\", \"run\": \"%s\", \"ids\": %zu, \"same_ids\": %s, \"mem_len\": %d, "
                "\"max_rel_logit_diff\": %.3g, \"max_abs_logit\": %.3g, \"argmax_differs\": %zu}\n",
                run.string().c_str(), fast_ids.size(), fast_ids == module_ids ? "true" : "false", model->config.mem_len, worst, scale,
                argmax_differs);
    return fast_ids == module_ids && worst < 1e-4 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string command = argc > 1 ? argv[1] : "";
    configure_torch_threads();
    const auto flags = parse_flags(argc, argv);
    if (command == "generate") return generate(flags);
    if (command == "train") return train(flags);
    if (command == "export") return export_weights(flags);
    if (command == "check-run") return check_run(flags);
    std::fprintf(stderr, "usage: transformer_bench generate|train|export|check-run [--flag value ...] (see the file's header)\n");
    return 2;
}
