#include "systems/transformer/run_model.hpp"

#include <fstream>
#include <sstream>

#include "runs/run_dir.hpp"
#include "util/error.hpp"

namespace quintet {

TransformerXlConfig network_config(const TransformerTrainConfig& c) {
    if (c.preset != "small" && c.preset != "musicautobot")
        throw UsageError("--preset '" + c.preset + "': expected small or musicautobot");
    const TokenVocab vocab = parse_token_vocab(c.vocab);
    TransformerXlConfig n;
    if (c.preset == "musicautobot") {
        n = TransformerXlConfig::musicautobot(vocab_size(vocab));
    } else {
        n.vocab = vocab_size(vocab);
        n.layers = c.layers;
        n.d_model = c.d_model;
        n.heads = c.heads;
        n.d_inner = c.d_inner;
        n.mem_len = c.mem_len;
        if (n.layers < 1 || n.d_model < 2 || n.heads < 1 || n.d_inner < 1 || n.mem_len < 0)
            throw UsageError("--layers, --d-model, --heads and --d-inner must be positive, --mem-len >= 0");
        if (n.d_model % n.heads != 0 || (n.d_model / n.heads) % 1 != 0 || n.d_model % 2 != 0)
            throw UsageError("--d-model must be even and a multiple of --heads");
        n.d_head = n.d_model / n.heads;
    }
    if (!(c.dropout >= 0 && c.dropout < 1)) throw UsageError("--dropout must be in [0, 1)");
    n.dropout = c.dropout;
    return n;
}

FlatJsonWriter network_json(const TransformerXlConfig& c, TokenVocab vocab) {
    FlatJsonWriter w;
    w.add("vocab", token_vocab_name(vocab))
        .add("vocab_size", c.vocab)
        .add("layers", c.layers)
        .add("d_model", c.d_model)
        .add("heads", c.heads)
        .add("d_head", c.d_head)
        .add("d_inner", c.d_inner)
        .add("mem_len", c.mem_len)
        .add("dropout", c.dropout)
        .add("resolution", tok::steps_per_beat);
    return w;
}

CheckpointLayout transformer_layout(TransformerXl& model, TokenVocab vocab, torch::optim::Optimizer* optimizer) {
    const auto& c = model->config;
    CheckpointLayout layout;
    layout.kind_name = "Transformer-XL";
    // kind_transformer_xl 2: with the beat and bar embeddings (1 had none).
    layout.header = {{"kind_transformer_xl", 2, nullptr},     {"vocab_lpd5", vocab == TokenVocab::lpd5, nullptr},
                     {"layers", c.layers, nullptr},           {"d_model", c.d_model, nullptr},
                     {"heads", c.heads, nullptr},             {"d_inner", c.d_inner, nullptr}};
    layout.modules = {{"model", model.ptr().get()}};
    if (optimizer) layout.optimizers.emplace_back("optimizer", optimizer);
    return layout;
}

TransformerRun load_transformer_run(const std::filesystem::path& run_dir, const torch::Device& device) {
    const auto described = describe_run(run_dir);
    if (described.kind != kTransformerKind)
        throw UsageError(run_dir.string() + " holds a " + described.kind + " run, not a transformer run");
    const auto file = run_dir / "config.json";
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const auto json = parse_flat_json(text.str(), file.string());
    auto get_int = [&](const char* key) {
        auto it = json.find(key);
        if (it == json.end()) throw FormatError(file.string(), std::string("no \"") + key + "\"");
        return int(parse_integer(key, it->second));
    };
    auto vocab_it = json.find("vocab");
    if (vocab_it == json.end()) throw FormatError(file.string(), "no \"vocab\"");
    TransformerRun run;
    run.vocab = parse_token_vocab(vocab_it->second);
    TransformerXlConfig c;
    c.vocab = vocab_size(run.vocab);
    c.layers = get_int("layers");
    c.d_model = get_int("d_model");
    c.heads = get_int("heads");
    c.d_head = get_int("d_head");
    c.d_inner = get_int("d_inner");
    c.mem_len = get_int("mem_len");
    c.dropout = 0;
    if (c.layers < 1 || c.d_model < 2 || c.heads < 1 || c.d_head < 1 || c.d_inner < 1 || c.mem_len < 0 || c.layers > 1000 ||
        c.d_model > 65536 || c.d_inner > 1 << 20)
        throw FormatError(file.string(), "the network's sizes are out of range");
    run.model = TransformerXl(c);
    load_weights(run_dir / "model.pt", transformer_layout(run.model, run.vocab));
    run.model->to(device);
    run.model->eval();
    return run;
}

}  // namespace quintet
