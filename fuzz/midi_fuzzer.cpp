// libFuzzer entry point for the MIDI reader: any input must parse or throw quintet::Error, never crash,
// hang or read out of bounds (AddressSanitizer + UBSan watch the latter).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "io/midi/midi.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    for (auto pairing : {quintet::NotePairing::fifo, quintet::NotePairing::pretty_midi}) {
        try {
            const quintet::MidiFile f = quintet::parse_midi(bytes, "fuzz.mid", {pairing});
            // Invariants every successful parse keeps.
            for (const auto& n : f.notes)
                if (n.off_tick < n.on_tick || n.pitch < 0 || n.pitch > 127 || n.channel < 0 || n.channel > 15 ||
                    n.velocity < 1 || n.velocity > 127 || n.off_tick > f.end_tick)
                    __builtin_trap();
        } catch (const quintet::Error&) {
        }
    }
    return 0;
}
