#include "roll/bars.hpp"

#include "util/error.hpp"

namespace quintet {

std::vector<std::size_t> bar_start_steps(const Multitrack& mt) {
    if (mt.resolution <= 0) throw UsageError("bars: resolution must be positive, got " + std::to_string(mt.resolution));
    const std::size_t steps = mt.steps();
    const std::size_t beat = static_cast<std::size_t>(mt.resolution);
    const std::size_t bar = 4 * beat, longest_marked = 6 * beat;

    std::vector<std::size_t> marks;
    for (std::size_t t = 0; t < mt.downbeat.size() && t < steps; ++t)
        if (mt.downbeat[t]) marks.push_back(t);

    std::vector<std::size_t> bars;
    if (marks.empty()) {
        for (std::size_t t = 0; t < steps; t += bar) bars.push_back(t);
        return bars;
    }
    // Before the first mark: whole 4/4 bars counted back from it (a pickup keeps its partial bar).
    if (marks.front() > longest_marked) {
        std::vector<std::size_t> back;
        for (std::size_t t = marks.front(); t >= bar;) back.push_back(t -= bar);
        bars.assign(back.rbegin(), back.rend());
    }
    for (std::size_t i = 0; i < marks.size(); ++i) {
        const std::size_t end = i + 1 < marks.size() ? marks[i + 1] : steps;
        bars.push_back(marks[i]);
        if (end - marks[i] > longest_marked || i + 1 == marks.size())
            for (std::size_t t = marks[i] + bar; t < end; t += bar) bars.push_back(t);
    }
    return bars;
}

}  // namespace quintet
