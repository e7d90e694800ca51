#include "io/audio/render_wav.hpp"

#include <fluidsynth.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "io/audio/note_schedule.hpp"
#include "io/audio/peak_limiter.hpp"
#include "io/audio/wav_file.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;
namespace {

// PCM samples are written straight from memory: WAV is little-endian.
static_assert(std::endian::native == std::endian::little, "WAV writer assumes a little-endian host");

// FluidSynth prints its errors to stderr by default; the CLI promises one line, so keep the last error
// and put it into our exception instead.
thread_local std::string g_last_fluid_error;
void capture_fluid_log(int level, const char* message, void*) {
    if (level <= FLUID_ERR && message) g_last_fluid_error = message;
}
void quiet_fluid_logging() {
    static const bool once = [] {
        for (int level : {FLUID_PANIC, FLUID_ERR, FLUID_WARN, FLUID_INFO, FLUID_DBG})
            fluid_set_log_function(level, capture_fluid_log, nullptr);
        return true;
    }();
    (void)once;
}

struct SettingsDeleter { void operator()(fluid_settings_t* s) const { delete_fluid_settings(s); } };
struct SynthDeleter { void operator()(fluid_synth_t* s) const { delete_fluid_synth(s); } };
using SettingsPtr = std::unique_ptr<fluid_settings_t, SettingsDeleter>;
using SynthPtr = std::unique_ptr<fluid_synth_t, SynthDeleter>;

void validate(const AudioOptions& o) {
    if (o.sample_rate < 8000 || o.sample_rate > 96000)
        throw UsageError("audio: sample rate must be in 8000..96000, got " + std::to_string(o.sample_rate));
    if (!(o.gain >= 0 && o.gain <= 10)) throw UsageError("audio: gain must be in 0..10");
    if (!(o.tail_seconds >= 0 && o.tail_seconds <= 60)) throw UsageError("audio: tail must be in 0..60 s");
}

// Picks the preset for a channel, falling back to program 0 of the same bank when the SoundFont lacks it
// (FluidR3 has every GM melodic program, but only some drum kits).
void select_program(fluid_synth_t* synth, int sfont, const ChannelAssignment& a) {
    const int bank = a.is_drum ? 128 : 0;
    if (a.is_drum) fluid_synth_set_channel_type(synth, a.channel, CHANNEL_TYPE_DRUM);
    else fluid_synth_set_channel_type(synth, a.channel, CHANNEL_TYPE_MELODIC);
    if (fluid_synth_program_select(synth, a.channel, sfont, bank, a.program) == FLUID_OK) return;
    if (fluid_synth_program_select(synth, a.channel, sfont, bank, 0) == FLUID_OK) return;
    throw FormatError("soundfont", "has no preset for bank " + std::to_string(bank) + " program " +
                                       std::to_string(a.program) + " or 0");
}

}  // namespace

fs::path resolve_soundfont(const AudioOptions& o) {
    fs::path sf = o.soundfont;
    if (sf.empty()) {
        const char* env = std::getenv("QUINTET_SOUNDFONT");
        sf = env && *env ? fs::path(env) : fs::path(kDefaultSoundfont);
    }
    std::error_code ec;
    if (!fs::is_regular_file(sf, ec))
        throw IoError("soundfont not found: " + sf.string() + " (install fluid-soundfont-gm or set QUINTET_SOUNDFONT)");
    return sf;
}

std::uint64_t rendered_frames(const Multitrack& mt, const AudioOptions& o) {
    validate(o);
    const double seconds = step_start_seconds(mt).back() + o.tail_seconds;
    return static_cast<std::uint64_t>(std::llround(seconds * o.sample_rate));
}

namespace {

struct Synth {
    SettingsPtr settings;
    SynthPtr synth;
};

// A synthesizer with the SoundFont loaded and every channel's preset selected.
Synth make_synth(const fs::path& sf_path, const AudioOptions& o, const std::vector<ChannelAssignment>& plan) {
    quiet_fluid_logging();
    Synth s;
    s.settings.reset(new_fluid_settings());
    if (!s.settings) throw IoError("audio: FluidSynth could not create its settings");
    fluid_settings_setnum(s.settings.get(), "synth.sample-rate", o.sample_rate);
    fluid_settings_setnum(s.settings.get(), "synth.gain", o.gain);
    fluid_settings_setint(s.settings.get(), "synth.midi-channels", channels_needed(plan));
    fluid_settings_setint(s.settings.get(), "synth.lock-memory", 0);  // mlock of 140 MB fails in containers
    s.synth.reset(new_fluid_synth(s.settings.get()));
    if (!s.synth) throw IoError("audio: FluidSynth could not create a synthesizer: " + g_last_fluid_error);

    g_last_fluid_error.clear();
    const int sfont = fluid_synth_sfload(s.synth.get(), sf_path.c_str(), 0);
    if (sfont == FLUID_FAILED)
        throw FormatError(sf_path.string(), "not a SoundFont FluidSynth can load" +
                                                (g_last_fluid_error.empty() ? "" : ": " + g_last_fluid_error));
    for (const auto& a : plan) {
        try {
            select_program(s.synth.get(), sfont, a);
        } catch (const FormatError& e) {
            throw FormatError(sf_path.string(), e.what());
        }
    }
    return s;
}

}  // namespace

struct SoundfontKeeper::Held {
    std::filesystem::path path;
    Synth synth;  // an idle synthesizer whose loaded SoundFont holds the sample cache's entry
};

SoundfontKeeper::SoundfontKeeper(const AudioOptions& o) : held_(std::make_unique<Held>()) {
    validate(o);
    held_->path = resolve_soundfont(o);
    held_->synth = make_synth(held_->path, o, {});
}

SoundfontKeeper::~SoundfontKeeper() = default;

const std::filesystem::path& SoundfontKeeper::soundfont() const { return held_->path; }

struct WavStream::State {
    AudioOptions options;
    std::string header;
    std::uint64_t frames = 0;       // of the whole song
    std::uint64_t synthesized = 0;  // frames synthesized so far
    std::uint64_t position = 0;     // bytes given out
    std::vector<SynthEvent> events;
    std::size_t next_event = 0;
    Synth synth;
    PeakLimiter limiter;
    std::vector<float> block;
    std::vector<std::int16_t> pcm;

    explicit State(const AudioOptions& o) : options(o), limiter(o.sample_rate, kPeakLimit, o.limit_peak) {}

    // Synthesizes up to 4096 frames: the events due now are applied, then the synth runs up to the next
    // event or the end of the block, whichever is first.
    void synthesize_some() {
        constexpr std::uint64_t kBlock = 4096;
        std::uint64_t budget = std::min(kBlock, frames - synthesized);
        while (budget > 0) {
            for (; next_event < events.size() && static_cast<std::uint64_t>(events[next_event].frame) <= synthesized; ++next_event) {
                const auto& e = events[next_event];
                if (e.note_on) fluid_synth_noteon(synth.synth.get(), e.channel, e.key, e.velocity);
                else fluid_synth_noteoff(synth.synth.get(), e.channel, e.key);
            }
            std::uint64_t n = budget;
            if (next_event < events.size())
                n = std::min<std::uint64_t>(n, static_cast<std::uint64_t>(events[next_event].frame) - synthesized);
            block.resize(2 * n);
            if (fluid_synth_write_float(synth.synth.get(), static_cast<int>(n), block.data(), 0, 2, block.data(), 1, 2) != FLUID_OK)
                throw IoError("audio: FluidSynth failed to render: " + g_last_fluid_error);
            limiter.push(block.data(), static_cast<std::size_t>(n));
            synthesized += n;
            budget -= n;
        }
        if (synthesized == frames) limiter.finish();
    }
};

WavStream::WavStream(const Multitrack& mt, const AudioOptions& o) {
    validate(o);
    const fs::path sf_path = resolve_soundfont(o);
    state_ = std::make_unique<State>(o);
    state_->frames = rendered_frames(mt, o);
    state_->header = wav_header_pcm16(o.sample_rate, 2, state_->frames);
    const auto plan = assign_channels(mt);
    state_->events = schedule_notes(mt, plan, o.sample_rate);
    state_->synth = make_synth(sf_path, o, plan);
    if (state_->frames == 0) state_->limiter.finish();
}

WavStream::~WavStream() = default;

std::uint64_t WavStream::size() const { return state_->header.size() + 4 * state_->frames; }

std::uint64_t WavStream::position() const { return state_->position; }

bool WavStream::next(std::string& out) {
    State& s = *state_;
    if (s.position == 0) {
        out += s.header;
        s.position = s.header.size();
        return true;
    }
    if (s.position >= size()) return false;
    s.pcm.clear();
    // The limiter holds its look-ahead back: synthesize until some frames come out.
    while (s.limiter.pop(s.pcm) == 0) {
        if (s.synthesized == s.frames) throw IoError("audio: the render ended short of its header's length");
        s.synthesize_some();
    }
    out.append(reinterpret_cast<const char*>(s.pcm.data()), 2 * s.pcm.size());
    s.position += 2 * s.pcm.size();
    return true;
}

void render_wav(const Multitrack& mt, const fs::path& wav, const AudioOptions& o) {
    validate(o);
    resolve_soundfont(o);  // before anything is created
    {
        // Fail before synthesizing minutes of audio that could not be saved.
        const fs::path folder = wav.has_parent_path() ? wav.parent_path() : fs::path(".");
        std::error_code ec;
        if (!fs::is_directory(folder, ec)) throw IoError(wav.string() + ": cannot write, folder " + folder.string() + " does not exist");
    }
    WavStream stream(mt, o);
    write_atomically(wav, [&](const fs::path& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        if (!out) throw IoError(wav.string() + ": cannot open for writing");
        std::string bytes;
        while (stream.next(bytes)) {
            out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            bytes.clear();
        }
        out.close();
        if (!out) throw IoError(wav.string() + ": write failed");
    });
}

}  // namespace quintet
