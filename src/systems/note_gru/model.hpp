#pragma once
// The GRU next-note network (SEED-SPEC 2.2): Embedding -> GRU layers -> Linear over the vocabulary. The layers
// are single-layer GRUs stacked by hand (the same arithmetic as one multi-layer torch GRU) so that the decoder
// can read every layer's state, as the original's Linear(hidden * layers, V) did, or only the top one.
// Its checkpoints (nn/checkpoint) carry the shape in their header.
#include <torch/torch.h>

#include <filesystem>
#include <vector>

#include "nn/checkpoint.hpp"
#include "systems/note_gru/gru_step.hpp"
#include "systems/note_gru/run_info.hpp"

namespace quintet {

struct NoteGruShape {
    std::int64_t vocabulary = 0;
    std::int64_t embedding = 96, hidden = 96, layers = 2;
    bool all_layers = true;
};
NoteGruShape shape_of(const NoteGruRunInfo& info);

class NoteGruNetImpl : public torch::nn::Module {
public:
    explicit NoteGruNetImpl(const NoteGruShape& shape);
    // ids [B, T] (int64) -> logits [B, T, vocabulary]. `state` [layers, B, hidden] is the hidden state before
    // the first step (undefined: zeros) and is replaced by the state after the last step, so a sequence can be
    // fed in pieces (generation feeds one token at a time, never the context again).
    torch::Tensor forward(const torch::Tensor& ids, torch::Tensor& state);
    const NoteGruShape& shape() const { return shape_; }

    torch::nn::Embedding embedding{nullptr};
    std::vector<torch::nn::GRU> grus;
    torch::nn::Linear decoder{nullptr};

private:
    NoteGruShape shape_;
};
TORCH_MODULE(NoteGruNet);

// model.pt / last.pt: the header (kind, vocabulary, embedding, hidden, layers, readout) and the net; last.pt
// adds the optimiser.
CheckpointLayout note_gru_layout(NoteGruNet& net, torch::optim::Optimizer* optimizer = nullptr);
void save_net(const std::filesystem::path& file, NoteGruNet& net);
void load_net(const std::filesystem::path& file, NoteGruNet& net);  // FormatError on a mismatch

// The summed negative log-likelihood (nats) of every token after the first of each sequence, each predicted
// from all tokens before it in its sequence (the state is carried through the whole sequence, in chunks of
// `chunk` steps; sequences are batched by length, padding masked out).
struct NllSum {
    double nll = 0;
    long long tokens = 0;
};
NllSum sequences_nll(NoteGruNet& net, const std::vector<std::vector<std::int64_t>>& sequences, const torch::Device& device,
                     int batch = 16, int chunk = 256);

// The net's weights as plain floats, for the CPU stepper (gru_step.hpp).
NoteGruWeights weights_of(NoteGruNet& net);

// model.json + model.pt of a run onto `device`, in eval mode.
NoteGruNet load_run_net(const std::filesystem::path& run_dir, const torch::Device& device);

}  // namespace quintet
