#pragma once
// Generation-only evaluation of the note GRU on the CPU, one token at a time (batch 1), without torch: the
// weights are copied once, transposed so that every matrix-vector product runs along contiguous memory, and a
// step allocates nothing. A torch GRU step costs dozens of small dispatched ops (~180 us here, docs/BENCHMARKS.md);
// this is the same arithmetic in one pass. Same values as NoteGruNet up to float rounding
// (tests/systems/note_gru/note_gru_model_test.cpp).
#include <cstdint>
#include <vector>

namespace quintet {

// A network's weights as its modules store them (row-major, PyTorch's GRU gate order r, z, n).
struct NoteGruWeights {
    std::int64_t vocabulary = 0, embedding = 0, hidden = 0;
    bool all_layers = true;
    std::vector<float> embedding_table;  // [vocabulary][embedding]
    struct Layer {
        std::vector<float> w_ih, w_hh, b_ih, b_hh;  // [3 hidden][inputs], [3 hidden][hidden], [3 hidden], [3 hidden]
    };
    std::vector<Layer> layers;
    std::vector<float> decoder_w, decoder_b;  // [vocabulary][readout], [vocabulary]
};

class NoteGruStepper {
public:
    explicit NoteGruStepper(const NoteGruWeights& weights);  // UsageError when the sizes do not fit together
    void reset();  // the zero state of a new sequence
    // Feeds one token (0 <= token < vocabulary) and writes the next token's logits [vocabulary].
    void step(std::int64_t token, float* logits);
    std::int64_t vocabulary() const { return vocabulary_; }

private:
    struct Layer {
        std::int64_t inputs = 0;
        std::vector<float> w_ih_t, w_hh_t, b_ih, b_hh;  // transposed: [inputs][3 hidden], [hidden][3 hidden]
    };
    std::int64_t vocabulary_, embedding_, hidden_;
    bool all_layers_;
    std::vector<float> embedding_table_;
    std::vector<Layer> layers_;
    std::vector<float> decoder_w_t_, decoder_b_;  // [readout][vocabulary], [vocabulary]
    std::vector<std::vector<float>> state_;       // per layer [hidden]
    std::vector<float> gi_, gh_, readout_;        // scratch
};

}  // namespace quintet
