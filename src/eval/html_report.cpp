#include "eval/html_report.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "roll/operations.hpp"
#include "util/error.hpp"
#ifdef QUINTET_HAVE_IMAGES
#include "io/image/pianoroll_image.hpp"
#endif
#ifdef QUINTET_HAVE_AUDIO
#include "io/audio/render_wav.hpp"
#endif

namespace quintet::eval {
namespace {

std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

// Relative paths go into src attributes: escape what HTML and URLs need.
std::string url(const std::string& relative) {
    std::string out;
    for (unsigned char c : relative) {
        if (std::isalnum(c) || c == '/' || c == '.' || c == '_' || c == '-') {
            out += static_cast<char>(c);
        } else {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

std::string number(double v) {
    if (std::isnan(v)) return "&ndash;";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

constexpr const char* kStyle = R"(body{font-family:sans-serif;margin:2em;max-width:1200px;color:#222}
table{border-collapse:collapse;font-size:14px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,td:nth-child(2),th{text-align:left}tr:nth-child(even){background:#f6f6f6}
figure{display:inline-block;margin:1em 1em 1em 0;vertical-align:top}figure img{max-width:560px;border:1px solid #ccc}
figcaption{font-size:13px;margin-bottom:4px}.note{color:#a40}#media-check{color:#666;font-size:12px})";

// Counts decoded images and audio elements whose metadata loaded, then reports into #media-check.
constexpr const char* kCheckScript = R"(<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var okImages = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var audios = Array.prototype.slice.call(document.querySelectorAll('audio'));
  Promise.all(audios.map(function (a) {
    if (a.readyState >= 1) return Promise.resolve(true);
    return new Promise(function (done) {
      a.addEventListener('loadedmetadata', function () { done(true); });
      a.addEventListener('error', function () { done(false); });
      a.load();
    });
  })).then(function (loaded) {
    var okAudio = loaded.filter(function (x) { return x; }).length;
    document.getElementById('media-check').textContent =
      'media check: images ' + okImages + '/' + imgs.length + ', audio ' + okAudio + '/' + audios.length;
  });
});
</script>)";

}  // namespace

std::string html_report(const HtmlReport& r) {
    std::ostringstream h;
    const Comparison& c = r.comparison;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" << escape(r.title)
      << "</title>\n<style>" << kStyle << "</style></head>\n<body>\n<h1>" << escape(r.title) << "</h1>\n"
      << "<p>Generated: " << c.generated_songs << " songs; reference: " << c.reference_songs
      << " songs. MusPy metrics are means over songs; MuseGAN metrics (EB, UP, QN, PP, IS, DP, UPC, TD; "
         "<code>_band</code> = the original code's band chroma) means over bars; <code>dropout</code> = share of "
         "(song, track) pairs of songs of 64+ bars where a track with an onset in bars 1-8 is silent in bars 33-64; "
         "<code>bar_repeat_4</code> / <code>bar_repeat_1</code> = share of bars with an onset whose 8th-note onsets "
         "equal one of the previous 4 bars / the previous bar; difference = generated &minus; reference.</p>\n<p id=\"media-check\">media check: pending</p>\n";
    for (const auto& n : r.notes) h << "<p class=\"note\">" << escape(n) << "</p>\n";

    if (!r.songs.empty()) {
        h << "<h2>Songs</h2>\n";
        for (const auto& s : r.songs) {
            h << "<figure><figcaption>" << escape(s.set) << ": " << escape(s.title) << " (first bars)</figcaption>";
            if (!s.image.empty()) h << "<img src=\"" << url(s.image) << "\" alt=\"piano roll of " << escape(s.title) << "\"><br>";
            if (!s.audio.empty()) h << "<audio controls preload=\"metadata\" src=\"" << url(s.audio) << "\"></audio>";
            h << "</figure>\n";
        }
    }
    if (!r.curve_image.empty())
        h << "<h2>Training curves</h2>\n<img src=\"" << url(r.curve_image) << "\" alt=\"training curves\">\n";

    h << "<h2>Metrics</h2>\n<table>\n<tr><th>scope</th><th>metric</th><th>generated</th><th>reference</th>"
         "<th>difference</th><th>pooled</th></tr>\n";
    for (const auto& row : c.rows)
        h << "<tr><td>" << escape(row.scope) << "</td><td>" << escape(row.metric) << "</td><td>" << number(row.generated)
          << "</td><td>" << number(row.reference) << "</td><td>" << number(row.difference) << "</td><td>"
          << escape(row.pooling) << "</td></tr>\n";
    h << "</table>\n" << kCheckScript << "\n</body></html>\n";
    return h.str();
}

ReportSong write_song_media(const Multitrack& song, const std::string& set, const std::string& title,
                            const std::string& stem, const std::filesystem::path& dir, const MediaOptions& options,
                            std::vector<std::string>& notes) {
    ReportSong entry{set, title, {}, {}};
    Multitrack excerpt = song;
    if (excerpt.resolution < 1) throw UsageError(title + ": resolution must be positive");
    trim(excerpt, 0, static_cast<std::size_t>(options.bars) * 4 * static_cast<std::size_t>(excerpt.resolution));
    std::error_code ec;
    std::filesystem::create_directories(dir / "media", ec);
    if (ec) throw IoError((dir / "media").string() + ": cannot create: " + ec.message());
    if (options.pictures) {
#ifdef QUINTET_HAVE_IMAGES
        PianoRollImageOptions image;
        image.title = title;
        write_pianoroll_png(excerpt, dir / "media" / (stem + ".png"), image);
        entry.image = "media/" + stem + ".png";
#else
        notes.push_back("no piano-roll pictures: this build has no image support (QUINTET_WITH_IMAGES=OFF)");
#endif
    }
    if (options.audio) {
#ifdef QUINTET_HAVE_AUDIO
        try {
            render_wav(excerpt, dir / "media" / (stem + ".wav"));
            entry.audio = "media/" + stem + ".wav";
        } catch (const IoError& e) {  // typically no SoundFont installed: the report is still useful
            notes.push_back(std::string("no audio for ") + title + ": " + e.what());
        }
#else
        notes.push_back("no audio: this build has no audio support (QUINTET_WITH_AUDIO=OFF)");
#endif
    }
    return entry;
}

}  // namespace quintet::eval
