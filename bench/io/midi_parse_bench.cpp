// MIDI parse throughput over every MIDI file of ../shared/data/midi (files read into memory first, so
// disk I/O is not measured): quintet::parse_midi next to libsmf's smf_load_from_memory.
//   build/bench/bench_midi_parse [--benchmark_repetitions=5]
// One benchmark iteration parses the whole set once; files/s and bytes/s are reported as rates
// per CPU second.
#include <benchmark/benchmark.h>
#include <smf.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "io/midi/midi.hpp"
#include "util/atomic_file.hpp"

namespace {

namespace fs = std::filesystem;

struct Corpus {
    std::vector<std::string> names, bytes;
    std::size_t total_bytes = 0;
};

fs::path data_dir() {
    if (const char* env = std::getenv("QUINTET_DATA")) return env;
    return QUINTET_SHARED_DATA;
}

// Every .mid/.midi/.kar under <data>/midi[/only], sorted; "" = all folders.
Corpus load(const std::string& only = "") {
    Corpus c;
    const fs::path root = data_dir() / "midi" / only;
    std::vector<fs::path> paths;
    if (fs::exists(root))
        for (const auto& e : fs::recursive_directory_iterator(root)) {
            std::string ext = e.path().extension().string();
            std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
            if (e.is_regular_file() && (ext == ".mid" || ext == ".midi" || ext == ".kar")) paths.push_back(e.path());
        }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
        c.names.push_back(p.string());
        c.bytes.push_back(quintet::read_file(p));
        c.total_bytes += c.bytes.back().size();
    }
    return c;
}

const Corpus& corpus() {
    static const Corpus c = [] {
        Corpus all = load();
        std::cerr << "MIDI set: " << all.bytes.size() << " files, " << all.total_bytes << " bytes under "
                  << (data_dir() / "midi").string() << "\n";
        return all;
    }();
    return c;
}

void set_rates(benchmark::State& state, const Corpus& c, std::size_t notes) {
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * c.total_bytes));
    state.counters["files/s"] = benchmark::Counter(static_cast<double>(state.iterations() * c.bytes.size()),
                                                   benchmark::Counter::kIsRate);
    state.counters["files"] = static_cast<double>(c.bytes.size());
    state.counters["notes"] = static_cast<double>(notes);
}

void BM_QuintetParseMidi(benchmark::State& state) {
    const Corpus& c = corpus();
    if (c.bytes.empty()) return state.SkipWithError("no MIDI files (set QUINTET_DATA)");
    std::size_t notes = 0;
    for (auto _ : state) {
        notes = 0;
        for (std::size_t i = 0; i < c.bytes.size(); ++i) {
            quintet::MidiFile f = quintet::parse_midi(c.bytes[i], c.names[i]);
            notes += f.notes.size();
            benchmark::DoNotOptimize(f);
        }
    }
    set_rates(state, c, notes);
}

void silent_log(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

// libsmf decodes every event into its own objects (no note pairing): the least it must do to read a file.
void BM_LibsmfLoad(benchmark::State& state) {
    g_log_set_default_handler(silent_log, nullptr);
    const Corpus& c = corpus();
    if (c.bytes.empty()) return state.SkipWithError("no MIDI files (set QUINTET_DATA)");
    std::size_t refused = 0;
    for (auto _ : state) {
        refused = 0;
        for (const std::string& b : c.bytes) {
            smf_t* smf = smf_load_from_memory(b.data(), static_cast<int>(b.size()));
            if (!smf) { ++refused; continue; }
            benchmark::DoNotOptimize(smf->number_of_tracks);
            smf_delete(smf);
        }
    }
    set_rates(state, c, 0);
    state.counters["refused"] = static_cast<double>(refused);
}

// Rates are per CPU second of this (single) thread, so other load on a shared machine distorts them less.
BENCHMARK(BM_QuintetParseMidi)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LibsmfLoad)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
