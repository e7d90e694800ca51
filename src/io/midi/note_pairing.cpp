#include "io/midi/note_pairing.hpp"

#include <algorithm>
#include <tuple>

namespace quintet::midi_detail {

void NotePairer::note_on(std::int64_t tick, int channel, int pitch, int velocity, int program) {
    auto& list = open_[channel * 128 + pitch];
    if (list.empty()) used_.push_back(channel * 128 + pitch);
    list.push_back(out_.size());
    out_.push_back({track_, channel, pitch, velocity, tick, kOpen, program});
}

void NotePairer::close(std::size_t i, std::int64_t tick, int program_now) {
    out_[i].off_tick = tick;
    out_[i].off_program = program_now;
    out_[i].off_order = closes_++;
}

void NotePairer::note_off(std::int64_t tick, int channel, int pitch, int program_now) {
    auto& list = open_[channel * 128 + pitch];
    if (list.empty()) return;  // a note-off with nothing open is ignored (as every reader does)
    switch (rule_) {
    case NotePairing::fifo:
        close(list.front(), tick, program_now);
        list.erase(list.begin());
        break;
    case NotePairing::lifo:
        close(list.back(), tick, program_now);
        list.pop_back();
        break;
    case NotePairing::pretty_midi: {
        // pretty_midi 0.2.x (PrettyMIDI._load_instruments): close every open note with start != tick;
        // keep the ones that start at this tick only if some note was closed, else forget them all.
        bool closed = false;
        for (std::size_t i : list)
            if (out_[i].on_tick != tick) {
                close(i, tick, program_now);
                closed = true;
            }
        std::erase_if(list, [&](std::size_t i) {
            if (out_[i].off_tick != kOpen) return true;
            if (closed) return false;
            out_[i].off_tick = kDropped;
            dropped_any_ = true;
            return true;
        });
        break;
    }
    }
}

void NotePairer::finish_track(std::int64_t end_tick) {
    for (int key : used_) {
        for (std::size_t i : open_[key]) {
            if (rule_ == NotePairing::pretty_midi) {
                out_[i].off_tick = kDropped;
                dropped_any_ = true;
            } else {
                close(i, end_tick, out_[i].program);
            }
        }
        open_[key].clear();
    }
    used_.clear();
}

void NotePairer::remove_dropped() {
    if (dropped_any_) std::erase_if(out_, [](const MidiNote& n) { return n.off_tick == kDropped; });
}

namespace {

bool before(const MidiNote& a, const MidiNote& b) {
    return std::tie(a.on_tick, a.track, a.channel, a.pitch) < std::tie(b.on_tick, b.track, b.channel, b.pitch);
}

// Insertion sort: each track is in onset order already, only notes sharing an onset need ordering.
// Gives up (returns false) past a move budget, so adversarial input cannot make it quadratic.
bool insertion_sort(std::vector<MidiNote>::iterator first, std::vector<MidiNote>::iterator last) {
    std::size_t budget = 8 * static_cast<std::size_t>(last - first) + 64;
    for (auto it = first + (first != last); it < last; ++it) {
        if (!before(*it, *(it - 1))) continue;
        MidiNote v = *it;
        auto j = it;
        while (j != first && before(v, *(j - 1))) {
            *j = *(j - 1);
            --j;
            if (--budget == 0) {
                *j = v;
                return false;
            }
        }
        *j = v;
    }
    return true;
}

}  // namespace

void sort_notes(std::vector<MidiNote>& notes) {
    // Track ranges.
    std::vector<std::size_t> bounds{0};
    for (std::size_t i = 1; i < notes.size(); ++i)
        if (notes[i].track != notes[i - 1].track) bounds.push_back(i);
    bounds.push_back(notes.size());
    for (std::size_t r = 0; r + 1 < bounds.size(); ++r) {
        auto first = notes.begin() + static_cast<std::ptrdiff_t>(bounds[r]);
        auto last = notes.begin() + static_cast<std::ptrdiff_t>(bounds[r + 1]);
        if (!insertion_sort(first, last)) std::stable_sort(first, last, before);
    }
    // Merge neighbouring track ranges pairwise until one is left (stable: earlier tracks sort first anyway).
    while (bounds.size() > 2) {
        std::vector<std::size_t> next{0};
        for (std::size_t r = 0; r + 2 < bounds.size(); r += 2) {
            std::inplace_merge(notes.begin() + static_cast<std::ptrdiff_t>(bounds[r]),
                               notes.begin() + static_cast<std::ptrdiff_t>(bounds[r + 1]),
                               notes.begin() + static_cast<std::ptrdiff_t>(bounds[r + 2]), before);
            next.push_back(bounds[r + 2]);
        }
        if ((bounds.size() - 1) % 2 == 1) next.push_back(bounds.back());
        bounds = std::move(next);
    }
}

}  // namespace quintet::midi_detail
