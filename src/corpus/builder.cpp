#include "corpus/builder.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_map>

#include "corpus/split.hpp"
#include "corpus/store_writer.hpp"
#include "roll/operations.hpp"
#include "roll/row_scan.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace quintet {
namespace fs = std::filesystem;

namespace {

// merge_lpd5 then set_resolution in one pass, without the full-resolution merged copy (on LPD songs
// that copy and its scan were two thirds of the build time). Same result by construction: each
// family's merged row at step t is the maximum over its source tracks (merge_lpd5), and its non-zero
// cells overwrite step round(t*R/r) in increasing t (set_resolution). Tested against the composition.
Multitrack merge_and_resample(const Multitrack& song, int resolution) {
    Multitrack out = empty_lpd5(0, song.resolution);
    out.name = song.name;
    out.tempo = song.tempo;
    out.downbeat = song.downbeat;
    set_resolution(out, resolution);  // the tracks have no steps yet: resamples tempo and downbeat only
    const double factor = static_cast<double>(resolution) / static_cast<double>(song.resolution);

    std::vector<const Track*> sources[kFamilies];
    for (const auto& t : song.tracks) {
        const Family f = family_of(t.program, t.is_drum);
        if (f != Family::Dropped) sources[static_cast<int>(f)].push_back(&t);
    }
    for (int f = 0; f < kFamilies; ++f) {
        Track& dst = out.tracks[f];
        std::size_t steps = 0;
        for (const Track* s : sources[f]) steps = std::max(steps, s->steps());
        std::uint8_t merged[kPitches];
        for (std::size_t t = 0; t < steps; ++t) {
            const std::uint8_t* row = nullptr;
            if (sources[f].size() == 1) {
                row = &sources[f][0]->roll[t * kPitches];
            } else {
                std::fill(merged, merged + kPitches, 0);
                for (const Track* s : sources[f]) {
                    if (t >= s->steps()) continue;
                    const std::uint8_t* r = &s->roll[t * kPitches];
                    for (int p = 0; p < kPitches; ++p) merged[p] = std::max(merged[p], r[p]);
                }
                row = merged;
            }
            if (!row_has_notes(row)) continue;
            const auto nt = static_cast<std::size_t>(std::nearbyint(static_cast<double>(t) * factor));
            if (dst.steps() < nt + 1) dst.resize_steps(nt + 1);
            std::uint8_t* out_row = &dst.roll[nt * kPitches];
            for (int p = 0; p < kPitches; ++p)
                if (row[p] != 0) out_row[p] = row[p];
        }
    }
    return out;
}

}  // namespace

Multitrack prepare_for_store(const Multitrack& song, int resolution, double* tempo_bpm) {
    if (tempo_bpm) {
        // Harmonic mean: steps / resolution * 60 / mean then equals the sum of each step's duration.
        double inverse_sum = 0;
        std::size_t n = 0;
        for (double bpm : song.tempo)
            if (bpm > 0) {
                inverse_sum += 1.0 / bpm;
                ++n;
            }
        *tempo_bpm = n > 0 ? static_cast<double>(n) / inverse_sum : 120.0;
    }
    if (resolution <= 0) throw UsageError("resolution must be positive, got " + std::to_string(resolution));
    if (song.resolution <= 0) throw FormatError(song.name, "song has resolution " + std::to_string(song.resolution));
    // Equivalent to merge_lpd5, set_resolution(resolution), pad_to_same().
    Multitrack lpd5 = merge_and_resample(song, resolution);
    pad_to_same(lpd5);
    return lpd5;
}

namespace {

// A hash of the five rolls: equal songs (the same music shipped twice) get equal keys. std::hash of
// the bytes (word at a time) is several times faster than a byte-wise FNV here, and only needs to be
// stable within one build.
std::uint64_t roll_fingerprint(const Multitrack& lpd5) {
    std::uint64_t h = 0;
    for (const auto& t : lpd5.tracks) {
        const std::string_view bytes(reinterpret_cast<const char*>(t.roll.data()), t.roll.size());
        h = h * 0x9e3779b97f4a7c15ull + std::hash<std::string_view>{}(bytes) + t.roll.size();
    }
    return h;
}

bool has_notes(const Multitrack& mt) {
    for (const auto& t : mt.tracks)
        for (std::size_t s = 0; s < t.steps(); ++s)
            if (row_has_notes(&t.roll[s * kPitches])) return true;
    return false;
}

}  // namespace

BuildReport build_store(const std::vector<SongJob>& jobs, const fs::path& out, const BuildOptions& options) {
    if (options.resolution <= 0 || options.resolution > 96)
        throw UsageError("--resolution must be between 1 and 96 steps per beat, got " + std::to_string(options.resolution));
    if (jobs.empty()) throw UsageError("no songs to build a corpus from");
    BuildReport report;
    report.total = jobs.size();
    // A line per tenth in a log: a 21k-song build must not write 21k lines.
    Progress progress(options.log, ProgressLines::PerTenth);
    progress.start("corpus", jobs.size(), "songs");
    std::unordered_map<std::uint64_t, std::string> seen;  // fingerprint -> id: 8 bytes + id per song

    write_store(out, options.resolution, [&](StoreWriter& writer) {
        // One song: load, prepare, then store unless it is empty or a duplicate.
        auto handle = [&](const SongJob& job) {
            SongInfo info = job.info;
            Multitrack song;
            try {
                song = prepare_for_store(job.load(), options.resolution, &info.tempo);
            } catch (const std::exception& e) {  // a bad input file: skip it, keep building
                ++report.skipped;
                progress.warn("skipped " + job.source + ": " + e.what());
                return;
            }
            if (!has_notes(song)) {
                ++report.empty;
                progress.note("note: " + job.source + ": no notes in any LPD-5 track, not stored");
                return;
            }
            if (options.skip_duplicates) {
                if (auto [it, fresh] = seen.emplace(roll_fingerprint(song), info.id); !fresh) {
                    ++report.duplicates;
                    progress.note("note: " + job.source + ": same music as " + it->second + ", not stored again");
                    return;
                }
            }
            info.split = split_for_id(info.id);
            writer.add(info, song);  // errors here are the output's: they end the build
            ++report.written;
            ++report.split_counts[static_cast<int>(info.split)];
            report.steps += song.tracks[0].steps();
        };
        for (std::size_t i = 0; i < jobs.size(); ++i) {
            handle(jobs[i]);
            progress.update(i + 1);
        }
        if (report.written == 0)
            throw FormatError(out.string(), "no song could be stored (" + std::to_string(report.skipped) + " unreadable, " +
                                                std::to_string(report.empty) + " without notes)");
    });
    report.seconds = progress.elapsed_seconds();
    progress.finish();
    return report;
}

std::string summarize(const BuildReport& r, const fs::path& out) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "wrote %zu of %zu songs to %s (train %zu, valid %zu, test %zu); skipped %zu unreadable, %zu empty, %zu duplicate; "
                  "%.1f s, %.1f songs/s",
                  r.written, r.total, out.string().c_str(), r.split_counts[0], r.split_counts[1], r.split_counts[2], r.skipped, r.empty,
                  r.duplicates, r.seconds, r.seconds > 0 ? static_cast<double>(r.total) / r.seconds : 0.0);
    return buf;
}

}  // namespace quintet
