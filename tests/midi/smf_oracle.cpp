#ifdef QUINTET_HAVE_SMF
#include "smf_oracle.hpp"

#include <smf.h>

#include <algorithm>
#include <deque>
#include <map>
#include <tuple>

namespace quintet::test {
namespace {

void silent_log(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

struct Open {
    int tick, velocity, program;
};

}  // namespace

std::optional<SmfOracleResult> smf_oracle_notes(const std::string& bytes) {
    static const bool silenced = [] {
        g_log_set_default_handler(silent_log, nullptr);
        return true;
    }();
    (void)silenced;
    smf_t* smf = smf_load_from_memory(bytes.data(), static_cast<int>(bytes.size()));
    if (!smf) return std::nullopt;
    SmfOracleResult result;
    result.ticks_per_beat = smf->ppqn;
    result.tracks = smf->number_of_tracks;
    for (int t = 1; t <= smf->number_of_tracks; ++t) {
        smf_track_t* track = smf_get_track_by_number(smf, t);
        std::map<std::pair<int, int>, std::deque<Open>> open;  // (channel, pitch) -> note-ons in order
        int program[16] = {};
        int last_tick = 0;
        for (int e = 1; e <= track->number_of_events; ++e) {
            smf_event_t* ev = smf_track_get_event_by_number(track, e);
            last_tick = ev->time_pulses;
            if (ev->midi_buffer_length < 2 || smf_event_is_metadata(ev) || smf_event_is_sysex(ev)) continue;
            const unsigned char* m = ev->midi_buffer;
            const int kind = m[0] >> 4, channel = m[0] & 0x0F;
            if (kind == 0xC) {
                program[channel] = m[1];
            } else if (kind == 0x9 && ev->midi_buffer_length >= 3 && m[2] > 0) {
                open[{channel, m[1]}].push_back({ev->time_pulses, m[2], program[channel]});
            } else if (kind == 0x8 || kind == 0x9) {
                auto it = open.find({channel, m[1]});
                if (it == open.end() || it->second.empty()) continue;
                const Open o = it->second.front();
                it->second.pop_front();
                result.notes.push_back({t - 1, channel, m[1], o.velocity, o.tick, ev->time_pulses, o.program});
            }
        }
        for (auto& [key, list] : open)
            for (const Open& o : list)
                result.notes.push_back({t - 1, key.first, key.second, o.velocity, o.tick, last_tick, o.program});
    }
    smf_delete(smf);
    std::stable_sort(result.notes.begin(), result.notes.end(), [](const MidiNote& a, const MidiNote& b) {
        return std::tie(a.on_tick, a.track, a.channel, a.pitch) < std::tie(b.on_tick, b.track, b.channel, b.pitch);
    });
    return result;
}

}  // namespace quintet::test
#endif
