#include "nn/batches.hpp"

namespace quintet {

torch::Tensor window_tensor(const WindowSet& set) {
    const auto& s = set.spec;
    const std::vector<std::int64_t> shape = {set.size(), std::int64_t(s.tracks.size()), s.steps, s.pitches};
    if (set.size() == 0) return torch::zeros(shape, torch::kUInt8);
    return torch::from_blob(const_cast<std::uint8_t*>(set.cells.data()), shape, torch::kUInt8);
}

torch::Tensor to_unit_float(const torch::Tensor& rolls, const torch::Device& device) {
    return rolls.to(device).to(torch::kFloat).div_(127.0);
}

}  // namespace quintet
