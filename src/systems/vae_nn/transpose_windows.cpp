#include "systems/vae_nn/transpose_windows.hpp"

#include <algorithm>

#include "systems/vae_nn/model.hpp"
#include "util/error.hpp"

namespace quintet {

torch::Tensor transpose_windows(const torch::Tensor& x, int range, const torch::Tensor& shifts) {
    if (range == 0) return x;
    if (x.dim() != 4 || x.size(1) != kVaeInstruments || shifts.numel() != x.size(0))
        throw UsageError("transpose_windows: expected windows [B, 5, 32, 128] and B shifts");
    const auto shift = shifts.to(torch::kLong).contiguous();
    const auto* by = shift.data_ptr<std::int64_t>();
    auto out = x.clone();
    const std::int64_t pitched = kVaeInstruments - 1, pitches = x.size(3);
    for (std::int64_t b = 0; b < x.size(0); ++b) {
        const std::int64_t s = std::clamp<std::int64_t>(by[b], -range, range);
        if (s == 0) continue;
        auto from = x[b].narrow(0, 0, pitched), to = out[b].narrow(0, 0, pitched);
        to.zero_();
        if (s > 0) to.narrow(2, s, pitches - s).copy_(from.narrow(2, 0, pitches - s));
        else to.narrow(2, 0, pitches + s).copy_(from.narrow(2, -s, pitches + s));
    }
    return out;
}

}  // namespace quintet
