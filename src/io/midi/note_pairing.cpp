#include "io/midi/note_pairing.hpp"

namespace quintet::midi_detail {

void NotePairer::emit(const Open& o, int channel, int pitch, std::int64_t off_tick) {
    MidiNote n;
    n.track = track_;
    n.channel = channel;
    n.pitch = pitch;
    n.velocity = o.velocity;
    n.on_tick = o.tick;
    n.off_tick = off_tick;
    n.program = o.program;
    out_.push_back(n);
}

void NotePairer::note_on(std::int64_t tick, int channel, int pitch, int velocity, int program) {
    auto& list = open_[channel * 128 + pitch];
    if (list.empty()) used_.push_back(channel * 128 + pitch);
    list.push_back({tick, velocity, program});
}

void NotePairer::note_off(std::int64_t tick, int channel, int pitch) {
    auto& list = open_[channel * 128 + pitch];
    if (list.empty()) return;  // a note-off with nothing open is ignored (as every reader does)
    switch (rule_) {
    case NotePairing::fifo:
        emit(list.front(), channel, pitch, tick);
        list.erase(list.begin());
        break;
    case NotePairing::lifo:
        emit(list.back(), channel, pitch, tick);
        list.pop_back();
        break;
    case NotePairing::pretty_midi: {
        // pretty_midi 0.2.x (PrettyMIDI._load_instruments): close every open note with start != tick;
        // keep the ones that start at this tick only if some note was closed, else forget them all.
        std::vector<Open> keep;
        bool closed = false;
        for (const Open& o : list) {
            if (o.tick != tick) {
                emit(o, channel, pitch, tick);
                closed = true;
            } else {
                keep.push_back(o);
            }
        }
        if (closed && !keep.empty()) list = std::move(keep);
        else list.clear();
        break;
    }
    }
}

void NotePairer::finish_track(std::int64_t end_tick) {
    for (int key : used_) {
        auto& list = open_[key];
        if (rule_ != NotePairing::pretty_midi)
            for (const Open& o : list) emit(o, key / 128, key % 128, end_tick);
        list.clear();
    }
    used_.clear();
}

}  // namespace quintet::midi_detail
