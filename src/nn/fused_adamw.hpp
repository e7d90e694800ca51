#pragma once
// torch::optim::AdamW with each parameter's update done in one pass over its values: torch's step is ~8 tensor ops
// per parameter (decay, two moment updates, sqrt, divide, add, addcdiv), each a pass over memory, ~5 % of a
// Transformer-XL training step on the CPU (docs/BENCHMARKS.md). The same arithmetic, options and state (the
// AdamWParamState torch keeps, so checkpoints save and load as AdamW's); parameters that are not contiguous CPU
// float tensors, and amsgrad, take torch's code.
#include <torch/torch.h>

namespace quintet {

class FusedAdamW : public torch::optim::AdamW {
public:
    using torch::optim::AdamW::AdamW;
    torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace quintet
