// Piano-roll operations with pypianoroll 1.x semantics (see operations.hpp for the contract of each).
#include "roll/operations.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "roll/row_scan.hpp"
#include "util/error.hpp"

namespace quintet {

namespace {

// Time step t at resolution `from` -> step at resolution `to`, as pypianoroll 1.x computes it:
// np.round(t * (to / from)) in float64, i.e. round half to even. std::nearbyint under the default
// rounding mode (to nearest, ties to even) on the same float64 product gives the same integers.
std::size_t rescale_step(std::size_t t, double factor) {
    return static_cast<std::size_t>(std::nearbyint(static_cast<double>(t) * factor));
}

// Length of a per-step array (tempo, downbeat) after resampling: ceil(n * to / from), in integers.
std::size_t rescaled_length(std::size_t n, int from, int to) {
    return (n * static_cast<std::size_t>(to) + static_cast<std::size_t>(from) - 1) / static_cast<std::size_t>(from);
}

void resample_track(Track& track, double factor) {
    const std::size_t steps = track.steps();
    // Steps are visited in increasing order, as numpy's nonzero() returns them, so a later source
    // step that lands on an already written cell overwrites it (pypianoroll does not take a maximum).
    std::vector<std::uint8_t> out;
    for (std::size_t t = 0; t < steps; ++t) {
        const std::uint8_t* row = &track.roll[t * kPitches];
        if (!row_has_notes(row)) continue;
        const std::size_t nt = rescale_step(t, factor);
        if (out.size() < (nt + 1) * kPitches) out.resize((nt + 1) * kPitches, 0);
        std::uint8_t* dst = &out[nt * kPitches];
        for (int p = 0; p < kPitches; ++p)
            if (row[p] != 0) dst[p] = row[p];
    }
    track.roll = std::move(out);  // as long as its last active step + 1 (empty if no active step)
}

std::size_t longest_track(const Multitrack& mt) {
    std::size_t n = 0;
    for (const auto& t : mt.tracks) n = std::max(n, t.steps());
    return n;
}

}  // namespace

void strike_drums(Multitrack& mt) {
    const std::size_t steps = mt.steps();
    for (auto& t : mt.tracks) {
        std::vector<std::uint8_t> twice(2 * steps * kPitches, 0);
        for (std::size_t s = 0; s < t.steps(); ++s)
            for (int p = 0; p < kPitches; ++p) {
                const std::uint8_t v = t.at(s, p);
                twice[(2 * s) * kPitches + std::size_t(p)] = v;
                if (!t.is_drum) twice[(2 * s + 1) * kPitches + std::size_t(p)] = v;
            }
        twice.resize(2 * t.steps() * kPitches);
        t.roll = std::move(twice);
    }
    std::vector<double> tempo;
    for (double bpm : mt.tempo) tempo.insert(tempo.end(), {bpm, bpm});
    mt.tempo = std::move(tempo);
    std::vector<std::uint8_t> downbeat;
    for (std::uint8_t d : mt.downbeat) downbeat.insert(downbeat.end(), {d, 0});
    mt.downbeat = std::move(downbeat);
    mt.resolution *= 2;
}

void fold_resolution(Multitrack& mt, int coarser) {
    if (coarser <= 0 || mt.resolution <= 0 || mt.resolution % coarser != 0)
        throw UsageError("fold_resolution: " + std::to_string(coarser) + " steps per beat does not divide " +
                         std::to_string(mt.resolution));
    const std::size_t k = std::size_t(mt.resolution / coarser);
    for (auto& t : mt.tracks) {
        std::vector<std::uint8_t> folded((t.steps() + k - 1) / k * kPitches, 0);
        for (std::size_t s = 0; s < t.steps(); ++s)
            for (int p = 0; p < kPitches; ++p) {
                auto& cell = folded[(s / k) * kPitches + std::size_t(p)];
                cell = std::max(cell, t.at(s, p));
            }
        t.roll = std::move(folded);
    }
    std::vector<double> tempo;
    for (std::size_t s = 0; s < mt.tempo.size(); s += k) tempo.push_back(mt.tempo[s]);
    std::vector<std::uint8_t> downbeat;
    for (std::size_t s = 0; s < mt.downbeat.size(); s += k) downbeat.push_back(mt.downbeat[s]);
    mt.tempo = std::move(tempo);
    mt.downbeat = std::move(downbeat);
    mt.resolution = coarser;
}

void restrike(Track& t, std::size_t step, int pitch) {
    if (step == 0 || step >= t.steps() || pitch < 0 || pitch >= kPitches) return;
    if (t.at(step, pitch) > 0 && t.at(step - 1, pitch) > 0) t.at(step - 1, pitch) = 0;
}

void set_resolution(Multitrack& mt, int new_resolution) {
    if (new_resolution <= 0) throw UsageError("set_resolution: resolution must be positive, got " + std::to_string(new_resolution));
    if (mt.resolution <= 0) throw UsageError("set_resolution: multitrack has resolution " + std::to_string(mt.resolution));
    // No early return at the same resolution: pypianoroll still cuts each track after its last active step.
    const int old_resolution = mt.resolution;
    const double factor = static_cast<double>(new_resolution) / static_cast<double>(old_resolution);
    for (auto& track : mt.tracks) resample_track(track, factor);

    // pypianoroll 1.x leaves tempo and downbeat alone; here they follow the grid so the Multitrack
    // stays consistent: new step j takes the tempo of old step floor(j * old / new), and each downbeat
    // moves like a note onset.
    if (!mt.tempo.empty()) {
        const std::size_t n = rescaled_length(mt.tempo.size(), old_resolution, new_resolution);
        std::vector<double> tempo(n);
        for (std::size_t j = 0; j < n; ++j)
            tempo[j] = mt.tempo[std::min(mt.tempo.size() - 1, j * old_resolution / new_resolution)];
        mt.tempo = std::move(tempo);
    }
    if (!mt.downbeat.empty()) {
        std::vector<std::uint8_t> downbeat(rescaled_length(mt.downbeat.size(), old_resolution, new_resolution), 0);
        for (std::size_t t = 0; t < mt.downbeat.size(); ++t) {
            if (!mt.downbeat[t]) continue;
            const std::size_t nt = rescale_step(t, factor);
            if (nt < downbeat.size()) downbeat[nt] = 1;
        }
        mt.downbeat = std::move(downbeat);
    }
    mt.resolution = new_resolution;
}

void pad_to_same(Multitrack& mt) {
    const std::size_t n = longest_track(mt);
    for (auto& t : mt.tracks) t.resize_steps(n);
}

void pad_to(Multitrack& mt, std::size_t steps) {
    for (auto& t : mt.tracks)
        if (t.steps() < steps) t.resize_steps(steps);
    if (!mt.tempo.empty() && mt.tempo.size() < steps) mt.tempo.resize(steps, mt.tempo.back());
    if (!mt.downbeat.empty() && mt.downbeat.size() < steps) mt.downbeat.resize(steps, 0);
}

void trim(Multitrack& mt, std::size_t start, std::size_t end) {
    if (start > end)
        throw UsageError("trim: start " + std::to_string(start) + " is after end " + std::to_string(end));
    for (auto& t : mt.tracks) {
        const std::size_t s = std::min(start, t.steps()), e = std::min(end, t.steps());
        t.roll.assign(t.roll.begin() + static_cast<std::ptrdiff_t>(s * kPitches),
                      t.roll.begin() + static_cast<std::ptrdiff_t>(e * kPitches));
    }
    auto cut = [&](auto& v) {
        const std::size_t s = std::min(start, v.size()), e = std::min(end, v.size());
        v.assign(v.begin() + static_cast<std::ptrdiff_t>(s), v.begin() + static_cast<std::ptrdiff_t>(e));
    };
    cut(mt.tempo);
    cut(mt.downbeat);
}

void trim_trailing_silence(Multitrack& mt) {
    std::size_t active = 0;  // max over tracks of (last non-zero step + 1)
    for (const auto& t : mt.tracks) {
        for (std::size_t i = t.roll.size(); i > active * kPitches; --i) {
            if (t.roll[i - 1] != 0) {
                active = (i - 1) / kPitches + 1;
                break;
            }
        }
    }
    trim(mt, 0, active);
}

void binarize(Multitrack& mt, int threshold, std::uint8_t on_value) {
    for (auto& t : mt.tracks)
        for (auto& v : t.roll) v = static_cast<int>(v) > threshold ? on_value : 0;
}

void clip(Multitrack& mt, int lo, int hi) {
    if (lo < 0 || hi > 255 || lo > hi)
        throw UsageError("clip: bounds must satisfy 0 <= lo <= hi <= 255, got " + std::to_string(lo) + ".." + std::to_string(hi));
    for (auto& t : mt.tracks)
        for (auto& v : t.roll) v = static_cast<std::uint8_t>(std::clamp(static_cast<int>(v), lo, hi));
}

void transpose(Multitrack& mt, int semitones) {
    if (semitones == 0) return;
    for (auto& t : mt.tracks) {
        if (t.is_drum) continue;
        for (std::size_t s = 0; s < t.steps(); ++s) {
            std::uint8_t* row = &t.roll[s * kPitches];
            std::uint8_t shifted[kPitches] = {};
            for (int p = 0; p < kPitches; ++p) {
                const int q = p + semitones;
                if (q >= 0 && q < kPitches) shifted[q] = row[p];
            }
            std::copy(shifted, shifted + kPitches, row);
        }
    }
}

void crop_pitch_range(Multitrack& mt, int lo, int hi) {
    if (lo < 0 || hi > kPitches || lo > hi)
        throw UsageError("crop_pitch_range: need 0 <= lo <= hi <= 128, got [" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
    for (auto& t : mt.tracks) {
        for (std::size_t s = 0; s < t.steps(); ++s) {
            std::uint8_t* row = &t.roll[s * kPitches];
            std::fill(row, row + lo, 0);
            std::fill(row + hi, row + kPitches, 0);
        }
    }
}

std::vector<Multitrack> cut_windows(const Multitrack& mt, std::size_t length) {
    if (length == 0) throw UsageError("cut_windows: window length must be positive");
    std::vector<Multitrack> windows;
    const std::size_t count = mt.steps() / length;
    windows.reserve(count);
    // Copies only the slice of each array; tracks (and tempo/downbeat) shorter than the song read as zeros.
    auto slice = [](const auto& v, std::size_t start, std::size_t n, auto fill) {
        std::decay_t<decltype(v)> out(n, fill);
        if (start < v.size()) std::copy(v.begin() + static_cast<std::ptrdiff_t>(start),
                                        v.begin() + static_cast<std::ptrdiff_t>(std::min(v.size(), start + n)), out.begin());
        return out;
    };
    for (std::size_t w = 0; w < count; ++w) {
        const std::size_t start = w * length;
        Multitrack piece;
        piece.name = mt.name;
        piece.resolution = mt.resolution;
        if (!mt.tempo.empty()) piece.tempo = slice(mt.tempo, start, length, mt.tempo.back());
        if (!mt.downbeat.empty()) piece.downbeat = slice(mt.downbeat, start, length, std::uint8_t{0});
        piece.tracks.reserve(mt.tracks.size());
        for (const auto& t : mt.tracks) {
            Track part{t.name, t.program, t.is_drum, {}};
            part.roll = slice(t.roll, start * kPitches, length * kPitches, std::uint8_t{0});
            piece.tracks.push_back(std::move(part));
        }
        windows.push_back(std::move(piece));
    }
    return windows;
}

const char* family_name(Family f) {
    switch (f) {
        case Family::Drums: return "Drums";
        case Family::Piano: return "Piano";
        case Family::Guitar: return "Guitar";
        case Family::Bass: return "Bass";
        case Family::Strings: return "Strings";
        case Family::Dropped: return "Dropped";
    }
    return "Dropped";
}

int family_program(Family f) {
    switch (f) {
        case Family::Guitar: return 24;
        case Family::Bass: return 32;
        case Family::Strings: return 48;
        default: return 0;
    }
}

// LPD-5 families (Dong et al. 2018, lakh-pianoroll-dataset merger_5): drums; programs 0-7 piano;
// 24-31 guitar; 32-39 bass; 96-103 (synth effects) and 112-127 (percussive, sound effects) dropped;
// everything else strings.
Family family_of(int program, bool is_drum) {
    if (is_drum) return Family::Drums;
    if (program < 0 || program > 127) return Family::Dropped;
    if (program < 8) return Family::Piano;
    if (program >= 24 && program < 32) return Family::Guitar;
    if (program >= 32 && program < 40) return Family::Bass;
    if ((program >= 96 && program < 104) || program >= 112) return Family::Dropped;
    return Family::Strings;
}

Multitrack empty_lpd5(std::size_t steps, int resolution) {
    Multitrack out;
    out.resolution = resolution;
    out.tracks.resize(kFamilies);
    for (int f = 0; f < kFamilies; ++f) {
        Track& t = out.tracks[f];
        t.name = family_name(static_cast<Family>(f));
        t.program = family_program(static_cast<Family>(f));
        t.is_drum = f == static_cast<int>(Family::Drums);
        t.resize_steps(steps);
    }
    return out;
}

Multitrack merge_lpd5(const Multitrack& mt) {
    Multitrack out = empty_lpd5(mt.steps(), mt.resolution);
    out.name = mt.name;
    out.tempo = mt.tempo;
    out.downbeat = mt.downbeat;
    for (const auto& src : mt.tracks) {
        const Family f = family_of(src.program, src.is_drum);
        if (f == Family::Dropped) continue;
        // Raw restrict pointers: through a std::vector<uint8_t>& the compiler must assume each byte
        // store may change the vector's own data pointer (char aliasing) and will not vectorise.
        std::uint8_t* __restrict dst = out.tracks[static_cast<int>(f)].roll.data();
        const std::uint8_t* __restrict in = src.roll.data();
        const std::size_t n = src.roll.size();
        for (std::size_t i = 0; i < n; ++i) dst[i] = dst[i] > in[i] ? dst[i] : in[i];
    }
    return out;
}

}  // namespace quintet
