#include "io/image/pianoroll_image.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "io/image/bitmap_font.hpp"
#include "io/image/canvas.hpp"
#include "roll/bars.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

constexpr Rgb kInk{40, 40, 40};
constexpr Rgb kMuted{120, 120, 120};
constexpr Rgb kLaneBg{250, 250, 250};
constexpr Rgb kBlackKeyBg{240, 240, 242};
constexpr Rgb kOctaveLine{215, 215, 220};
constexpr Rgb kBeatLine{230, 230, 234};
constexpr Rgb kBarLine{160, 160, 168};
constexpr Rgb kFrame{190, 190, 195};

constexpr int kMarginLeft = 8;
constexpr int kNameChars = 13;            // track names are cut to this many characters
constexpr int kLabelWidth = 3 * font::kAdvance;  // "C-1" .. "C9"
constexpr int kRollLeft = kMarginLeft + kNameChars * font::kAdvance + 8 + kLabelWidth + 6;
constexpr int kHeaderHeight = 8 + 2 * font::kLineHeight + 4 + font::kLineHeight + 8;
constexpr int kLaneGap = 8;
constexpr int kMinLaneHeight = 26;        // room for the name and the program line
constexpr int kEmptyLaneHeight = 22;
constexpr int kFooterHeight = 6 + font::kLineHeight + 8;
constexpr int kMarginRight = 12;
constexpr int kMinRollWidth = 200;

bool is_black_key(int pitch) {
    const int pc = pitch % 12;
    return pc == 1 || pc == 3 || pc == 6 || pc == 8 || pc == 10;
}

std::string lower(std::string s) {
    for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return s;
}

void validate(const Multitrack& mt, const PianoRollImageOptions& o) {
    if (mt.resolution <= 0) throw UsageError("piano roll: resolution must be positive, got " + std::to_string(mt.resolution));
    if (o.pixels_per_pitch < 1 || o.pixels_per_pitch > 32)
        throw UsageError("piano roll: pixels_per_pitch must be in 1..32, got " + std::to_string(o.pixels_per_pitch));
    if (o.pixels_per_beat < 1 || o.pixels_per_beat > 1000)
        throw UsageError("piano roll: pixels_per_beat must be in 1..1000, got " + std::to_string(o.pixels_per_beat));
    if (o.max_roll_width < kMinRollWidth || o.max_roll_width > 30000)
        throw UsageError("piano roll: max_roll_width must be in 200..30000, got " + std::to_string(o.max_roll_width));
    if (o.pitch_margin < 0 || o.min_lane_pitches < 1 || o.min_lane_pitches > 128)
        throw UsageError("piano roll: bad pitch_margin or min_lane_pitches");
}

double seconds_of(const Multitrack& mt, std::size_t steps) {
    double s = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        const double bpm = t < mt.tempo.size() && mt.tempo[t] > 0 ? mt.tempo[t] : 120.0;
        s += 60.0 / (bpm * mt.resolution);
    }
    return s;
}

std::string header_info(const Multitrack& mt, const PianoRollLayout& L, std::size_t steps) {
    double lo = 0, hi = 0;
    for (double b : mt.tempo)
        if (b > 0) { lo = lo == 0 ? b : std::min(lo, b); hi = std::max(hi, b); }
    if (hi == 0) lo = hi = 120;
    char tempo[48];
    if (std::lround(lo) == std::lround(hi)) std::snprintf(tempo, sizeof tempo, "%ld bpm", std::lround(lo));
    else std::snprintf(tempo, sizeof tempo, "%ld-%ld bpm", std::lround(lo), std::lround(hi));
    const long secs = static_cast<long>(seconds_of(mt, steps));  // m:ss truncated, as `quintet inspect` prints it
    char buf[200];
    std::snprintf(buf, sizeof buf, "%zu tracks   %zu bars   %s   %d steps/beat   %zu steps   %ld:%02ld",
                  mt.tracks.size(), L.bar_steps.size(), tempo, mt.resolution, steps, secs / 60, secs % 60);
    return buf;
}

}  // namespace

InstrumentColour instrument_colour_of(const Track& t) {
    if (t.is_drum) return InstrumentColour::Drums;
    const std::string n = lower(t.name);
    if (n.find("drum") != std::string::npos) return InstrumentColour::Drums;
    if (n.find("piano") != std::string::npos) return InstrumentColour::Piano;
    if (n.find("guitar") != std::string::npos) return InstrumentColour::Guitar;
    if (n.find("bass") != std::string::npos) return InstrumentColour::Bass;
    if (n.find("string") != std::string::npos) return InstrumentColour::Strings;
    // GM program families as the LPD-5 merge groups them.
    const int p = t.program;
    if (p >= 0 && p <= 7) return InstrumentColour::Piano;
    if (p >= 24 && p <= 31) return InstrumentColour::Guitar;
    if (p >= 32 && p <= 39) return InstrumentColour::Bass;
    if ((p >= 0 && p < 96) || (p >= 104 && p <= 111)) return InstrumentColour::Strings;
    return InstrumentColour::Other;
}

Rgb instrument_rgb(InstrumentColour c) {
    switch (c) {
        case InstrumentColour::Drums: return {200, 55, 50};
        case InstrumentColour::Piano: return {40, 100, 200};
        case InstrumentColour::Guitar: return {225, 135, 20};
        case InstrumentColour::Bass: return {125, 65, 180};
        case InstrumentColour::Strings: return {35, 150, 90};
        case InstrumentColour::Other: break;
    }
    return {110, 110, 110};
}

Rgb note_rgb(InstrumentColour c, int velocity) {
    const double v = std::clamp(velocity, 0, 127) / 127.0;
    return blend(kLaneBg, instrument_rgb(c), 0.25 + 0.75 * v);
}

std::string pitch_name(int pitch) {
    static const char* names[] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
    if (pitch < 0 || pitch > 127) return "?";
    return std::string(names[pitch % 12]) + std::to_string(pitch / 12 - 1);
}

PianoRollLayout pianoroll_layout(const Multitrack& mt, const PianoRollImageOptions& o) {
    validate(mt, o);
    PianoRollLayout L;
    const std::size_t steps = mt.steps();
    const std::size_t res = static_cast<std::size_t>(mt.resolution);
    const std::size_t ppb = static_cast<std::size_t>(o.pixels_per_beat);

    // Horizontal scale: pixels_per_beat if possible, then binned down to the width cap.
    if (res <= ppb) {
        L.pixels_per_column = static_cast<int>(ppb / res);
        L.steps_per_column = 1;
    } else {
        L.pixels_per_column = 1;
        L.steps_per_column = (res + ppb - 1) / ppb;
    }
    const std::size_t cap = static_cast<std::size_t>(o.max_roll_width);
    auto columns = [&] { return (steps + L.steps_per_column - 1) / L.steps_per_column; };
    if (columns() * L.pixels_per_column > cap) {
        L.pixels_per_column = std::max<int>(1, static_cast<int>(cap / std::max<std::size_t>(columns(), 1)));
        if (columns() * L.pixels_per_column > cap) L.steps_per_column = (steps + cap - 1) / cap;
    }
    L.roll_left = kRollLeft;
    L.roll_width = std::max(kMinRollWidth, static_cast<int>(columns()) * L.pixels_per_column);
    L.pixels_per_pitch = o.pixels_per_pitch;
    L.bar_steps = bar_start_steps(mt);

    // Lanes: only the pitch range each track uses, plus a margin, at least min_lane_pitches tall.
    const int min_pitches = std::max(o.min_lane_pitches, (kMinLaneHeight + o.pixels_per_pitch - 1) / o.pixels_per_pitch);
    int y = kHeaderHeight;
    for (const Track& tr : mt.tracks) {
        PianoRollLayout::Lane lane;
        int lo = kPitches, hi = -1;
        for (std::size_t t = 0; t < tr.steps(); ++t)
            for (int p = 0; p < kPitches; ++p)
                if (tr.at(t, p)) { lo = std::min(lo, p); hi = std::max(hi, p); }
        if (hi < 0) {
            lane.empty = true;
            lane.pitch_lo = 60;
            lane.pitch_hi = 59;
            lane.height = kEmptyLaneHeight;
        } else {
            lo = std::max(0, lo - o.pitch_margin);
            hi = std::min(kPitches - 1, hi + o.pitch_margin);
            while (hi - lo + 1 < std::min(min_pitches, kPitches)) {  // grow evenly, staying inside 0..127
                if (hi < kPitches - 1) ++hi;
                if (hi - lo + 1 < min_pitches && lo > 0) --lo;
            }
            lane.pitch_lo = lo;
            lane.pitch_hi = hi;
            lane.height = (hi - lo + 1) * o.pixels_per_pitch;
        }
        lane.top = y;
        y += lane.height + kLaneGap;
        L.lanes.push_back(lane);
    }
    if (mt.tracks.empty()) y += kEmptyLaneHeight + kLaneGap;
    L.width = L.roll_left + L.roll_width + kMarginRight;
    L.height = y - kLaneGap + kFooterHeight;
    return L;
}

Image render_pianoroll(const Multitrack& mt, const PianoRollImageOptions& o) {
    const PianoRollLayout L = pianoroll_layout(mt, o);
    const std::size_t steps = mt.steps();
    Canvas c(L.width, L.height);

    const std::string title = !o.title.empty() ? o.title : !mt.name.empty() ? mt.name : "untitled";
    c.text(kMarginLeft, 8, title, kInk, 2);
    c.text(kMarginLeft, 8 + 2 * font::kLineHeight + 4, header_info(mt, L, steps), kMuted);
    if (mt.tracks.empty()) c.text(L.roll_left, kHeaderHeight + 6, "no tracks", kMuted);

    const double px_per_beat = static_cast<double>(mt.resolution) * L.pixels_per_column / L.steps_per_column;
    const int roll_right = L.roll_left + L.roll_width - 1;

    for (std::size_t i = 0; i < mt.tracks.size(); ++i) {
        const Track& tr = mt.tracks[i];
        const auto& lane = L.lanes[i];
        const InstrumentColour ic = instrument_colour_of(tr);

        // Name and program on the left.
        std::string name = tr.name.empty() ? "track " + std::to_string(i) : tr.name;
        if (name.size() > kNameChars) name = name.substr(0, kNameChars - 1) + "~";
        const int name_y = lane.top + std::max(0, (lane.height - 2 * font::kLineHeight) / 2);
        c.text(kMarginLeft, name_y, name, blend(instrument_rgb(ic), {0, 0, 0}, 0.15));
        const std::string sub = tr.is_drum ? "drums" : "program " + std::to_string(tr.program);
        if (lane.height >= 2 * font::kLineHeight) c.text(kMarginLeft, name_y + font::kLineHeight, sub, kMuted);

        c.fill_rect(L.roll_left, lane.top, L.roll_width, lane.height, kLaneBg);
        if (lane.empty) {
            c.text(L.roll_left + 6, lane.top + (lane.height - font::kCapHeight) / 2, "(empty)", kMuted);
        } else {
            // Key shading and octave lines (under the B|C boundary), then the time grid, then the notes.
            for (int p = lane.pitch_lo; p <= lane.pitch_hi; ++p) {
                const int y = L.y_of_pitch(i, p);
                if (!tr.is_drum && is_black_key(p)) c.fill_rect(L.roll_left, y, L.roll_width, L.pixels_per_pitch, kBlackKeyBg);
                if (p % 12 == 0) c.hline(L.roll_left, roll_right, y + L.pixels_per_pitch - 1, kOctaveLine);
            }
        }
        if (px_per_beat >= 8) {
            for (std::size_t t = 0; t < steps; t += static_cast<std::size_t>(mt.resolution))
                c.vline(L.x_of_step(t), lane.top, lane.top + lane.height - 1, kBeatLine);
        }
        for (std::size_t t : L.bar_steps) c.vline(L.x_of_step(t), lane.top, lane.top + lane.height - 1, kBarLine);

        if (!lane.empty) {
            // Bin steps into columns, keeping the loudest cell of each bin.
            const int np = lane.pitch_hi - lane.pitch_lo + 1;
            const std::size_t ncol = (tr.steps() + L.steps_per_column - 1) / L.steps_per_column;
            std::vector<std::uint8_t> bins(ncol * np, 0);
            for (std::size_t t = 0; t < tr.steps(); ++t)
                for (int p = lane.pitch_lo; p <= lane.pitch_hi; ++p) {
                    auto& b = bins[(t / L.steps_per_column) * np + (p - lane.pitch_lo)];
                    b = std::max(b, tr.at(t, p));
                }
            // Drum hits are one step long (LPD): draw them at least 2 px wide so they stay visible.
            const int w = tr.is_drum ? std::max(2, L.pixels_per_column) : L.pixels_per_column;
            for (std::size_t col = 0; col < ncol; ++col)
                for (int k = 0; k < np; ++k)
                    if (const int v = bins[col * np + k]) {
                        const int x = L.roll_left + static_cast<int>(col) * L.pixels_per_column;
                        c.fill_rect(x, L.y_of_pitch(i, lane.pitch_lo + k), std::min(w, roll_right + 1 - x),
                                    L.pixels_per_pitch, note_rgb(ic, v));
                    }

            // C labels on the pitch axis (every other octave when octaves are too close for text).
            const int octave_px = 12 * L.pixels_per_pitch;
            const int every = octave_px >= font::kLineHeight ? 1 : (font::kLineHeight + octave_px - 1) / octave_px;
            for (int p = lane.pitch_lo; p <= lane.pitch_hi; ++p) {
                if (p % 12 != 0 || (p / 12) % every != 0) continue;
                const int yc = L.y_of_pitch(i, p) + L.pixels_per_pitch / 2;
                const std::string s = pitch_name(p);
                c.text(L.roll_left - 5 - font::text_width(s), yc - font::kCapHeight / 2, s, kMuted);
                c.hline(L.roll_left - 3, L.roll_left - 1, yc, kMuted);
            }
        }
        c.rect_outline(L.roll_left - 1, lane.top - 1, L.roll_width + 2, lane.height + 2, kFrame);
    }

    // Bar numbers under the last lane, thinned so they never overlap.
    const int footer_y = L.height - kFooterHeight + 6;
    int next_free_x = 0;
    for (std::size_t b = 0; b < L.bar_steps.size(); ++b) {
        const int x = L.x_of_step(L.bar_steps[b]);
        const std::string s = std::to_string(b + 1);
        if (x < next_free_x || x > roll_right) continue;
        c.text(x, footer_y, s, kMuted);
        next_free_x = x + font::text_width(s) + 10;
    }
    if (!L.bar_steps.empty()) c.text(L.roll_left - 5 - font::text_width("bar"), footer_y, "bar", kMuted);
    return c.image();
}

void write_pianoroll_png(const Multitrack& mt, const std::filesystem::path& png, const PianoRollImageOptions& o) {
    write_png(render_pianoroll(mt, o), png);
}

}  // namespace quintet
