// `quintet eval GENERATED... --reference CORPUS|FILES... [-o DIR]`: every metric of a generated set next to
// a reference set, with the difference. Markdown on stdout (or JSON with --json); with -o, DIR gets
// report.md, report.json, per_file.csv (generated), per_file_reference.csv and index.html (the table,
// piano rolls and audio of a few songs, the training curves of --run). Inputs: .npz, .mid/.midi,
// folders of them (recursive), or a corpus store (one split of it).
// `quintet eval --model RUN -n N`: the generated set is N songs sampled from a trained run through the
// System interface, the reference defaults to the valid split of the run's training corpus.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "corpus/store.hpp"
#include "eval/evaluation.hpp"
#include "eval/html_report.hpp"
#include "eval/song_set.hpp"
#include "io/midi/midi_write.hpp"
#include "systems/system.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/flat_json.hpp"
#include "util/progress.hpp"
#ifdef QUINTET_HAVE_TORCH
#include "cli/model/run_options.hpp"
#include "systems/sample_set.hpp"
#endif

namespace fs = std::filesystem;
using namespace quintet;

namespace {

using eval::SongRef;

struct EvalArgs {
    std::vector<std::string> generated, reference;
    std::string out_dir, split = "valid";
    std::size_t max_songs = 0;
    int qualified_min_steps = 2;
    bool json = false;
    std::size_t media_songs = 2;  // songs pictured and rendered per set in index.html
    int media_bars = 8;
    std::string run_dir;          // a training run: its curve.png goes into the report
    unsigned jobs = 0;            // threads; 0 = one per hardware thread
    std::string model_dir;        // --model: sample the generated set from this run
    std::size_t model_songs = 20;
    std::uint64_t model_seed = 1; // song i gets seed model_seed + i
    int model_bars = 64;
    std::string model_device = "cpu";
    std::shared_ptr<Settings> model_settings;  // the run's system's sample options, when --model RUN was readable
};

// What --model sampled, for the report.
struct ModelSample {
    std::string kind;
    fs::path corpus;
    std::string likelihood_note;  // the test-split NLL line, or why there is none
    std::optional<double> nll, perplexity;
    long long nll_tokens = 0;
    std::string nll_unit;  // "token" or "step" (System::SplitLikelihood)
};

void write_html(const EvalArgs& a, const std::vector<SongRef>& generated, const std::vector<SongRef>& reference,
                const eval::Comparison& c, const fs::path& dir, const std::vector<std::string>& intro) {
    eval::HtmlReport report;
    report.comparison = c;
    report.notes = intro;
    std::vector<std::string> notes;
    eval::MediaOptions media;
    media.bars = a.media_bars;
    auto add_songs = [&](const std::vector<SongRef>& songs, const std::string& set) {
        for (std::size_t i = 0; i < std::min(a.media_songs, songs.size()); ++i)
            report.songs.push_back(eval::write_song_media(songs[i].load(), set, songs[i].name,
                                                          set + "-" + std::to_string(i + 1), dir, media, notes));
    };
    add_songs(generated, "generated");
    add_songs(reference, "reference");
    const std::string run_dir = !a.run_dir.empty() ? a.run_dir : a.model_dir;
    if (!run_dir.empty()) {
        const fs::path curve = fs::path(run_dir) / "curve.png";
        std::error_code ec;
        if (fs::is_regular_file(curve, ec)) {
            write_file_atomically(dir / "curve.png", read_file(curve));
            report.curve_image = "curve.png";
        } else {
            notes.push_back("no training curves: " + curve.string() + " does not exist");
        }
    }
    for (const auto& n : notes)  // one line per distinct reason
        if (std::find(report.notes.begin(), report.notes.end(), n) == report.notes.end()) report.notes.push_back(n);
    write_file_atomically(dir / "index.html", eval::html_report(report));
}

// --model: N songs from the run through the System its config.json names (seeds S, S+1, ...); with a
// report folder they are also written to DIR/songs/song-NNN.mid. Fills `sample` for the report.
std::vector<SongRef> sample_from_run(const EvalArgs& a, ModelSample& sample) {
#ifdef QUINTET_HAVE_TORCH
    SampleSetRequest request;
    request.run = a.model_dir;
    request.songs = a.model_songs;
    request.first.bars = a.model_bars;
    request.first.seed = a.model_seed;
    request.device = a.model_device;
    request.settings = a.model_settings.get();
    Progress progress(stderr);
    progress.start("sampling", a.model_songs, "songs");
    request.on_song = [&](std::size_t done, std::size_t) { progress.update(done); };
    SampledSet set = sample_set(request);  // the run is opened once
    progress.finish();
    sample.kind = set.kind;
    sample.corpus = set.corpus;
    if (!a.out_dir.empty()) fs::create_directories(fs::path(a.out_dir) / "songs");
    std::vector<SongRef> out;
    for (std::size_t i = 0; i < set.songs.size(); ++i) {
        auto song = std::make_shared<const Multitrack>(std::move(set.songs[i]));
        char name[32];
        std::snprintf(name, sizeof name, "song-%03zu.mid", i + 1);
        if (!a.out_dir.empty()) write_midi(*song, fs::path(a.out_dir) / "songs" / name);
        out.push_back({name, [song] { return *song; }});
    }
    // Sequence models report the test-split likelihood; the others say they have none.
    if (const auto& nll = set.test_likelihood) {
        sample.nll = nll->nll_per_token;
        sample.nll_tokens = nll->tokens;
        sample.nll_unit = nll->unit;
        char line[200];
        if (nll->unit == "token") {
            sample.perplexity = std::exp(nll->nll_per_token);
            std::snprintf(line, sizeof line, "test-split NLL %.4f nats/token, perplexity %.3f (%lld tokens)", *sample.nll,
                          *sample.perplexity, nll->tokens);
        } else {
            std::snprintf(line, sizeof line, "test-split NLL %.4f nats/%s, summed over its outputs (%lld %ss)", *sample.nll,
                          nll->unit.c_str(), nll->tokens, nll->unit.c_str());
        }
        sample.likelihood_note = line;
    } else {
        sample.likelihood_note = "test-split NLL/perplexity: not reported, a " + set.kind +
                                 " model defines no likelihood of a song (only sequence models do)";
    }
    return out;
#else
    (void)sample;
    throw UsageError("--model " + a.model_dir + ": this build has no networks (quintet-nn)");
#endif
}

std::string model_json(const EvalArgs& a, const ModelSample& s, const std::string& reference) {
    FlatJsonWriter w;
    w.add("run", fs::absolute(a.model_dir).string())
        .add("model", s.kind)
        .add("songs", static_cast<long long>(a.model_songs))
        .add("first_seed", static_cast<long long>(a.model_seed))
        .add("bars", a.model_bars)
        .add("reference", reference)
        .add("reference_split", a.split);
    if (s.nll) {
        w.add("test_nll_per_token", *s.nll).add("test_tokens", s.nll_tokens).add("test_nll_unit", s.nll_unit);
        if (s.perplexity)
            w.add("test_perplexity", *s.perplexity);
        else
            w.add_raw("test_perplexity", "null");
    } else {
        w.add_raw("test_nll_per_token", "null").add_raw("test_perplexity", "null");
    }
    w.add("likelihood_note", s.likelihood_note);
    return w.str();
}

void run(EvalArgs a) {
    if (a.split != "train" && a.split != "valid" && a.split != "test" && a.split != "all")
        throw UsageError("--split must be train, valid, test or all (got '" + a.split + "')");
    if (a.qualified_min_steps < 1) throw UsageError("--qn-min-steps must be at least 1");
    if (a.media_bars < 1) throw UsageError("--media-bars must be at least 1");
    if (!a.run_dir.empty() && a.out_dir.empty()) throw UsageError("--run needs a report folder (-o DIR)");
    const bool from_model = !a.model_dir.empty();
    if (from_model && !a.generated.empty()) throw UsageError("give generated songs or --model RUN, not both");
    if (!from_model && a.generated.empty()) throw UsageError("nothing to evaluate: give generated songs or --model RUN");
    if (!from_model && a.reference.empty()) throw UsageError("--reference is required (it is optional only with --model)");
    ModelSample sample;
    std::vector<SongRef> generated;
    std::vector<std::string> intro;  // lines at the top of the HTML report
    if (from_model) {
        generated = sample_from_run(a, sample);
        if (a.reference.empty()) {
            std::error_code ec;
            if (!fs::is_regular_file(sample.corpus, ec))
                throw IoError(sample.corpus.string() + ": the run's training corpus is gone; give --reference");
            a.reference = {sample.corpus.string()};
        }
        char line[400];
        std::snprintf(line, sizeof line, "generated: %zu songs sampled from %s (%s, seeds %llu..%llu, %d bars)",
                      a.model_songs, a.model_dir.c_str(), sample.kind.c_str(),
                      static_cast<unsigned long long>(a.model_seed),
                      static_cast<unsigned long long>(a.model_seed + a.model_songs - 1), a.model_bars);
        intro.push_back(line);
        intro.push_back("reference: " + a.reference.front() + (eval::is_store(a.reference.front()) ? " (" + a.split + " split)" : ""));
        intro.push_back(sample.likelihood_note);
        for (const auto& l : intro) std::fprintf(stderr, "%s\n", l.c_str());
    } else {
        generated = eval::collect_songs(a.generated, a.split, a.max_songs);
    }
    const auto reference = eval::collect_songs(a.reference, a.split, a.max_songs);
    eval::EvalOptions options;
    options.qualified_min_steps = a.qualified_min_steps;
    options.keep_rows = false;  // per-file rows go straight to the CSV: a corpus-sized set stays small in memory
    eval::SetEvaluator gen(options), ref(options);
    const unsigned jobs = a.jobs;  // 0: one per hardware thread
    const fs::path dir(a.out_dir);
    if (!a.out_dir.empty()) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) throw IoError(a.out_dir + ": cannot create the report folder: " + ec.message());
    }
    // Evaluates a set; with a report folder its per-file rows are streamed into `csv_name` (atomically).
    auto evaluate_into = [&](const char* label, const std::vector<SongRef>& songs, eval::SetEvaluator& ev,
                             const char* csv_name) {
        if (a.out_dir.empty()) return eval::evaluate_set(label, songs, ev, jobs, nullptr);
        write_atomically(dir / csv_name, [&](const fs::path& tmp) {
            std::ofstream csv(tmp, std::ios::binary);
            if (!csv) throw IoError(tmp.string() + ": cannot write");
            csv << eval::per_file_csv({});
            eval::evaluate_set(label, songs, ev, jobs, [&](const std::vector<eval::FileRow>& rows) { csv << eval::per_file_csv(rows, false); });
            csv.close();
            if (!csv) throw IoError(tmp.string() + ": write failed");
        });
    };
    evaluate_into("generated", generated, gen, "per_file.csv");
    evaluate_into("reference", reference, ref, "per_file_reference.csv");
    const eval::Comparison c = eval::compare_sets(gen, ref, options);
    const std::string md = eval::comparison_markdown(c), js = eval::comparison_json(c);
    std::fputs((a.json ? js : md).c_str(), stdout);
    if (!a.out_dir.empty()) {
        std::string md_file = md;
        if (from_model) {
            std::string head;
            for (const auto& l : intro) head += "- " + l + "\n";
            md_file = head + "\n" + md;
            write_file_atomically(dir / "model.json", model_json(a, sample, a.reference.front()));
        }
        write_file_atomically(dir / "report.md", md_file);
        write_file_atomically(dir / "report.json", js);
        write_html(a, generated, reference, c, dir, intro);
        std::fprintf(stderr, "report written to %s\n", a.out_dir.c_str());
    }
}

const bool registered = quintet::cli::register_command([](CLI::App& app, int argc, char** argv) {
    auto args = std::make_shared<EvalArgs>();
    auto* cmd = app.add_subcommand("eval", "objective metrics (MusPy, MuseGAN, dropout, bar repetition, diversity, "
                                           "novelty) of generated songs next to a reference set");
    cmd->add_option("generated", args->generated, "generated songs: .npz, .mid, folders, or a corpus store");
    cmd->add_option("--reference,-r", args->reference,
                    "reference set: a corpus store, .npz/.mid files or folders (default with --model: the run's corpus)");
    cmd->add_option("-o,--out", args->out_dir, "report folder (report.md, report.json, per_file.csv)");
    cmd->add_option("--split", args->split, "split of a corpus store: train, valid, test or all")
        ->capture_default_str();
    cmd->add_option("--max-songs", args->max_songs, "evaluate at most N songs of each set (evenly spaced); 0 = all");
    cmd->add_option("--qn-min-steps", args->qualified_min_steps,
                    "MuseGAN QN: shortest qualified note in steps at 24 per beat (v1 code 2, paper text 3)")
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "print JSON instead of Markdown");
    cmd->add_option("--media", args->media_songs, "songs of each set pictured and rendered in index.html")
        ->capture_default_str();
    cmd->add_option("--media-bars", args->media_bars, "bars of each pictured song (from its start)")
        ->capture_default_str();
    cmd->add_option("--jobs,-j", args->jobs, "songs evaluated in parallel (0 = one per hardware thread)");
    cmd->add_option("--run", args->run_dir, "training run folder whose curve.png goes into the report");
    cmd->add_option("--model", args->model_dir, "evaluate N songs sampled from this training run (its config.json names the system)");
    cmd->add_option("-n,--songs", args->model_songs, "--model: songs to sample")->capture_default_str();
    cmd->add_option("--seed", args->model_seed, "--model: seed of the first song (song i gets seed + i)")->capture_default_str();
    cmd->add_option("--bars", args->model_bars, "--model: length of each song in 4/4 bars")->capture_default_str();
    cmd->add_option("--device", args->model_device, "--model: cpu, cuda or cuda:N")->capture_default_str();
#ifdef QUINTET_HAVE_TORCH
    // --model RUN: the options of the run's system (`quintet eval --model RUN --help` lists them).
    // Without a readable run the error comes when the run is sampled.
    args->model_settings = quintet::cli::add_run_sample_options(*cmd, argc, argv, "--model");
#else
    (void)argc, (void)argv;
#endif
    cmd->callback([args] { run(*args); });
});

}  // namespace
