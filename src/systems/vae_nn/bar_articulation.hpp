#pragma once
// Copied bars are played again, not held over. In the VAE-NN's roll a note is its cells: a note sounding at the
// end of a bar and at the start of the next is one held note, so a bar copied by the repeat rule (block_rules)
// whose first notes continue the bar before would lose the onsets its source bar has, and would not be heard as
// a repeat.
#include <array>
#include <cstdint>
#include <vector>

#include "roll/multitrack.hpp"

namespace quintet {

// song: the generated song after strike_drums (LPD-5 tracks at twice the VAE-NN's 2 steps per beat: 16 steps a
// bar); copied_from: per bar, per instrument in VAE-NN order, the lag it was copied from (0: not copied), as
// BarRepeats records it. Bars are taken in order, so a copy of a copy gets its source's onsets too: each pitch
// that starts a note at the source bar's first step starts one at the copy's first step (restrike). Drums are
// strokes already and are left alone.
void restrike_copied_bars(Multitrack& song, const std::vector<std::array<std::int8_t, 5>>& copied_from);

}  // namespace quintet
