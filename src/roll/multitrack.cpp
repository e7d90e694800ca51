#include "roll/multitrack.hpp"

#include <algorithm>

namespace quintet {

bool Track::empty() const {
    return std::all_of(roll.begin(), roll.end(), [](std::uint8_t v) { return v == 0; });
}

std::size_t Track::nnz() const {
    return static_cast<std::size_t>(std::count_if(roll.begin(), roll.end(), [](std::uint8_t v) { return v != 0; }));
}

std::size_t Multitrack::steps() const {
    std::size_t n = std::max(tempo.size(), downbeat.size());
    for (const auto& t : tracks) n = std::max(n, t.steps());
    return n;
}

}  // namespace quintet
