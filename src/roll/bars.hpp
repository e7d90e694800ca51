#pragma once
// Where bars start. LPD files mark a downbeat only where a time signature starts (pypianoroll 0.3.0:
// most LPD-5 songs have exactly one), while other sources mark every bar; this reads both.
#include <cstddef>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

// Steps at which a bar starts, ascending, within [0, mt.steps()). Every marked downbeat starts a bar; a gap
// between marks (or before the first / after the last) longer than 6 beats is filled with 4-beat bars
// (LPD-5 cleansed is all 4/4), so shorter marked bars (3/4, 5/4, 6/8) are kept as they are. No downbeat
// at all: 4/4 from step 0.
std::vector<std::size_t> bar_start_steps(const Multitrack& mt);

}  // namespace quintet
