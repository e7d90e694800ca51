#pragma once
// Non-trivial BatchNorm statistics and affine parameters for the CNN tests, so that eval mode is not the
// identity and folding BatchNorm into the weights is really tested. Only the nets' "bnN" modules contain "bn".
#include <torch/torch.h>

#include <string>

namespace quintet::test {

inline void randomise_batch_norm(torch::nn::Module& m) {
    torch::NoGradGuard g;
    for (auto& b : m.named_buffers()) {
        if (b.key().find("running_mean") != std::string::npos) b.value().uniform_(-0.2, 0.2);
        if (b.key().find("running_var") != std::string::npos) b.value().uniform_(0.5, 2.0);
    }
    for (auto& p : m.named_parameters())
        if (p.key().find("bn") != std::string::npos) p.value().uniform_(0.5, 1.5);
}

}  // namespace quintet::test
