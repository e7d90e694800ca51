#pragma once
// What a Transformer-XL run holds: the network's shape in config.json, its weights in model.pt (best) and
// last.pt (resume), checked against each other through the checkpoint header.
#include <filesystem>

#include "nn/checkpoint.hpp"
#include "represent/music_tokens.hpp"
#include "systems/transformer/model.hpp"
#include "systems/transformer/train_options.hpp"
#include "util/flat_json.hpp"

namespace quintet {

inline constexpr const char* kTransformerKind = "transformer";

// The network a training configuration asks for (the preset, then the explicit sizes of the small preset).
TransformerXlConfig network_config(const TransformerTrainConfig& c);
// config.json keys of the network (vocab, layers, d_model, heads, d_head, d_inner, mem_len, dropout).
FlatJsonWriter network_json(const TransformerXlConfig& c, TokenVocab vocab);

CheckpointLayout transformer_layout(TransformerXl& model, TokenVocab vocab, torch::optim::Optimizer* optimizer = nullptr);

struct TransformerRun {
    TransformerXl model{nullptr};
    TokenVocab vocab = TokenVocab::musicautobot;
    int steps_per_beat = 4;
};
// Reads config.json and model.pt onto the device, in eval mode. UsageError/FormatError for a run of another kind.
TransformerRun load_transformer_run(const std::filesystem::path& run_dir, const torch::Device& device);

}  // namespace quintet
