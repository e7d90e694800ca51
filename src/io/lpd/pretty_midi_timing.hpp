#pragma once
// The timing model of pretty_midi 0.2.10 (craffel/pretty-midi, pretty_midi/pretty_midi.py), rewritten
// for the LPD converter: tick -> seconds through the tempo map, get_beats() over tempo and time
// signature changes, and estimate_beat_start(). Floating-point operations follow the Python order so
// that beat times, and hence quantised steps, come out bit-identical.
#include <cstdint>
#include <vector>

#include "io/midi/midi.hpp"

namespace quintet::lpd_detail {

struct TimeSignatureAt {
    double time = 0;
    int numerator = 4;
    int denominator = 4;
};

class PrettyMidiTiming {
public:
    explicit PrettyMidiTiming(const MidiFile& midi);

    double tick_to_time(std::int64_t tick) const;
    const std::vector<double>& tempo_change_times() const { return change_times_; }
    const std::vector<double>& tempi() const { return tempi_; }  // quarter notes per minute

private:
    struct Scale {
        std::int64_t tick;
        double seconds_per_tick;
        double start_time;  // time of `tick` (pretty_midi's last_end_time)
    };
    std::vector<Scale> scales_;
    std::vector<double> change_times_, tempi_;
};

// pretty_midi's get_beats(start_time): beats from start_time until end_time (exclusive).
// `signatures` must be sorted by time (stable), as pretty_midi sorts them in place.
std::vector<double> get_beats(double start_time, double end_time, const PrettyMidiTiming& timing,
                              const std::vector<TimeSignatureAt>& signatures);

struct OnsetNote {
    double start;
    int velocity;
};
// pretty_midi's estimate_beat_start(candidates=10, tolerance=0.025). Throws if there are no notes.
double estimate_beat_start(std::vector<OnsetNote> notes, double end_time, const PrettyMidiTiming& timing,
                           const std::vector<TimeSignatureAt>& signatures);

}  // namespace quintet::lpd_detail
