#include "eval/evaluation.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <sstream>

#include "roll/notes.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet::eval {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool is_lpd5(const Multitrack& mt) {
    if (mt.tracks.size() != kFamilies) return false;
    for (int f = 0; f < kFamilies; ++f)
        if (lower(mt.tracks[static_cast<std::size_t>(f)].name) != lower(family_name(static_cast<Family>(f)))) return false;
    return mt.tracks[0].is_drum;
}

// v1 code names -> the paper's names used in our reports.
std::string paper_metric(const std::string& code) {
    for (int m = 0; m < kMuseganMetrics; ++m)
        if (code == musegan_metric_name(m)) return musegan_paper_name(m);
    if (code == "metrics_harmonicity") return "TD";
    return code;
}

bool differs_with_chroma(const std::string& paper) { return paper == "UPC" || paper == "IS" || paper == "TD"; }

std::string json_number(double v) { return std::isfinite(v) ? format_double(v) : "null"; }

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) < 0x20) { out += ' '; continue; }
        out += c;
    }
    return out + "\"";
}

// RFC 4180 quoting where a field needs it (file names may hold commas or quotes).
std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string md_number(double v) {
    if (std::isnan(v)) return "–";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

}  // namespace

Multitrack rescale_notes(const Multitrack& mt, int new_resolution) {
    if (mt.resolution < 1 || new_resolution < 1) throw UsageError("resolution must be positive");
    Multitrack out;
    out.name = mt.name;
    out.resolution = new_resolution;
    const double factor = static_cast<double>(new_resolution) / mt.resolution;
    auto scaled = [&](std::size_t t) { return static_cast<std::size_t>(std::llround(static_cast<double>(t) * factor)); };
    for (const auto& track : mt.tracks) {
        Track t;
        t.name = track.name;
        t.program = track.program;
        t.is_drum = track.is_drum;
        if (track.steps() > 0) t.resize_steps(std::max<std::size_t>(1, scaled(track.steps())));
        for (const Note& n : track_notes(track)) {
            const std::size_t start = scaled(n.start);
            const std::size_t end = std::max(start + 1, scaled(n.start + n.length));
            if (end > t.steps()) t.resize_steps(end);
            for (std::size_t s = start; s < end; ++s) t.at(s, n.pitch) = static_cast<std::uint8_t>(n.velocity);
        }
        out.tracks.push_back(std::move(t));
    }
    return out;
}

Multitrack prepare_for_eval(const Multitrack& mt) {
    Multitrack lpd = is_lpd5(mt) ? mt : merge_lpd5(mt);
    if (lpd.resolution != kEvalResolution) lpd = rescale_notes(lpd, kEvalResolution);
    return lpd;
}

SetEvaluator::SetEvaluator(EvalOptions options) : options_(std::move(options)), bars_(options_.grid) {}

SongEvaluation evaluate_song(const std::string& file, const Multitrack& input, const EvalOptions& options) {
    const Multitrack mt = prepare_for_eval(input);
    SongEvaluation out{{}, {}, {}, BarSet(options.grid), {}, {}};
    auto& rows = out.rows;
    for (const auto& v : muspy_metrics(note_music(mt), options.muspy)) rows.push_back({file, "song", v.metric, v.value});
    for (std::size_t i = 0; i < mt.tracks.size(); ++i)
        for (const auto& v : muspy_metrics(note_music(mt, i), options.muspy))
            rows.push_back({file, lower(mt.tracks[i].name), v.metric, v.value});
    MuseganOptions o;
    o.qualified_min_steps = options.qualified_min_steps;
    o.drum_tolerance = options.drum_tolerance;
    o.chroma = ChromaMode::PitchClass;
    out.musegan_pitch_class = musegan_metrics(mt, o);
    o.chroma = ChromaMode::Band;
    out.musegan_band = musegan_metrics(mt, o);
    for (const auto& v : musegan_rows(out.musegan_pitch_class)) rows.push_back({file, v.scope, paper_metric(v.metric), v.value});
    for (const auto& v : musegan_rows(out.musegan_band)) {
        const std::string paper = paper_metric(v.metric);
        if (differs_with_chroma(paper)) rows.push_back({file, v.scope, paper + "_band", v.value});
    }
    out.structure = structure_metrics(mt, options.structure);
    for (const auto& v : structure_rows(mt, out.structure)) rows.push_back({file, v.scope, v.metric, v.value});
    for (const auto& t : mt.tracks) out.track_scopes.push_back(lower(t.name));
    out.bars.add(mt);
    return out;
}

void SetEvaluator::add(SongEvaluation&& song) {
    ++songs_;
    const auto& names = muspy_metric_names();
    for (const auto& r : song.rows) {
        if (std::find(names.begin(), names.end(), r.metric) == names.end()) continue;
        auto [it, fresh] = muspy_index_.try_emplace({r.scope, r.metric}, muspy_.size());
        if (fresh) muspy_.push_back({r.scope, r.metric});
        if (!r.value.ok() || !std::isfinite(r.value.value)) continue;
        muspy_[it->second].sum += r.value.value;
        ++muspy_[it->second].n;
    }
    if (options_.keep_rows)
        rows_.insert(rows_.end(), std::make_move_iterator(song.rows.begin()), std::make_move_iterator(song.rows.end()));
    musegan_pc_ = pool_musegan({musegan_pc_, song.musegan_pitch_class});
    musegan_band_ = pool_musegan({musegan_band_, song.musegan_band});
    if (song.structure.judged_for_dropout) ++dropout_songs_;
    for (std::size_t i = 0; i < song.structure.tracks.size() && i < song.track_scopes.size(); ++i) {
        if (i == structure_.size()) {
            StructureSlot slot;
            slot.scope = song.track_scopes[i];
            structure_.push_back(slot);
        }
        if (structure_[i].scope != song.track_scopes[i])
            throw UsageError("all songs of a set need the same tracks: " + song.track_scopes[i] + " vs " + structure_[i].scope);
        const TrackStructure& t = song.structure.tracks[i];
        if (song.structure.judged_for_dropout && t.plays_early) {
            ++structure_[i].judged;
            if (t.silent_late) ++structure_[i].dead;
        }
        structure_[i].onset_bars += t.onset_bars;
        structure_[i].repeats_window += t.repeats_window;
        structure_[i].repeats_previous += t.repeats_previous;
    }
    bars_.append(song.bars);
}

std::vector<SummaryValue> SetEvaluator::summary() const {
    std::vector<SummaryValue> out;
    for (const auto& s : muspy_) {
        // MusPy's pitch metrics skip drum tracks and its drum metrics skip the others: on a single-track
        // scope of the wrong kind they are constants (-127, 0, NaN), so the summary leaves them out.
        const bool drum_metric = s.metric == "drum_in_pattern_rate" || s.metric == "drum_pattern_consistency";
        const bool any_track = s.metric == "empty_beat_rate" || s.metric == "empty_measure_rate" || s.metric == "groove_consistency";
        if (s.scope != "song" && !any_track && drum_metric != (s.scope == "drums")) continue;
        out.push_back({s.scope, s.metric, s.n ? s.sum / static_cast<double>(s.n) : kNaN, s.n, "mean over songs"});
    }
    for (int band = 0; band < 2; ++band) {
        const MuseganResult pooled = pool_musegan({band ? musegan_band_ : musegan_pc_});  // means; NaN with no bar
        for (int m = 0; m < kMuseganMetrics; ++m) {
            const std::string paper = musegan_paper_name(m);
            if (band && !differs_with_chroma(paper)) continue;
            for (int v = 0; v < kMuseganTracks; ++v)
                if (musegan_metric_enabled(m, v))
                    out.push_back({musegan_track_name(v), band ? paper + "_band" : paper, pooled.track[m][v],
                                   pooled.track_count[m][v], "mean over bars"});
        }
        for (int p = 0; p < kMuseganPairs; ++p)
            out.push_back({musegan_pair_name(p), band ? "TD_band" : "TD", pooled.pair[p], pooled.pair_count[p], "mean over bars"});
    }
    auto share = [](std::size_t part, std::size_t whole) {
        return whole ? static_cast<double>(part) / static_cast<double>(whole) : kNaN;
    };
    for (const auto& t : structure_) {
        out.push_back({t.scope, kDropoutMetric, share(t.dead, t.judged), t.judged, "mean over songs"});
        out.push_back({t.scope, kRepeatWindowMetric, share(t.repeats_window, t.onset_bars), t.onset_bars, "mean over bars"});
        out.push_back({t.scope, kRepeatPreviousMetric, share(t.repeats_previous, t.onset_bars), t.onset_bars, "mean over bars"});
    }
    // Songs that reach into bar 64, the only ones judged for dropout.
    out.push_back({"set", "dropout_songs", static_cast<double>(dropout_songs_), dropout_songs_, "set"});
    const Diversity d = diversity(bars_, options_.diversity);
    out.push_back({"set", "bars", static_cast<double>(bars_.seen()), bars_.seen(), "set"});  // non-empty bars
    out.push_back({"set", "mean_pairwise_distance", d.mean_pairwise_distance, d.pairs, "set"});
    out.push_back({"set", "distinct_bar_share", d.distinct_bar_share, d.bars, "set"});
    return out;
}

Comparison compare_sets(const SetEvaluator& generated, const SetEvaluator& reference, const EvalOptions& options) {
    Comparison c;
    c.generated_songs = generated.songs();
    c.reference_songs = reference.songs();
    const auto g = generated.summary();
    const auto r = reference.summary();
    std::map<std::pair<std::string, std::string>, const SummaryValue*> ref_index;
    for (const auto& v : r) ref_index[{v.scope, v.metric}] = &v;
    for (const auto& v : g) {
        ComparisonRow row{v.scope, v.metric, v.pooling, v.value, kNaN, kNaN, v.n, 0};
        if (auto it = ref_index.find({v.scope, v.metric}); it != ref_index.end()) {
            row.reference = it->second->value;
            row.n_reference = it->second->n;
        }
        row.difference = row.generated - row.reference;
        c.rows.push_back(row);
    }
    const Novelty n = novelty(generated.bars(), reference.bars(), options.novelty);
    ComparisonRow nearest{"set", "nearest_reference_distance", "novelty", n.mean_nearest_distance, kNaN, kNaN,
                          n.generated_bars, n.reference_bars};
    ComparisonRow copied{"set", "copied_bar_share", "novelty", n.copied_share, kNaN, kNaN, n.generated_bars, n.reference_bars};
    c.rows.push_back(nearest);
    c.rows.push_back(copied);
    return c;
}

std::string per_file_csv(const std::vector<FileRow>& rows, bool header) {
    std::string out = header ? "file,scope,metric,value\n" : "";
    for (const auto& r : rows) out += csv_field(r.file) + "," + csv_field(r.scope) + "," + r.metric + "," + format_metric_value(r.value) + "\n";
    return out;
}

std::string comparison_markdown(const Comparison& c) {
    std::ostringstream md;
    md << "# Evaluation\n\n"
       << "Generated: " << c.generated_songs << " songs; reference: " << c.reference_songs << " songs. "
       << "MusPy metrics are means over songs, MuseGAN metrics (EB, UP, QN, PP, IS, DP, UPC, TD; `_band` = the "
          "original code's band chroma) means over bars; dropout = share of (song, track) pairs of songs of 64+ bars "
          "where a track with an onset in bars 1-8 is silent in bars 33-64 (n = pairs; dropout_songs = songs judged); "
          "bar_repeat_4 / bar_repeat_1 = share of bars with an onset whose 8th-note onsets equal one of the previous "
          "4 bars / the previous bar (n = bars); difference = generated - reference.\n\n"
       << "| scope | metric | generated | reference | difference | pooled |\n"
       << "|---|---|---|---|---|---|\n";
    for (const auto& r : c.rows)
        md << "| " << r.scope << " | " << r.metric << " | " << md_number(r.generated) << " | " << md_number(r.reference)
           << " | " << md_number(r.difference) << " | " << r.pooling << " |\n";
    return md.str();
}

std::string comparison_json(const Comparison& c) {
    std::ostringstream js;
    js << "{\n  \"generated_songs\": " << c.generated_songs << ",\n  \"reference_songs\": " << c.reference_songs
       << ",\n  \"metrics\": [\n";
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
        const auto& r = c.rows[i];
        js << "    {\"scope\": " << json_string(r.scope) << ", \"metric\": " << json_string(r.metric)
           << ", \"generated\": " << json_number(r.generated) << ", \"reference\": " << json_number(r.reference)
           << ", \"difference\": " << json_number(r.difference) << ", \"n_generated\": " << r.n_generated
           << ", \"n_reference\": " << r.n_reference << ", \"pooling\": " << json_string(r.pooling) << "}"
           << (i + 1 < c.rows.size() ? ",\n" : "\n");
    }
    js << "  ]\n}\n";
    return js.str();
}

}  // namespace quintet::eval
