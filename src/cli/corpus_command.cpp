// `quintet corpus build|demo|stats`: thin wrappers over corpus/builder, corpus/demo and corpus/stats.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command.hpp"
#include "corpus/builder.hpp"
#include "corpus/demo.hpp"
#include "corpus/pitch_sequences.hpp"
#include "corpus/split.hpp"
#include "corpus/stats.hpp"
#include "corpus/store.hpp"
#include "represent/frames.hpp"

namespace {

struct CorpusArgs {
    std::string src, output, ids, metadata, licence, root = "/", store, split, track = "piano", artist, genre;
    std::size_t limit = 0;
    int resolution = 2;
    int sequence_resolution = 1;
    bool quiet = false, keep_duplicates = false;
};

void add_common(CLI::App* cmd, CorpusArgs& a) {
    cmd->add_option("-o,--output", a.output, "the store file to write")->required();
    cmd->add_option("--resolution", a.resolution, "time steps per beat (each system resamples to its own)")
        ->capture_default_str()
        ->check(CLI::Range(1, 96));
    cmd->add_flag("-q,--quiet", a.quiet, "no progress or warnings on stderr");
    cmd->add_flag("--keep-duplicates", a.keep_duplicates, "store songs whose rolls equal an earlier song's (skipped by default)");
}

quintet::BuildOptions options_from(const CorpusArgs& a) {
    quintet::BuildOptions o;
    o.resolution = a.resolution;
    o.ids_file = a.ids;
    o.metadata_file = a.metadata;
    o.licence = a.licence;
    o.skip_duplicates = !a.keep_duplicates;
    o.log = a.quiet ? nullptr : stderr;
    return o;
}

const bool registered = quintet::cli::register_command([](CLI::App& app, int, char**) {
    auto args = std::make_shared<CorpusArgs>();
    auto* corpus = app.add_subcommand("corpus", "build, inspect and summarise training stores");
    corpus->require_subcommand(1);

    auto* build = corpus->add_subcommand("build", "build a store from an LPD-5 tree or a folder of .npz / MIDI files");
    build->add_option("SRC", args->src, "LPD-5 tree, folder (searched recursively) or a single .mid/.npz")->required();
    add_common(build, *args);
    build->add_option("--ids", args->ids, "cleansed_ids.txt (md5 -> MSD id); default: found in SRC or its parent");
    build->add_option("--metadata", args->metadata,
                      "metadata JSON (artist/title/genre per MSD id); default: SRC/processed_metadata.json or metadata.json");
    build->add_option("--licence", args->licence, "licence recorded for every song (default: CC-BY-4.0 for LPD ids, else unknown)");
    build->callback([args] {
        const auto report = quintet::build_corpus(args->src, args->output, options_from(*args));
        std::printf("%s\n", quintet::summarize(report, args->output).c_str());
    });

    auto* demo = corpus->add_subcommand("demo", "build the demo store from the music of Debian packages (freedoom, openmsx, blupi, mma)");
    add_common(demo, *args);
    demo->add_option("--root", args->root, "file-system root to look for the packages under")->capture_default_str();
    demo->callback([args] {
        std::vector<quintet::DemoPackage> packages;
        const auto jobs = quintet::demo_jobs(args->root, &packages);
        for (const auto& p : packages)
            if (!args->quiet)
                std::fprintf(stderr, "demo: %-24s %-13s %3zu songs%s\n", p.package.c_str(), p.licence.c_str(), p.songs,
                             p.installed ? "" : " (not installed)");
        const auto report = quintet::build_store(jobs, args->output, options_from(*args));
        std::printf("%s\n", quintet::summarize(report, args->output).c_str());
    });

    auto* jsb = corpus->add_subcommand(
        "jsb", "a store from a pitch-sequence JSON file (JSB Chorales, Nottingham, ... in the Boulanger-Lewandowski form)");
    jsb->add_option("FILE", args->src, "{\"train\": [[[60, 64, 67], [], ...], ...], \"valid\": ..., \"test\": ...}")->required();
    jsb->add_option("-o,--output,--out", args->output, "the store file to write")->required();
    jsb->add_option("--resolution", args->sequence_resolution, "grid steps per beat one time step of the file stands for")
        ->capture_default_str()
        ->check(CLI::Range(1, 96));
    jsb->add_option("--track", args->track, "the track the notes go to")
        ->capture_default_str()
        ->check(CLI::IsMember({"drums", "piano", "guitar", "bass", "strings"}));
    jsb->add_option("--artist", args->artist, "artist recorded for every song");
    jsb->add_option("--genre", args->genre, "genre recorded for every song");
    jsb->add_option("--licence", args->licence, "licence recorded for every song (default: unknown)");
    jsb->callback([args] {
        quintet::PitchSequenceStoreOptions o;
        o.resolution = args->sequence_resolution;
        o.family = quintet::parse_track_list(args->track).front();
        o.artist = args->artist;
        o.genre = args->genre;
        if (!args->licence.empty()) o.licence = args->licence;
        quintet::write_pitch_sequence_store(args->src, args->output, o);
        const auto store = quintet::CorpusStore::open(args->output);
        std::printf("store        %s\n%s", args->output.c_str(), quintet::format_stats(quintet::compute_stats(store)).c_str());
    });

    auto* stats = corpus->add_subcommand("stats", "songs, hours, notes per instrument, empty tracks, split sizes");
    stats->add_option("STORE", args->store, "a store written by `quintet corpus build` or `demo`")->required();
    stats->callback([args] {
        const auto store = quintet::CorpusStore::open(args->store);
        std::printf("store        %s\n%s", args->store.c_str(), quintet::format_stats(quintet::compute_stats(store)).c_str());
    });

    auto* list = corpus->add_subcommand("list", "one tab-separated line per song: index, split, steps, id, title, artist, genre, licence, origin");
    list->add_option("STORE", args->store, "a store")->required();
    list->add_option("--split", args->split, "only songs of this split (train, valid, test)");
    list->add_option("--limit", args->limit, "at most this many lines (0: all)");
    list->callback([args] {
        const auto store = quintet::CorpusStore::open(args->store);
        const bool filter = !args->split.empty();
        const quintet::Split only = filter ? quintet::parse_split(args->split) : quintet::Split::Train;
        std::size_t printed = 0;
        for (std::size_t i = 0; i < store.size() && (args->limit == 0 || printed < args->limit); ++i) {
            const auto& s = store.song(i);
            if (filter && s.split != only) continue;
            std::printf("%zu\t%s\t%zu\t%s\t%s\t%s\t%s\t%s\t%s\n", i, quintet::split_name(s.split), s.steps, s.id.c_str(),
                        s.title.c_str(), s.artist.c_str(), s.genre.c_str(), s.licence.c_str(), s.origin.c_str());
            ++printed;
        }
    });
});

}  // namespace
