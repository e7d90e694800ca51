#include "io/audio/note_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <utility>

#include "roll/notes.hpp"
#include "util/error.hpp"

namespace quintet {

std::vector<double> step_start_seconds(const Multitrack& mt) {
    if (mt.resolution <= 0) throw UsageError("audio: resolution must be positive, got " + std::to_string(mt.resolution));
    const std::size_t T = mt.steps();
    std::vector<double> s(T + 1, 0.0);
    double bpm = 120.0;
    for (std::size_t t = 0; t < T; ++t) {
        if (t < mt.tempo.size() && std::isfinite(mt.tempo[t]) && mt.tempo[t] > 0) bpm = mt.tempo[t];
        s[t + 1] = s[t] + 60.0 / (bpm * mt.resolution);
    }
    return s;
}

std::vector<ChannelAssignment> assign_channels(const Multitrack& mt) {
    std::vector<ChannelAssignment> plan;
    std::map<int, int> channel_of_program;  // melodic tracks with one program share a channel: at most 128
    int next = 0;
    for (const Track& tr : mt.tracks) {
        const int program = std::clamp(tr.program, 0, 127);
        if (tr.is_drum) {
            plan.push_back({9, program, true});
            continue;
        }
        auto [it, added] = channel_of_program.try_emplace(program, next);
        if (added) {
            if (next % 16 == 9) it->second = ++next;
            ++next;
        }
        plan.push_back({it->second, program, false});
    }
    return plan;
}

int channels_needed(const std::vector<ChannelAssignment>& plan) {
    int top = 15;
    for (const auto& a : plan) top = std::max(top, a.channel);
    return (top / 16 + 1) * 16;
}

std::vector<SynthEvent> schedule_notes(const Multitrack& mt, const std::vector<ChannelAssignment>& plan,
                                       int sample_rate) {
    if (plan.size() != mt.tracks.size()) throw UsageError("audio: channel plan does not match the tracks");
    const std::vector<double> sec = step_start_seconds(mt);
    auto frame_of = [&](double s) { return static_cast<std::int64_t>(std::llround(s * sample_rate)); };

    // Notes grouped by (channel, key) so that overlapping notes of one key can be cut at the next onset.
    struct Span { std::int64_t on, off; int velocity; };
    std::map<std::pair<int, int>, std::vector<Span>> by_key;
    for (const Note& n : multitrack_notes(mt)) {
        const auto& a = plan[static_cast<std::size_t>(n.track)];
        const double on = sec[n.start];
        double off = sec[std::min(n.start + n.length, sec.size() - 1)];
        if (a.is_drum) off = std::max(off, on + kMinDrumSeconds);
        by_key[{a.channel, n.pitch}].push_back({frame_of(on), frame_of(off), std::clamp(n.velocity, 1, 127)});
    }

    std::vector<SynthEvent> events;
    for (auto& [ck, spans] : by_key) {
        std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.on < b.on; });
        // Two tracks striking one key on one channel at once (drum tracks share channel 9): one louder note.
        std::vector<Span> merged;
        for (const Span& sp : spans) {
            if (!merged.empty() && merged.back().on == sp.on) {
                merged.back().off = std::max(merged.back().off, sp.off);
                merged.back().velocity = std::max(merged.back().velocity, sp.velocity);
            } else {
                merged.push_back(sp);
            }
        }
        spans = std::move(merged);
        for (std::size_t i = 0; i < spans.size(); ++i) {
            std::int64_t off = spans[i].off;
            if (i + 1 < spans.size()) off = std::min(off, spans[i + 1].on);
            off = std::max(off, spans[i].on + 1);
            events.push_back({spans[i].on, true, ck.first, ck.second, spans[i].velocity});
            events.push_back({off, false, ck.first, ck.second, 0});
        }
    }
    std::sort(events.begin(), events.end(), [](const SynthEvent& a, const SynthEvent& b) {
        return std::tie(a.frame, a.note_on, a.channel, a.key) < std::tie(b.frame, b.note_on, b.channel, b.key);
    });
    return events;
}

}  // namespace quintet
