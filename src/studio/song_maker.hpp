#pragma once
// Generating a song for the studio: a request's settings are checked against the run's system (before any
// job is queued, so a bad knob is a 400, not a failed job), then a job samples the song through the
// System interface, and writes it with its settings into the history: MIDI, the npz, the notes the page
// draws and a PNG piano roll (its WAV is rendered after the job: audio_renders.hpp). Runs are opened once
// and kept (a few at a time).
#include <filesystem>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "studio/job_pool.hpp"
#include "studio/song_history.hpp"
#include "studio/upload_store.hpp"
#include "systems/system.hpp"

namespace quintet::studio {

class SongMaker {
public:
    SongMaker(std::filesystem::path runs_dir, SongHistory& history, UploadStore& uploads, std::string device,
              std::size_t max_open_runs = 4);

    // {"run": NAME, "knobs": {...}} -> {"run", "system", "knobs"} with the knobs canonical (knob_form.hpp).
    // UsageError: unknown run, unknown knob, bad value, unknown upload.
    nlohmann::json prepare(const nlohmann::json& request) const;

    // Makes the song of prepared settings and keeps it in the history; returns {"song": id, "seconds": {...}}.
    nlohmann::json make(const nlohmann::json& settings, JobProgress& progress);

private:
    struct OpenRun {
        std::string name;
        std::filesystem::file_time_type stamp;  // newest file of the run when it was opened
        std::unique_ptr<System> system;
        std::unique_ptr<Sampler> sampler;
        std::mutex mutex;  // one song at a time per opened run (samplers keep state)
    };
    std::filesystem::path input_file(const std::string& id) const;
    std::shared_ptr<OpenRun> open_run(const std::string& name, const std::filesystem::path& dir);

    std::filesystem::path runs_dir_;
    SongHistory& history_;
    UploadStore& uploads_;
    std::string device_;
    std::size_t max_open_runs_;
    std::mutex cache_mutex_;
    std::list<std::shared_ptr<OpenRun>> cache_;  // most recently used first
};

// The notes of a song as the page draws them: {"resolution", "steps", "tempo", "tracks": [{"name", "program",
// "drum", "colour" (the PNG's), "notes": [[start, length, pitch, velocity], ...]}]}.
nlohmann::json song_notes_json(const Multitrack& song, double tempo);

// The song back from song_notes_json, keeping only the tracks in `lanes` (all when empty): what a page hears
// with some lanes muted. FormatError for a malformed notes file, UsageError for a lane that does not exist.
Multitrack song_from_notes_json(const nlohmann::json& notes, const std::vector<int>& lanes = {});

}  // namespace quintet::studio
