#pragma once
// Offline audio: a Multitrack rendered through FluidSynth's synthesizer (no audio driver) with a General
// MIDI SoundFont, written as 16-bit stereo PCM WAV.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "roll/multitrack.hpp"

namespace quintet {

inline constexpr const char* kDefaultSoundfont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

struct AudioOptions {
    // Empty: $QUINTET_SOUNDFONT if set, else the FluidR3 GM SoundFont (Debian fluid-soundfont-gm).
    std::filesystem::path soundfont;
    int sample_rate = 44100;    // 8000..96000
    double gain = 0.5;          // FluidSynth master gain, 0..10
    double tail_seconds = 1.5;  // silence after the last step so releases and reverb ring out, 0..60
    bool limit_peak = true;     // a mix that would clip is turned down around its loud moments to peak kPeakLimit
};

inline constexpr float kPeakLimit = 0.98f;  // -0.18 dBFS

// The SoundFont render_wav would use. Throws IoError "soundfont not found: <path> (install
// fluid-soundfont-gm or set QUINTET_SOUNDFONT)" when that file does not exist.
std::filesystem::path resolve_soundfont(const AudioOptions& options = {});

// Length of the WAV render_wav writes, in frames: song length from the tempo array plus the tail.
std::uint64_t rendered_frames(const Multitrack& mt, const AudioOptions& options = {});

// Drums (is_drum tracks) play on channel 9 with the percussion bank (128); other tracks play their GM
// program on a channel of their own. Written atomically: on any error no file is left at `wav`. The bytes
// are WavStream's, written as they come (memory stays bounded however long the song).
void render_wav(const Multitrack& mt, const std::filesystem::path& wav, const AudioOptions& options = {});

// The WAV file of a song, made as it is read: the 44-byte header first (its sizes are known from the song's
// length and the tail), then the samples as FluidSynth synthesizes them through the PeakLimiter
// (io/audio/peak_limiter.hpp). The first bytes come after a few milliseconds of work, so a server can send
// a long song while it is rendered. The same bytes as render_wav, which writes this stream to a file.
class WavStream {
public:
    // Throws like render_wav (options, SoundFont) before anything is synthesized.
    explicit WavStream(const Multitrack& mt, const AudioOptions& options = {});
    ~WavStream();
    WavStream(const WavStream&) = delete;
    WavStream& operator=(const WavStream&) = delete;

    std::uint64_t size() const;      // bytes of the whole file, header included
    std::uint64_t position() const;  // bytes given out so far
    // Appends the next bytes of the file to `out` (the header, then about 4096 frames at a time); false, with
    // nothing appended, once the whole file has been given out.
    bool next(std::string& out);

private:
    struct State;
    std::unique_ptr<State> state_;
};

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
