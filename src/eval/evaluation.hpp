#pragma once
// Evaluating a set of songs: every per-song metric (MusPy; MuseGAN with true and band chroma), pooled
// set values, diversity, and the comparison of a generated set with a reference set. One song is held in
// memory at a time; a set keeps only its rows, MuseGAN sums and binarised bars.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "eval/metric_value.hpp"
#include "eval/musegan_metrics.hpp"
#include "eval/muspy_metrics.hpp"
#include "eval/set_metrics.hpp"
#include "eval/structure_metrics.hpp"
#include "roll/multitrack.hpp"

namespace quintet::eval {

inline constexpr int kEvalResolution = 24;  // songs are compared at 24 steps per beat (LPD, MuseGAN)

// Rescales note by note (onset and end multiplied by new/old, rounded; every note keeps >= 1 step), so a
// coarse generated roll keeps its note lengths when brought to 24 steps per beat. Tempo/downbeat are dropped.
Multitrack rescale_notes(const Multitrack& mt, int new_resolution);
// The five LPD-5 tracks at kEvalResolution: merged (merge_lpd5) unless already LPD-5, then rescaled.
Multitrack prepare_for_eval(const Multitrack& mt);

struct EvalOptions {
    MuspyOptions muspy;
    int qualified_min_steps = 2;     // MuseGAN QN at 24 steps per beat (v1 code 2; paper text 3)
    double drum_tolerance = 0.3;     // MuseGAN DP (v1 code)
    BarGrid grid;
    DiversityOptions diversity;
    NoveltyOptions novelty;
    StructureOptions structure;  // dropout and bar repetition (8th-note onsets, bars 1-8 vs 33-64)
    bool keep_rows = true;  // SetEvaluator::rows() keeps every per-file value (off for big sets: only sums)
};

struct FileRow {  // one line of per_file.csv
    std::string file, scope, metric;
    MetricValue value;
};

struct SummaryValue {
    std::string scope, metric;
    double value = kNaN;
    std::size_t n = 0;     // songs (MusPy: those where it is defined) or bars (MuseGAN) behind the value
    std::string pooling;   // "mean over songs", "mean over bars", "set"
};

// Everything one song contributes to a set. evaluate_song is pure, so songs can be evaluated on several
// threads and added in order.
struct SongEvaluation {
    std::vector<FileRow> rows;
    MuseganResult musegan_pitch_class{}, musegan_band{};
    BarSet bars;
    StructureResult structure;
    std::vector<std::string> track_scopes;  // lower-case track names, the scopes of `structure`
};
// `mt` in any layout or resolution (prepare_for_eval is applied). `file` names it in per_file rows.
SongEvaluation evaluate_song(const std::string& file, const Multitrack& mt, const EvalOptions& options = {});

class SetEvaluator {
public:
    explicit SetEvaluator(EvalOptions options = {});
    void add(const std::string& file, const Multitrack& mt) { add(evaluate_song(file, mt, options_)); }
    void add(SongEvaluation&& song);
    const EvalOptions& options() const { return options_; }
    std::size_t songs() const { return songs_; }
    const std::vector<FileRow>& rows() const { return rows_; }  // empty unless options.keep_rows
    const BarSet& bars() const { return bars_; }
    // MusPy means over songs, MuseGAN values over all bars (as the paper's tables), dropout over the judged
    // (song, track) pairs, bar repetition over the bars with an onset, diversity of the bars.
    std::vector<SummaryValue> summary() const;

private:
    struct MeanSlot {
        std::string scope, metric;
        double sum = 0;
        std::size_t n = 0;  // songs where the value is finite
    };
    EvalOptions options_;
    std::size_t songs_ = 0;
    std::vector<FileRow> rows_;
    std::vector<MeanSlot> muspy_;  // in first-seen order
    std::map<std::pair<std::string, std::string>, std::size_t> muspy_index_;
    MuseganResult musegan_pc_{}, musegan_band_{};  // pooled over every bar added so far
    struct StructureSlot {
        std::string scope;
        std::size_t judged = 0, dead = 0;                           // (song, track) pairs judged for dropout
        std::size_t onset_bars = 0, repeats_window = 0, repeats_previous = 0;
    };
    std::vector<StructureSlot> structure_;  // per track, in file order (LPD-5 after prepare_for_eval)
    std::size_t dropout_songs_ = 0;         // songs long enough to be judged for dropout
    BarSet bars_;
};

struct ComparisonRow {
    std::string scope, metric, pooling;
    double generated = kNaN, reference = kNaN, difference = kNaN;  // difference = generated - reference
    std::size_t n_generated = 0, n_reference = 0;
};
struct Comparison {
    std::size_t generated_songs = 0, reference_songs = 0;
    std::vector<ComparisonRow> rows;  // every summary metric, then novelty (generated vs reference)
};
Comparison compare_sets(const SetEvaluator& generated, const SetEvaluator& reference, const EvalOptions& options = {});

// Report files. All written atomically.
// header file,scope,metric,value (unless header = false, for appending), then one line per row.
std::string per_file_csv(const std::vector<FileRow>& rows, bool header = true);
std::string comparison_markdown(const Comparison& c);
std::string comparison_json(const Comparison& c);

}  // namespace quintet::eval
