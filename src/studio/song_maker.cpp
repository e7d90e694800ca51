#include "studio/song_maker.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "io/midi/midi_write.hpp"
#include "roll/notes.hpp"
#include "runs/run_dir.hpp"
#include "studio/knob_form.hpp"
#include "studio/run_catalog.hpp"
#include "systems/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#ifdef QUINTET_HAVE_ZIP
#include "io/npz/npz.hpp"
#endif
#ifdef QUINTET_HAVE_AUDIO
#include "io/audio/render_wav.hpp"
#endif
#ifdef QUINTET_HAVE_IMAGES
#include "io/image/pianoroll_image.hpp"
#endif

namespace quintet::studio {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The newest modification time among the run's files: a run retrained since it was opened is opened again.
fs::file_time_type run_stamp(const fs::path& dir) {
    fs::file_time_type newest{};
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) newest = std::max(newest, e.last_write_time(ec));
    return newest;
}

}  // namespace

json song_notes_json(const Multitrack& song, double tempo) {
    json tracks = json::array();
    for (std::size_t i = 0; i < song.tracks.size(); ++i) {
        const Track& t = song.tracks[i];
        json notes = json::array();
        for (const Note& n : track_notes(t, int(i))) notes.push_back({n.start, n.length, n.pitch, n.velocity});
        json track = {{"name", t.name}, {"program", t.program}, {"drum", t.is_drum}, {"notes", std::move(notes)}};
#ifdef QUINTET_HAVE_IMAGES
        const Rgb c = instrument_rgb(instrument_colour_of(t));
        char colour[8];
        std::snprintf(colour, sizeof colour, "#%02x%02x%02x", c.r, c.g, c.b);
        track["colour"] = colour;
#endif
        tracks.push_back(std::move(track));
    }
    return {{"resolution", song.resolution}, {"steps", song.steps()}, {"tempo", tempo}, {"tracks", std::move(tracks)}};
}

Multitrack song_from_notes_json(const json& notes, const std::vector<int>& lanes) {
    Multitrack song;
    song.resolution = notes.at("resolution").get<int>();
    const std::size_t steps = notes.at("steps").get<std::size_t>();
    const auto& tracks = notes.at("tracks");
    for (int lane : lanes)
        if (lane < 0 || lane >= int(tracks.size())) throw UsageError("no lane " + std::to_string(lane) + " in this song");
    for (std::size_t i = 0; i < tracks.size(); ++i) {
        if (!lanes.empty() && std::find(lanes.begin(), lanes.end(), int(i)) == lanes.end()) continue;
        const auto& t = tracks[i];
        Track track;
        track.name = t.at("name").get<std::string>();
        track.program = t.at("program").get<int>();
        track.is_drum = t.at("drum").get<bool>();
        track.resize_steps(steps);
        for (const auto& n : t.at("notes")) {
            const std::size_t start = n.at(0), length = n.at(1);
            const int pitch = n.at(2), velocity = n.at(3);
            if (pitch < 0 || pitch >= kPitches || start + length > steps) throw FormatError("notes.json", "a note outside the song");
            for (std::size_t s = start; s < start + length; ++s) track.at(s, pitch) = std::uint8_t(velocity);
        }
        song.tracks.push_back(std::move(track));
    }
    song.tempo.assign(steps, notes.at("tempo").get<double>());
    return song;
}

// An upload id, or "song:ID": a song of the history (its npz: the exact rolls), to regenerate it.
fs::path SongMaker::input_file(const std::string& id) const {
    if (id.rfind("song:", 0) == 0) {
        const fs::path dir = history_.entry(id.substr(5));
        std::error_code ec;
        return fs::is_regular_file(dir / "song.npz", ec) ? dir / "song.npz" : dir / "song.mid";
    }
    return uploads_.path(id);
}

SongMaker::SongMaker(fs::path runs_dir, SongHistory& history, UploadStore& uploads, std::string device, std::size_t max_open_runs)
    : runs_dir_(std::move(runs_dir)), history_(history), uploads_(uploads), device_(std::move(device)), max_open_runs_(max_open_runs) {}

json SongMaker::prepare(const json& request) const {
    if (!request.is_object() || !request.contains("run") || !request["run"].is_string())
        throw UsageError("expected {\"run\": NAME, \"knobs\": {...}}");
    const std::string run = request["run"].get<std::string>();
    const fs::path dir = run_path(runs_dir_, run);
    const auto system = make_system(describe_run(dir).kind);
    const json knobs = request.contains("knobs") ? request["knobs"] : json::object();
    auto resolve = [this](const std::string& id) { return input_file(id); };
    return {{"run", run}, {"system", system->kind()}, {"knobs", canonical_knobs(*system, knobs, resolve)}};
}

std::shared_ptr<SongMaker::OpenRun> SongMaker::open_run(const std::string& name, const fs::path& dir) {
    const auto stamp = run_stamp(dir);
    {
        std::lock_guard lock(cache_mutex_);
        for (auto it = cache_.begin(); it != cache_.end(); ++it) {
            if ((*it)->name != name) continue;
            if ((*it)->stamp != stamp) {
                cache_.erase(it);  // retrained: open it again
                break;
            }
            auto found = *it;
            cache_.erase(it);
            cache_.push_front(found);
            return found;
        }
    }
    auto run = std::make_shared<OpenRun>();
    run->name = name;
    run->stamp = stamp;
    run->system = make_system(describe_run(dir).kind);
    run->sampler = run->system->open(dir, device_);
    std::lock_guard lock(cache_mutex_);
    cache_.push_front(run);
    while (cache_.size() > max_open_runs_) cache_.pop_back();  // a job still using it keeps its shared_ptr
    return run;
}

json SongMaker::make(const json& settings, JobProgress& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string name = settings.at("run").get<std::string>();
    progress.report(0.05, "opening the run");
    const fs::path dir = run_path(runs_dir_, name);
    auto run = open_run(name, dir);
    if (run->system->kind() != settings.at("system").get<std::string>())
        throw UsageError("run '" + name + "' is now a " + run->system->kind() + " run, not " + settings.at("system").get<std::string>());
    auto resolve = [this](const std::string& id) { return input_file(id); };
    auto knobs = apply_knobs(*run->system, settings.at("knobs"), device_, resolve);
    const double open_s = seconds_since(t0);

    progress.report(0.15, "generating");
    const auto t1 = std::chrono::steady_clock::now();
    Multitrack song;
    {
        std::lock_guard lock(run->mutex);
        song = run->sampler->sample(knobs->request, *knobs->settings);
    }
    const double generate_s = seconds_since(t1);
    const double tempo = knobs->request.tempo;

    json seconds = {{"open", open_s}, {"generate", generate_s}};
    json files = json::array({"song.mid"});
    std::string audio_note;
    const std::string id = history_.add([&](const fs::path& folder) {
        progress.report(0.3, "writing MIDI");
        MidiWriteOptions midi;
        midi.tempo_bpm = tempo;
        write_file_atomically(folder / "song.mid", encode_midi(song, midi));
        write_file_atomically(folder / "notes.json", song_notes_json(song, tempo).dump());
#ifdef QUINTET_HAVE_ZIP
        write_npz(song, folder / "song.npz");  // the LPD / pypianoroll form
        files.push_back("song.npz");
#endif
#ifdef QUINTET_HAVE_IMAGES
        progress.report(0.35, "drawing the piano roll");
        const auto t2 = std::chrono::steady_clock::now();
        PianoRollImageOptions picture;
        picture.title = name + " seed " + settings["knobs"].value("--seed", std::string("1"));
        write_pianoroll_png(song, folder / "song.png", picture);
        seconds["png"] = seconds_since(t2);
        files.push_back("song.png");
#endif
#ifdef QUINTET_HAVE_AUDIO
        // The WAV is rendered after the job (audio_renders.hpp): the song is done without waiting for it.
        try {
            AudioOptions audio;
            resolve_soundfont(audio);
            files.push_back("song.wav");
        } catch (const IoError& e) {
            audio_note = e.what();  // no SoundFont: the song stays, without audio
        }
#else
        audio_note = "this build has no audio (QUINTET_WITH_AUDIO=OFF)";
#endif
        json record = settings;
        record["files"] = files;
        if (!audio_note.empty()) record["audio"] = audio_note;
        record["created"] = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch()).count();
        write_file_atomically(folder / "settings.json", record.dump(2) + "\n");
    });
    seconds["total"] = seconds_since(t0);
    json result = {{"song", id}, {"seconds", seconds}};
    if (!audio_note.empty()) result["audio"] = audio_note;
    return result;
}

}  // namespace quintet::studio
