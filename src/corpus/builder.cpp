#include "corpus/builder.hpp"

#include <unordered_map>

#include "corpus/build_progress.hpp"
#include "corpus/split.hpp"
#include "corpus/store_writer.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;

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
    Multitrack lpd5 = merge_lpd5(song);
    set_resolution(lpd5, resolution);
    pad_to_same(lpd5);
    return lpd5;
}

namespace {

// FNV-1a over the five rolls: equal songs (the same music shipped twice) get equal keys.
std::uint64_t roll_fingerprint(const Multitrack& lpd5) {
    std::uint64_t h = 14695981039346656037ull;
    for (const auto& t : lpd5.tracks) {
        for (std::uint8_t v : t.roll) {
            h ^= v;
            h *= 1099511628211ull;
        }
        h ^= 0xff;  // track separator
        h *= 1099511628211ull;
    }
    return h;
}

bool has_notes(const Multitrack& mt) {
    for (const auto& t : mt.tracks)
        if (!t.empty()) return true;
    return false;
}

}  // namespace

BuildReport build_store(const std::vector<SongJob>& jobs, const fs::path& out, const BuildOptions& options) {
    if (options.resolution <= 0 || options.resolution > 96)
        throw UsageError("--resolution must be between 1 and 96 steps per beat, got " + std::to_string(options.resolution));
    if (jobs.empty()) throw UsageError("no songs to build a corpus from");
    BuildReport report;
    report.total = jobs.size();
    BuildProgress progress("corpus", jobs.size(), options.log);
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
                progress.warn("warning: skipped " + job.source + ": " + e.what());
                return;
            }
            if (!has_notes(song)) {
                ++report.empty;
                progress.warn("note: " + job.source + ": no notes in any LPD-5 track, not stored");
                return;
            }
            if (options.skip_duplicates) {
                if (auto [it, fresh] = seen.emplace(roll_fingerprint(song), info.id); !fresh) {
                    ++report.duplicates;
                    progress.warn("note: " + job.source + ": same music as " + it->second + ", not stored again");
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
    progress.finish({});
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
