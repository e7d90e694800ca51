#pragma once
// Offline audio: a Multitrack rendered through FluidSynth's synthesizer (no audio driver) with a General
// MIDI SoundFont, written as 16-bit stereo PCM WAV.
#include <cstdint>
#include <filesystem>
#include <memory>

#include "roll/multitrack.hpp"

namespace quintet {

inline constexpr const char* kDefaultSoundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

struct AudioOptions {
    // Empty: $QUINTET_SOUNDFONT if set, else the FluidR3 GM SoundFont (Debian fluid-soundfont-gm).
    std::filesystem::path soundfont;
    int sample_rate = 44100;    // 8000..96000
    double gain = 0.5;          // FluidSynth master gain, 0..10
    double tail_seconds = 1.5;  // silence after the last step so releases and reverb ring out, 0..60
    bool limit_peak = true;     // a mix that would clip is scaled down as a whole to peak kPeakLimit
    // Renders up to this many frames are kept in memory (8 bytes per frame) between measuring the peak and
    // writing; longer ones are synthesized twice instead. Default: 20 minutes at 48 kHz (460 MB).
    std::uint64_t in_memory_frames = 20ull * 60 * 48000;
};

inline constexpr float kPeakLimit = 0.98f;  // -0.18 dBFS

// The SoundFont render_wav would use. Throws IoError "soundfont not found: <path> (install
// fluid-soundfont-gm or set QUINTET_SOUNDFONT)" when that file does not exist.
std::filesystem::path resolve_soundfont(const AudioOptions& options = {});

// Length of the WAV render_wav writes, in frames: song length from the tempo array plus the tail.
std::uint64_t rendered_frames(const Multitrack& mt, const AudioOptions& options = {});

// Drums (is_drum tracks) play on channel 9 with the percussion bank (128); other tracks play their GM
// program on a channel of their own. Written atomically: on any error no file is left at `wav`.
void render_wav(const Multitrack& mt, const std::filesystem::path& wav, const AudioOptions& options = {});

// Keeps one SoundFont's samples in memory while it lives. Every render_wav of that file in this process then
// shares them through FluidSynth's sample cache instead of reading its own copy (FluidR3: 141 MB, 0.1-0.9 s a
// song). For long-lived processes that render many songs, such as the studio: their memory stays flat at one
// copy however renders overlap. Throws like render_wav when the SoundFont is missing or not loadable.
class SoundfontKeeper {
public:
    explicit SoundfontKeeper(const AudioOptions& options = {});
    ~SoundfontKeeper();
    SoundfontKeeper(const SoundfontKeeper&) = delete;
    SoundfontKeeper& operator=(const SoundfontKeeper&) = delete;
    const std::filesystem::path& soundfont() const;

private:
    struct Held;
    std::unique_ptr<Held> held_;
};

}  // namespace quintet
