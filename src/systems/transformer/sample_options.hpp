#pragma once
// Sampling settings of the Transformer-XL (MusicAutobot's MusicLearner.predict defaults). No torch.
namespace quintet {

struct TransformerSampleConfig {
    double note_temperature = 1.0;      // temperatures[0]: drawing a note or an advance
    double duration_temperature = 1.0;  // temperatures[1]: drawing a duration
    int top_k = 30;
    double top_p = 0.6;
    bool repeat_penalty = true;
    bool recompute = false;             // no key/value cache: re-run the last mem_len + 1 tokens for every token
};

}  // namespace quintet
