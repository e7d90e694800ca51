// Standard MIDI File reader. Facts from the SMF 1.0 specification (MIDI Manufacturers Association,
// "Standard MIDI Files 1.0", 1996): chunk layout, variable-length quantities, running status,
// sysex (F0/F7) and meta (FF) events, meta types 03 / 2F / 51 / 58 / 59.
#include <algorithm>
#include <array>
#include <cstdio>

#include "io/midi/byte_reader.hpp"
#include "io/midi/midi.hpp"
#include "io/midi/note_pairing.hpp"
#include "util/atomic_file.hpp"

namespace quintet {
namespace {

using midi_detail::ByteReader;
using midi_detail::NotePairer;

std::string hex_byte(unsigned b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", b & 0xFFu);
    return buf;
}

std::string printable_tag(std::string_view tag) {
    std::string out;
    for (char c : tag) {
        if (c >= 0x20 && c < 0x7F) out += c;
        else out += "\\x" + hex_byte(static_cast<unsigned char>(c)).substr(2);
    }
    return out;
}

// A channel-message data byte should be 0..127. The message length follows from its status byte, so a
// corrupt byte >= 0x80 is still consumed as data (as libsmf does). Where it would become a note's pitch
// or velocity or a program, the file is refused; in controller, aftertouch and pitch-bend values, which
// we do not use, it is tolerated (real files carry such bytes, e.g. a controller value of 168).
[[noreturn]] __attribute__((noinline)) void bad_data_byte(const ByteReader& r, std::size_t at, unsigned b, unsigned status) {
    r.fail(at, "data byte " + hex_byte(b) + " of channel message " + hex_byte(status) + " is >= 0x80");
}

inline int data_byte(ByteReader& r, unsigned status) {
    std::uint8_t b = r.u8("channel message data");
    if (b & 0x80u) {
        const unsigned kind = status >> 4;
        if (kind == 0x8 || kind == 0x9 || kind == 0xC) bad_data_byte(r, r.pos() - 1, b, status);
    }
    return b;
}

void read_meta(ByteReader& r, std::int64_t tick, MidiFile& file, MidiTrackInfo& info, bool& have_name,
               bool& end_of_track) {
    const std::uint8_t type = r.u8("meta event type");
    const std::uint32_t len = r.vlq("meta event length");
    const std::string_view d = r.bytes(len, "meta event data");
    auto u = [&](std::size_t i) { return static_cast<unsigned>(static_cast<unsigned char>(d[i])); };
    const int track = static_cast<int>(file.tracks.size());  // this track is appended when it ends
    switch (type) {
    case 0x01:  // text
    case 0x05:  // lyric
        file.texts.push_back({track, tick, static_cast<int>(type), 0});
        break;
    case 0x03:  // sequence / track name
        if (!have_name) {
            info.name.assign(d);
            have_name = true;
        }
        break;
    case 0x2F:  // end of track
        end_of_track = true;
        break;
    case 0x51:  // set tempo: 24-bit microseconds per quarter note; 0 is meaningless and dropped
        if (len >= 3) {
            std::uint32_t us = (u(0) << 16) | (u(1) << 8) | u(2);
            if (us > 0) file.tempos.push_back({tick, us, track});
        }
        break;
    case 0x58:  // time signature: numerator, log2(denominator), clocks per click, 32nds per quarter
        if (len >= 2 && u(0) > 0 && u(1) <= 7) file.time_signatures.push_back({tick, static_cast<int>(u(0)), 1 << u(1), track});
        break;
    case 0x59:  // key signature: sharps (signed, -7..7), 0 major / 1 minor
        if (len >= 2) {
            int sf = static_cast<signed char>(d[0]);
            if (sf >= -7 && sf <= 7 && u(1) <= 1) file.key_signatures.push_back({tick, sf, u(1) == 1, track});
        }
        break;
    default:
        break;
    }
}

// Reads the events of one MTrk chunk [r.pos(), r.end()).
void read_track(ByteReader& r, int track_index, MidiFile& file, NotePairer& pairer) {
    MidiTrackInfo info;
    bool have_name = false;
    std::array<int, 16> program{};  // GM program per channel, 0 until a program change
    std::int64_t tick = 0;
    unsigned running = 0;            // running status (channel messages only); 0 = none yet
    pairer.start_track(track_index);
    while (!r.at_end()) {
        tick += r.vlq("delta time");
        const std::size_t at = r.pos();
        unsigned status = r.peek("event status");
        if (status < 0x80) {
            if (running == 0) r.fail(at, "data byte " + hex_byte(status) + " where a status byte was expected (no running status)");
            status = running;
        } else {
            r.u8("event status");
        }
        if (status < 0xF0) {
            running = status;
            const int channel = static_cast<int>(status & 0x0F);
            const unsigned kind = status >> 4;
            const int d1 = data_byte(r, status);
            const int d2 = (kind == 0xC || kind == 0xD) ? 0 : data_byte(r, status);
            if (kind == 0x9 && d2 > 0) pairer.note_on(tick, channel, d1, d2, program[channel]);
            else if (kind == 0x8 || kind == 0x9) pairer.note_off(tick, channel, d1, program[channel]);
            else if (kind == 0xC) program[channel] = d1;
            else if (kind == 0xB || kind == 0xE) file.controls.push_back({track_index, tick, channel, program[channel]});
        } else if (status == 0xF0 || status == 0xF7) {  // sysex or escaped bytes: length-prefixed, skipped
            r.skip(r.vlq("sysex length"), "sysex data");
        } else if (status == 0xFF) {
            bool end_of_track = false;
            read_meta(r, tick, file, info, have_name, end_of_track);
            if (end_of_track) break;  // whatever follows inside the chunk is ignored
        } else {
            r.fail(at, "status byte " + hex_byte(status) + " (system common / real-time) is not allowed in a MIDI file");
        }
    }
    info.end_tick = tick;
    pairer.finish_track(tick);
    file.end_tick = std::max(file.end_tick, tick);
    file.tracks.push_back(std::move(info));
}

// RIFF MIDI (.rmi) wraps an SMF in a "data" chunk of a RIFF/RMID file; returns [begin, end) of the SMF.
std::pair<std::size_t, std::size_t> locate_smf(std::string_view bytes, const std::string& name) {
    if (bytes.size() < 12 || bytes.substr(0, 4) != "RIFF" || bytes.substr(8, 4) != "RMID") return {0, bytes.size()};
    ByteReader r(bytes, name, 12, bytes.size(), "RIFF file");
    while (!r.at_end()) {
        std::string_view tag = r.bytes(4, "RIFF chunk tag");
        std::uint32_t len = 0;  // little-endian
        for (int i = 0; i < 4; ++i) len |= std::uint32_t{r.u8("RIFF chunk length")} << (8 * i);
        if (tag == "data") {
            if (len > r.remaining()) r.fail("RIFF data chunk runs past the end of the file");
            return {r.pos(), r.pos() + len};
        }
        r.skip(len + (len & 1u), "RIFF chunk");
    }
    r.fail("RIFF RMID file has no data chunk");
}

}  // namespace

MidiFile parse_midi(std::string_view bytes, const std::string& name, const MidiParseOptions& options) {
    auto [begin, end] = locate_smf(bytes, name);
    ByteReader r(bytes, name, begin, end);
    MidiFile file;

    if (r.remaining() < 4 || bytes.substr(begin, 4) != "MThd")
        r.fail("not a Standard MIDI File: expected 'MThd', found '" +
               printable_tag(bytes.substr(begin, std::min<std::size_t>(4, r.remaining()))) + "'");
    r.skip(4, "header tag");
    const std::uint32_t header_len = r.u32("header length");
    if (header_len < 6) r.fail(r.pos() - 4, "header length " + std::to_string(header_len) + " is shorter than 6");
    const std::size_t header_body = r.pos();
    const std::uint16_t format = r.u16("format");
    const std::uint16_t declared_tracks = r.u16("track count");
    const std::size_t division_at = r.pos();
    const std::uint16_t division = r.u16("time division");
    r.skip(header_len - 6, "header");

    if (format == 2) r.fail(header_body, "SMF type 2 (independent sequences) is not supported; only type 0 and 1");
    if (format > 2) r.fail(header_body, "unknown SMF format " + std::to_string(format));
    if (division & 0x8000u) {
        // High bit set: SMPTE timing, -frames per second (24, 25, 29 = 29.97 drop-frame, 30) and ticks per frame.
        const int fps = -static_cast<int>(static_cast<signed char>(division >> 8));
        if (fps != 24 && fps != 25 && fps != 29 && fps != 30)
            r.fail(division_at, "time division " + hex_byte(division >> 8) + hex_byte(division).substr(2) +
                                    " is negative but not a valid SMPTE frame rate (ticks per beat must be 1..32767)");
        r.fail(division_at, "SMPTE time division (" + std::to_string(fps) + " frames/s, " +
                                std::to_string(division & 0xFFu) + " ticks/frame) is not supported; only ticks per beat");
    }
    if (division == 0) r.fail(division_at, "ticks per beat is 0");
    file.format = format;
    file.ticks_per_beat = division;

    NotePairer pairer(options.pairing, file.notes);
    file.notes.reserve(bytes.size() / 6 + 16);  // a note takes >= 6 bytes (on + off with running status)
    int found = 0;
    while (found < declared_tracks) {
        if (r.at_end())
            r.fail("header declares " + std::to_string(declared_tracks) + " track(s) but the file ends after " +
                   std::to_string(found));
        const std::size_t chunk_at = r.pos();
        const std::string_view tag = r.bytes(4, "chunk tag");
        const std::uint32_t len = r.u32("chunk length");
        if (len > r.remaining())
            r.fail(chunk_at, "chunk '" + printable_tag(tag) + "' of " + std::to_string(len) + " bytes runs past the end (" +
                                 std::to_string(r.remaining()) + " bytes left)");
        const std::size_t body = r.pos();
        if (tag == "MTrk") {
            ByteReader track(bytes, name, body, body + len, "track chunk");
            read_track(track, found, file, pairer);
            ++found;
        }  // chunks of other types are skipped, as the specification asks
        r.skip(len, "chunk");
    }

    pairer.remove_dropped();
    midi_detail::sort_notes(file.notes);
    auto by_tick = [](const auto& a, const auto& b) { return a.tick < b.tick; };
    std::stable_sort(file.tempos.begin(), file.tempos.end(), by_tick);
    std::stable_sort(file.time_signatures.begin(), file.time_signatures.end(), by_tick);
    std::stable_sort(file.key_signatures.begin(), file.key_signatures.end(), by_tick);
    return file;
}

MidiFile read_midi(const std::filesystem::path& path, const MidiParseOptions& options) {
    const std::string bytes = read_file(path);
    return parse_midi(bytes, path.string(), options);
}

}  // namespace quintet
