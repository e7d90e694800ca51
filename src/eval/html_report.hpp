#pragma once
// The HTML evaluation report: one self-contained folder (index.html + media/ + curve.png) with the metric
// table, piano-roll pictures of a few songs, an audio player per rendered WAV and the training curves of a
// run. The page checks its own media on load (images decoded, audio metadata read) and writes the result
// into #media-check, so a headless browser can verify it.
#include <filesystem>
#include <string>
#include <vector>

#include "eval/evaluation.hpp"
#include "roll/multitrack.hpp"

namespace quintet::eval {

struct ReportSong {
    std::string set;    // "generated" or "reference"
    std::string title;  // file name
    std::string image;  // path relative to the report folder; empty if none
    std::string audio;  // path relative to the report folder; empty if none
};

struct HtmlReport {
    std::string title = "Quintet evaluation";
    Comparison comparison;
    std::vector<ReportSong> songs;
    std::string curve_image;         // relative path of the training curves; empty if none
    std::vector<std::string> notes;  // lines shown under the title (what is missing and why)
};

std::string html_report(const HtmlReport& report);

struct MediaOptions {
    int bars = 8;              // the excerpt pictured and rendered, from the song's start
    bool pictures = true;      // needs a build with images (libpng)
    bool audio = true;         // needs a build with audio (FluidSynth) and a SoundFont
};

// Writes `dir/media/<stem>.png` and `.wav` of the song's first bars as the build allows; what could not be
// made is explained in `notes` (e.g. no SoundFont). Returns the entry for html_report.
ReportSong write_song_media(const Multitrack& mt, const std::string& set, const std::string& title,
                            const std::string& stem, const std::filesystem::path& dir, const MediaOptions& options,
                            std::vector<std::string>& notes);

}  // namespace quintet::eval
