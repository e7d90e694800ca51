// Multitrack -> Standard MIDI File type 1 (layout facts from the SMF 1.0 specification).
// Track 0 is the conductor (sequence name, tempo map, time signature); then one track per instrument
// with its name, a program change and its notes. Step t sits at tick t * ticks_per_beat / resolution.
#include "io/midi/midi_write.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "roll/notes.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

struct Event {
    std::int64_t tick;
    int rank;  // at one tick: meta first, then note-offs, then program changes, then note-ons
    std::string bytes;
};

void put_vlq(std::string& out, std::uint32_t v) {
    char buf[5];
    int n = 0;
    buf[n++] = static_cast<char>(v & 0x7F);
    while (v >>= 7) buf[n++] = static_cast<char>(0x80 | (v & 0x7F));
    while (n) out.push_back(buf[--n]);
}

void put_be(std::string& out, std::uint32_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::string meta(int type, const std::string& data) {
    std::string e{'\xFF', static_cast<char>(type)};
    put_vlq(e, static_cast<std::uint32_t>(data.size()));
    return e + data;
}

std::string channel_message(int status, int d1, int d2 = -1) {
    std::string e{static_cast<char>(status), static_cast<char>(d1)};
    if (d2 >= 0) e.push_back(static_cast<char>(d2));
    return e;
}

// Serialises events (sorted here) into an MTrk chunk ending with end-of-track at end_tick or later.
std::string track_chunk(std::vector<Event> events, std::int64_t end_tick) {
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.tick != b.tick ? a.tick < b.tick : a.rank < b.rank; });
    std::string body;
    std::int64_t now = 0;
    for (const Event& e : events) {
        put_vlq(body, static_cast<std::uint32_t>(e.tick - now));
        body += e.bytes;
        now = e.tick;
    }
    put_vlq(body, static_cast<std::uint32_t>(std::max<std::int64_t>(end_tick - now, 0)));
    body += meta(0x2F, "");
    std::string chunk = "MTrk";
    put_be(chunk, static_cast<std::uint32_t>(body.size()), 4);
    return chunk + body;
}

std::uint32_t usec_per_beat(double bpm) {
    if (!(bpm > 0) || !std::isfinite(bpm)) throw UsageError("MIDI writer: tempo must be a positive bpm, got " + std::to_string(bpm));
    return static_cast<std::uint32_t>(std::clamp(std::llround(60'000'000.0 / bpm), 1LL, 0xFFFFFFLL));
}

std::string u24(std::uint32_t v) {
    std::string s;
    put_be(s, v, 3);
    return s;
}

}  // namespace

std::string encode_midi(const Multitrack& mt, const MidiWriteOptions& options) {
    const int tpb = options.ticks_per_beat;
    if (tpb < 1 || tpb > 0x7FFF) throw UsageError("MIDI writer: ticks per beat must be 1..32767, got " + std::to_string(tpb));
    if (mt.resolution < 1) throw UsageError("MIDI writer: resolution must be >= 1, got " + std::to_string(mt.resolution));
    const int num = options.time_sig_numerator, den = options.time_sig_denominator;
    int den_log2 = 0;
    while ((1 << den_log2) < den && den_log2 < 8) ++den_log2;
    if (num < 1 || num > 255 || den < 1 || (1 << den_log2) != den)
        throw UsageError("MIDI writer: bad time signature " + std::to_string(num) + "/" + std::to_string(den));
    if (mt.tracks.size() > 0xFFFE) throw UsageError("MIDI writer: too many tracks");

    auto tick_of = [&](std::size_t step) { return static_cast<std::int64_t>(step) * tpb / mt.resolution; };
    const std::int64_t end_tick = tick_of(mt.steps());
    if (end_tick > 0x0FFFFFFF) throw UsageError("MIDI writer: song too long for 28-bit delta times");

    // Conductor: name, time signature, tempo map (one event where the per-step tempo changes).
    std::vector<Event> conductor;
    if (!mt.name.empty()) conductor.push_back({0, 0, meta(0x03, mt.name)});
    conductor.push_back({0, 0, meta(0x58, std::string{static_cast<char>(num), static_cast<char>(den_log2), 24, 8})});
    if (options.tempo_bpm > 0 || mt.tempo.empty()) {
        conductor.push_back({0, 0, meta(0x51, u24(usec_per_beat(options.tempo_bpm > 0 ? options.tempo_bpm : 120.0)))});
    } else {
        std::uint32_t last = 0;
        for (std::size_t t = 0; t < mt.tempo.size(); ++t) {
            const std::uint32_t us = usec_per_beat(mt.tempo[t]);
            if (t == 0 || us != last) conductor.push_back({tick_of(t), 0, meta(0x51, u24(us))});
            last = us;
        }
    }

    std::string out = "MThd";
    put_be(out, 6, 4);
    put_be(out, 1, 2);
    put_be(out, static_cast<std::uint32_t>(mt.tracks.size() + 1), 2);
    put_be(out, static_cast<std::uint32_t>(tpb), 2);
    out += track_chunk(std::move(conductor), end_tick);

    int next_channel = 0;  // melodic tracks take channels 0..15, skipping 9 (GM drums); past 15 they wrap
    for (std::size_t i = 0; i < mt.tracks.size(); ++i) {
        const Track& track = mt.tracks[i];
        int channel = 9;
        if (!track.is_drum) {
            channel = next_channel;
            next_channel = next_channel == 8 ? 10 : (next_channel + 1) % 16;
            if (next_channel == 9) next_channel = 10;
        }
        std::vector<Event> events;
        events.push_back({0, 0, meta(0x03, track.name)});
        events.push_back({0, 2, channel_message(0xC0 | channel, std::clamp(track.program, 0, 127))});
        for (const Note& n : track_notes(track, static_cast<int>(i))) {
            const std::int64_t on = tick_of(n.start);
            const std::int64_t off = std::max(tick_of(n.start + n.length), on + 1);
            events.push_back({on, 3, channel_message(0x90 | channel, n.pitch, std::clamp(n.velocity, 1, 127))});
            events.push_back({off, 1, channel_message(0x80 | channel, n.pitch, 64)});
        }
        out += track_chunk(std::move(events), end_tick);
    }
    return out;
}

void write_midi(const Multitrack& mt, const std::filesystem::path& path, const MidiWriteOptions& options) {
    write_file_atomically(path, encode_midi(mt, options));
}

}  // namespace quintet
