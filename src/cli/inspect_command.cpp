// `quintet inspect FILE`: what is in a song file: tracks (name, program, drum flag, notes, pitch range),
// tempo, resolution, bars, length in steps and seconds. --json for machines.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.hpp"
#include "cli/render_song_input.hpp"
#include "roll/bars.hpp"
#include "roll/notes.hpp"

namespace {

struct InspectArgs {
    std::string file;
    bool full = false, json = false;
};

std::string note_name(int pitch) {
    static const char* names[] = {"C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"};
    return std::string(names[pitch % 12]) + std::to_string(pitch / 12 - 1);
}

nlohmann::json describe(const quintet::cli::SongInput& in, const std::string& file) {
    const quintet::Multitrack& mt = in.mt;
    const std::size_t steps = mt.steps();
    nlohmann::json j;
    j["file"] = file;
    j["name"] = mt.name;
    j["source"] = in.midi ? "midi" : "npz";
    j["resolution"] = mt.resolution;
    j["steps"] = steps;

    // Seconds and tempo summary: a missing or non-positive tempo holds the previous value (120 at first).
    double seconds = 0, bpm = 120, lo = 0, hi = 0;
    int changes = 0;
    for (std::size_t t = 0; t < steps; ++t) {
        if (t < mt.tempo.size() && mt.tempo[t] > 0) {
            // LPD tempo arrays carry float noise (185.9997954 vs 186.0000001): count changes visible at 0.01 bpm.
            if (t > 0 && std::abs(mt.tempo[t] - bpm) >= 0.005) ++changes;
            bpm = mt.tempo[t];
        }
        lo = t == 0 ? bpm : std::min(lo, bpm);
        hi = std::max(hi, bpm);
        seconds += 60.0 / (bpm * std::max(mt.resolution, 1));
    }
    if (steps == 0) lo = hi = bpm;
    j["seconds"] = seconds;
    j["tempo"] = {{"first", mt.tempo.empty() ? 120.0 : mt.tempo.front()}, {"min", lo}, {"max", hi}, {"changes", changes}};

    std::size_t downbeats = 0;
    for (auto d : mt.downbeat) downbeats += d != 0;
    j["bars"] = quintet::bar_start_steps(mt).size();
    j["downbeats"] = downbeats;

    j["tracks"] = nlohmann::json::array();
    for (const auto& tr : mt.tracks) {
        int pmin = -1, pmax = -1;
        for (std::size_t t = 0; t < tr.steps(); ++t)
            for (int p = 0; p < quintet::kPitches; ++p)
                if (tr.at(t, p)) {
                    pmin = pmin < 0 ? p : std::min(pmin, p);
                    pmax = std::max(pmax, p);
                }
        nlohmann::json tj = {{"name", tr.name},   {"program", tr.program}, {"is_drum", tr.is_drum},
                             {"notes", quintet::track_notes(tr).size()}, {"cells", tr.nnz()}};
        tj["pitch_min"] = pmin < 0 ? nlohmann::json() : nlohmann::json(pmin);
        tj["pitch_max"] = pmax < 0 ? nlohmann::json() : nlohmann::json(pmax);
        j["tracks"].push_back(tj);
    }
    if (in.midi) {
        const auto& m = *in.midi;
        nlohmann::json sigs = nlohmann::json::array();
        for (const auto& s : m.time_signatures)
            sigs.push_back(std::to_string(s.numerator) + "/" + std::to_string(s.denominator) + " at tick " + std::to_string(s.tick));
        j["midi"] = {{"format", m.format},           {"ticks_per_beat", m.ticks_per_beat},
                     {"mtrk_chunks", m.tracks.size()}, {"notes", m.notes.size()},
                     {"tempo_events", m.tempos.size()}, {"time_signatures", sigs}, {"end_tick", m.end_tick}};
    }
    return j;
}

void print_text(const nlohmann::json& j) {
    std::printf("file        %s\n", j["file"].get<std::string>().c_str());
    if (j.contains("midi")) {
        const auto& m = j["midi"];
        std::printf("midi        type %d, %d ticks per beat, %zu MTrk chunks, %zu notes, %zu tempo events\n",
                    m["format"].get<int>(), m["ticks_per_beat"].get<int>(), m["mtrk_chunks"].get<std::size_t>(),
                    m["notes"].get<std::size_t>(), m["tempo_events"].get<std::size_t>());
        std::string sigs;
        for (const auto& s : m["time_signatures"]) sigs += (sigs.empty() ? "" : ", ") + s.get<std::string>();
        std::printf("time sig.   %s\n", sigs.empty() ? "none (4/4 assumed)" : sigs.c_str());
    }
    std::printf("name        %s\n", j["name"].get<std::string>().c_str());
    std::printf("resolution  %d steps per beat\n", j["resolution"].get<int>());
    const double secs = j["seconds"].get<double>();
    std::printf("length      %zu steps, %.2f s (%d:%02d)\n", j["steps"].get<std::size_t>(), secs,
                static_cast<int>(secs) / 60, static_cast<int>(secs) % 60);
    const auto& t = j["tempo"];
    if (t["changes"].get<int>() == 0)
        std::printf("tempo       %.2f bpm, constant\n", t["min"].get<double>());
    else
        std::printf("tempo       %.2f bpm at the start, %.2f..%.2f bpm, %d changes\n", t["first"].get<double>(),
                    t["min"].get<double>(), t["max"].get<double>(), t["changes"].get<int>());
    const std::size_t marked = j["downbeats"].get<std::size_t>();
    if (marked == 0)
        std::printf("bars        %zu (no downbeats in the file: 4/4 assumed)\n", j["bars"].get<std::size_t>());
    else
        std::printf("bars        %zu (%zu marked downbeat%s, 4/4 between marks more than 6 beats apart)\n",
                    j["bars"].get<std::size_t>(), marked, marked == 1 ? "" : "s");
    std::printf("tracks      %zu\n", j["tracks"].size());
    std::printf("  %-3s %-20s %7s %5s %7s %8s  %s\n", "#", "name", "program", "drum", "notes", "cells", "pitch range");
    int i = 0;
    for (const auto& tr : j["tracks"]) {
        std::string range = "-";
        if (!tr["pitch_min"].is_null()) {
            const int lo = tr["pitch_min"].get<int>(), hi = tr["pitch_max"].get<int>();
            range = note_name(lo) + ".." + note_name(hi) + " (" + std::to_string(lo) + ".." + std::to_string(hi) + ")";
        }
        std::printf("  %-3d %-20s %7d %5s %7zu %8zu  %s\n", i++, tr["name"].get<std::string>().c_str(),
                    tr["program"].get<int>(), tr["is_drum"].get<bool>() ? "yes" : "no", tr["notes"].get<std::size_t>(),
                    tr["cells"].get<std::size_t>(), range.c_str());
    }
}

const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    auto args = std::make_shared<InspectArgs>();
    auto* cmd = app.add_subcommand("inspect", "show the tracks, tempo, bars and length of a .mid or .npz file");
    cmd->add_option("FILE", args->file, "a .mid/.midi or .npz file")->required();
    cmd->add_flag("--full", args->full, "MIDI input: every MIDI instrument instead of the LPD-5 five");
    cmd->add_flag("--json", args->json, "print JSON instead of text");
    cmd->callback([args] {
        const auto in = quintet::cli::load_song_input(args->file, args->full);
        const auto j = describe(in, args->file);
        if (args->json) std::printf("%s\n", j.dump(2).c_str());
        else print_text(j);
    });
});

}  // namespace
