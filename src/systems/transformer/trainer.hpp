#pragma once
// Training the Transformer-XL as MusicAutobot's language-model learner does: each epoch the songs (shuffled,
// each transposed at random) are laid end to end in `batch` parallel streams, read in segments of bptt
// tokens that carry their memory to the next segment, under a one-cycle learning rate.
#include <cstdint>
#include <vector>

#include "corpus/store.hpp"
#include "represent/music_tokens.hpp"
#include "runs/curve.hpp"
#include "systems/transformer/model.hpp"
#include "systems/transformer/train_options.hpp"

namespace quintet {

struct TransformerTrainResult {
    int epochs = 0;
    double best_valid = 0;  // valid NLL per token (nats)
    bool finished = false;
};
TransformerTrainResult train_transformer(const TransformerTrainConfig& config, const EpochCallback& on_epoch);

// The token ids of the songs of one split (every song of the store must be at 4 steps per beat: UsageError
// with how to build such a store otherwise).
std::vector<std::vector<int>> split_tokens(const CorpusStore& store, Split split, TokenVocab vocab);
void require_sixteenth_store(const CorpusStore& store);

// The songs laid end to end and cut into `rows` streams of equal length (the remainder dropped): ids and
// their positions (token_positions: each song counts from its start), [rows, L] int64 each.
struct TokenStreams {
    torch::Tensor ids, positions;
    std::int64_t length() const { return ids.size(1); }
};
TokenStreams token_streams(const std::vector<std::vector<int>>& songs, int rows);

// Mean negative log-likelihood per predicted token of streams read in segments of bptt through memory.
struct StreamNll {
    double sum = 0;
    long long tokens = 0;
    double mean() const { return tokens ? sum / double(tokens) : 0; }
};
StreamNll stream_nll(TransformerXl& model, const TokenStreams& streams, int bptt, const torch::Device& device);

// fastai's one-cycle schedule at fraction `t` of training: cosine warm-up from max/25 to max over the first
// 25 %, then cosine annealing to max/25e4; the momentum (Adam's beta1) runs 0.95 -> 0.85 -> 0.95 against it.
double one_cycle_lr(double max_lr, double t);
double one_cycle_momentum(double t);

}  // namespace quintet
