// MIDI -> multitrack as the Lakh Pianoroll Dataset was made: pretty_midi 0.2.10's parse (instrument
// grouping, tempo map, beat grid) followed by pypianoroll 0.3.0's Multitrack.parse_pretty_midi with its
// defaults (mode 'max', algorithm 'normal', skip_empty_tracks) and LPD's merger_5 family merge.
// Sources read to learn the rules: craffel/pretty-midi pretty_midi.py, salu133445/pypianoroll
// multitrack.py (v0.3.x), salu133445/lakh-pianoroll-dataset src/converter.py and src/merger_5.py.
#include "io/lpd/lpd_convert.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "io/lpd/pretty_midi_timing.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

using lpd_detail::PrettyMidiTiming;
using lpd_detail::TimeSignatureAt;

struct PmNote {
    int pitch;
    int velocity;
    double start, end;
};
struct PmInstrument {
    int program;
    bool is_drum;
    std::string name;
    std::vector<PmNote> notes;
};

// pretty_midi groups notes by (program at the note-off, channel, track) and appends each note when its
// note-off is read, so an instrument's notes are in reading order of their note-offs.
std::vector<PmInstrument> group_instruments(const MidiFile& midi, const PrettyMidiTiming& timing) {
    std::vector<const MidiNote*> order;
    order.reserve(midi.notes.size());
    for (const MidiNote& n : midi.notes) order.push_back(&n);
    std::stable_sort(order.begin(), order.end(), [](const MidiNote* a, const MidiNote* b) {
        return a->off_order < b->off_order;
    });
    std::vector<PmInstrument> instruments;
    std::map<std::tuple<int, int, int>, std::size_t> index;  // (program, channel, track) -> instrument
    for (const MidiNote* n : order) {
        auto key = std::make_tuple(n->off_program, n->channel, n->track);
        auto it = index.find(key);
        if (it == index.end()) {
            std::string name = n->track < static_cast<int>(midi.tracks.size()) ? midi.tracks[n->track].name : "";
            instruments.push_back({n->off_program, n->channel == 9, name, {}});
            it = index.emplace(key, instruments.size() - 1).first;
        }
        instruments[it->second].notes.push_back(
            {n->pitch, n->velocity, timing.tick_to_time(n->on_tick), timing.tick_to_time(n->off_tick)});
    }
    return instruments;
}

// Python's a[i] for a possibly negative index; false when numpy would raise IndexError.
bool wrap_index(std::int64_t& i, std::int64_t n) {
    if (i < 0) i += n;
    return i >= 0 && i < n;
}

// Python slice bounds a[start:end] clipped to [0, n].
std::pair<std::int64_t, std::int64_t> slice_bounds(std::int64_t start, std::int64_t end, std::int64_t n) {
    auto clip = [n](std::int64_t v) {
        if (v < 0) v += n;
        return std::clamp<std::int64_t>(v, 0, n);
    };
    return {clip(start), clip(end)};
}

// A time in seconds -> time step, as parse_pretty_midi does it: the beat index from searchsorted, the
// fraction of that beat, times the resolution, then truncated by astype(int).
struct Quantiser {
    const std::vector<double>& beats;      // beat_times
    const std::vector<double>& beats_one;  // beat_times plus one extrapolated beat
    int resolution;

    double position(double t) const {
        auto idx = static_cast<std::int64_t>(std::lower_bound(beats.begin(), beats.end(), t) - beats.begin()) - 1;
        std::int64_t i = idx;
        const auto n = static_cast<std::int64_t>(beats.size());
        if (i < 0) i += n;  // numpy: beat_times[-1] is the last beat
        std::int64_t j = idx + 1;  // beat_times_one_more[idx + 1], idx + 1 in 0..n
        double remained = t - beats[i];
        double ratio = remained / (beats_one[j] - beats[i]);
        return (static_cast<double>(idx) + ratio) * resolution;
    }
    std::int64_t floor_step(double t) const { return static_cast<std::int64_t>(position(t)); }  // astype(int)
};

// The latest control change / pitch bend that pretty_midi keeps in an instrument. It files such an event
// under the instrument (program, channel, track) if that exists already (instruments are created at
// their first note-off); otherwise under a per-(channel, track) "straggler", whose events are shared
// with every instrument of that channel and track created after it (and lost if there is none).
double control_end_time(const MidiFile& midi, const PrettyMidiTiming& timing) {
    std::map<std::tuple<int, int, int>, std::int64_t> created;  // (track, channel, program) -> first note-off tick
    for (const MidiNote& n : midi.notes) {
        auto key = std::make_tuple(n.track, n.channel, n.off_program);
        auto it = created.find(key);
        if (it == created.end()) created.emplace(key, n.off_tick);
        else it->second = std::min(it->second, n.off_tick);
    }
    struct Straggler {
        std::int64_t since;
        double last;
    };
    std::map<std::pair<int, int>, Straggler> stragglers;  // (track, channel)
    double end = 0;
    for (const MidiEventTime& e : midi.controls) {
        auto it = created.find(std::make_tuple(e.track, e.channel, e.program));
        const double t = timing.tick_to_time(e.tick);
        if (it != created.end() && it->second <= e.tick) {
            end = std::max(end, t);
            continue;
        }
        auto s = stragglers.try_emplace({e.track, e.channel}, Straggler{e.tick, t}).first;
        s->second.last = std::max(s->second.last, t);
    }
    for (const auto& [tc, s] : stragglers) {
        for (const auto& [key, tick] : created)
            if (std::get<0>(key) == tc.first && std::get<1>(key) == tc.second && tick > s.since) {
                end = std::max(end, s.last);
                break;
            }
    }
    return end;
}

// Lyrics of the first track count in pretty_midi's end time (its _load_metadata reads them there).
double text_end_time(const MidiFile& midi, const PrettyMidiTiming& timing) {
    double end = 0;
    for (const auto& e : midi.texts)
        if (e.track == 0 && e.channel == 0x05) end = std::max(end, timing.tick_to_time(e.tick));
    return end;
}

}  // namespace

Multitrack midi_to_multitrack(const MidiFile& midi, const LpdConvertOptions& options) {
    const int res = options.resolution;
    if (res < 1) throw UsageError("resolution must be positive");
    // pretty_midi refuses files whose largest tick exceeds MAX_TICK = 1e7 ("likely corrupt").
    if (midi.end_tick + 1 > 10000000) throw UsageError("MIDI has a largest tick of " + std::to_string(midi.end_tick + 1) + ", it is likely corrupt (as pretty_midi)");
    PrettyMidiTiming timing(midi);
    std::vector<PmInstrument> instruments = group_instruments(midi, timing);

    std::vector<TimeSignatureAt> signatures;
    for (const auto& ts : midi.time_signatures)
        if (ts.track == 0)  // pretty_midi reads signatures from the first track only
        signatures.push_back({timing.tick_to_time(ts.tick), ts.numerator, ts.denominator});
    std::stable_sort(signatures.begin(), signatures.end(),
                     [](const TimeSignatureAt& a, const TimeSignatureAt& b) { return a.time < b.time; });

    // get_end_time: the last note end, control change or pitch bend, meta event (time/key signature,
    // lyric) or tempo change.
    double end_time = 0;
    for (const auto& ins : instruments)
        for (const auto& n : ins.notes) end_time = std::max(end_time, n.end);
    for (const auto& s : signatures) end_time = std::max(end_time, s.time);
    for (const auto& k : midi.key_signatures)
        if (k.track == 0) end_time = std::max(end_time, timing.tick_to_time(k.tick));
    end_time = std::max(end_time, control_end_time(midi, timing));
    end_time = std::max(end_time, text_end_time(midi, timing));
    for (double t : timing.tempo_change_times()) end_time = std::max(end_time, t);

    // algorithm 'normal': the first time signature, else pretty_midi's beat-start estimate.
    double first_beat_time;
    if (!signatures.empty()) {
        first_beat_time = signatures.front().time;
    } else {
        std::vector<lpd_detail::OnsetNote> onsets;
        for (const auto& ins : instruments)
            for (const auto& n : ins.notes) onsets.push_back({n.start, n.velocity});
        if (onsets.empty()) throw UsageError("MIDI has no notes and no time signature: no beat grid (as pypianoroll)");
        first_beat_time = lpd_detail::estimate_beat_start(onsets, end_time, timing, signatures);
    }

    std::vector<double> beats = lpd_detail::get_beats(first_beat_time, end_time, timing, signatures);
    std::sort(beats.begin(), beats.end());
    if (beats.size() < 2) throw UsageError("MIDI too short for a beat grid (pypianoroll needs two beats)");
    const auto n_beats = static_cast<std::int64_t>(beats.size());
    const std::int64_t n_steps = static_cast<std::int64_t>(res) * n_beats;
    if (n_steps > (std::int64_t(1) << 22)) throw UsageError("MIDI too long for a piano roll: " + std::to_string(n_steps) + " steps");

    Multitrack mt;
    mt.resolution = res;

    // Downbeats: pypianoroll 0.3.0 marks step 0 and, for every time signature but the last, every
    // numerator beats up to the next change (so a file with one signature has a single downbeat).
    if (!signatures.empty()) {
        mt.downbeat.assign(static_cast<std::size_t>(n_steps), 0);
        mt.downbeat[0] = 1;
        std::int64_t start = 0, end = 0;
        for (std::size_t k = 0; k + 1 < signatures.size(); ++k) {
            end += std::lower_bound(beats.begin() + end, beats.end(), signatures[k + 1].time) - (beats.begin() + end);
            const std::int64_t stride = static_cast<std::int64_t>(signatures[k].numerator) * res;
            for (std::int64_t s = start * res; s < std::min(end * res, n_steps); s += stride) mt.downbeat[s] = 1;
            start = end;
        }
    }

    // Tempo: bpm per beat from the beat spacing (one extrapolated beat), tiled 24 times: tempo[t] = bpm[t % n_beats].
    std::vector<double> beats_one = beats;
    beats_one.push_back(2 * beats[n_beats - 1] - beats[n_beats - 2]);
    std::vector<double> bpm(static_cast<std::size_t>(n_beats));
    for (std::int64_t b = 0; b < n_beats; ++b) bpm[b] = 60. / (beats_one[b + 1] - beats_one[b]);
    mt.tempo.resize(static_cast<std::size_t>(n_beats) * 24);  // pypianoroll 0.3.0 hard-codes 24
    for (std::size_t t = 0; t < mt.tempo.size(); ++t) mt.tempo[t] = bpm[t % bpm.size()];

    const Quantiser q{beats, beats_one, res};
    for (const PmInstrument& ins : instruments) {
        Track track;
        track.name = ins.name;
        track.program = ins.program;
        track.is_drum = ins.is_drum;
        track.resize_steps(static_cast<std::size_t>(n_steps));
        auto cell = [&](std::int64_t t, int p) -> std::uint8_t& { return track.roll[static_cast<std::size_t>(t) * kPitches + p]; };

        // Notes that end after the first beat; note (a pypianoroll quirk) that velocities of non-drum
        // notes are then read from the unfiltered list by the filtered index.
        std::vector<const PmNote*> kept;
        for (const auto& n : ins.notes)
            if (n.end > first_beat_time) kept.push_back(&n);

        if (ins.is_drum) {
            for (const PmNote* n : kept) {
                std::int64_t on = q.floor_step(n->start);
                if (!wrap_index(on, n_steps)) throw UsageError("note before the first beat falls outside the roll (pypianoroll IndexError)");
                cell(on, n->pitch) = static_cast<std::uint8_t>(n->velocity);  // numpy: the last write wins
            }
        } else {
            for (std::size_t idx = 0; idx < kept.size(); ++idx) {
                const PmNote* n = kept[idx];
                // A note spans [onset, offset] inclusive: the slice end is offset + 1.
                std::int64_t start = q.floor_step(n->start);
                std::int64_t end = q.floor_step(n->end) + 1;
                const int velocity = ins.notes[idx].velocity;
                const int pitch = n->pitch;
                if (velocity < 1) continue;
                // A one-step gap between repeated notes of the same pitch.
                if (start > 0 && start < n_steps && cell(start - 1, pitch)) cell(start - 1, pitch) = 0;
                if (end < n_steps - 1) {
                    std::int64_t e = end;
                    if (!wrap_index(e, n_steps)) throw UsageError("note end outside the roll (pypianoroll IndexError)");
                    if (cell(e, pitch)) end -= 1;
                }
                auto [a, b] = slice_bounds(start, end, n_steps);
                for (std::int64_t t = a; t < b; ++t) cell(t, pitch) = std::max<std::uint8_t>(cell(t, pitch), static_cast<std::uint8_t>(velocity));
            }
        }
        if (track.empty()) continue;  // skip_empty_tracks
        mt.tracks.push_back(std::move(track));
    }
    return mt;
}

Multitrack midi_to_lpd5(const MidiFile& midi, const LpdConvertOptions& options) {
    Multitrack merged = merge_lpd5(midi_to_multitrack(midi, options));
    // LPD stores a family with no instrument as a (0, 128) roll.
    for (Track& t : merged.tracks)
        if (t.empty()) t.roll.clear();
    return merged;
}

}  // namespace quintet
