// Metric throughput in bars per second (bar = 96 steps at 24 per beat) on the openmsx songs of
// shared/data/lpd5 (31 LPD-5 files, 1952 bars), held in memory so only the metrics are timed.
//   cmake -S . -B build -DQUINTET_BUILD_BENCH=ON && ninja -C build bench_eval_metrics && build/bench/bench_eval_metrics
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "eval/evaluation.hpp"
#include "eval/musegan_metrics.hpp"
#include "eval/muspy_metrics.hpp"
#include "eval/pianoroll_metrics.hpp"
#include "io/npz/npz.hpp"

namespace fs = std::filesystem;
using namespace quintet;
using namespace quintet::eval;

namespace {

struct Corpus {
    std::vector<Multitrack> songs;
    double bars = 0;
};

const Corpus& corpus() {
    static const Corpus c = [] {
        Corpus out;
        const char* env = std::getenv("QUINTET_DATA");
        const fs::path dir = fs::path(env ? env : QUINTET_SHARED_DATA) / "lpd5";
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().filename().string().rfind("openmsx__", 0) == 0) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            out.songs.push_back(read_npz(f));
            out.bars += static_cast<double>(out.songs.back().steps() / 96);
        }
        return out;
    }();
    return c;
}

void report(benchmark::State& state) {
    state.counters["bars/s"] = benchmark::Counter(corpus().bars, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["songs"] = static_cast<double>(corpus().songs.size());
}

void BM_MuspyAllScopes(benchmark::State& state) {  // song + each of the 5 tracks, 14 metrics each
    for (auto _ : state)
        for (const auto& mt : corpus().songs) {
            benchmark::DoNotOptimize(muspy_metrics(note_music(mt)));
            for (std::size_t i = 0; i < mt.tracks.size(); ++i) benchmark::DoNotOptimize(muspy_metrics(note_music(mt, i)));
        }
    report(state);
}

void BM_MuseganOneChroma(benchmark::State& state) {
    MuseganOptions o;
    o.chroma = state.range(0) ? ChromaMode::Band : ChromaMode::PitchClass;
    for (auto _ : state)
        for (const auto& mt : corpus().songs) benchmark::DoNotOptimize(musegan_metrics(mt, o));
    report(state);
}

void BM_PypianorollV1(benchmark::State& state) {
    for (auto _ : state)
        for (const auto& mt : corpus().songs) benchmark::DoNotOptimize(pypianoroll_metrics(mt));
    report(state);
}

// What `quintet eval` does per song after loading: MusPy, MuseGAN in both chroma modes, bars for diversity.
void BM_SetEvaluatorAdd(benchmark::State& state) {
    for (auto _ : state) {
        SetEvaluator ev;
        for (const auto& mt : corpus().songs) ev.add(mt.name, mt);
        benchmark::DoNotOptimize(ev.rows().size());
    }
    report(state);
}

void BM_DiversityAndNovelty(benchmark::State& state) {  // 200k bar pairs + 500 x all-bars nearest neighbours
    SetEvaluator ev;
    for (const auto& mt : corpus().songs) ev.add(mt.name, mt);
    for (auto _ : state) {
        benchmark::DoNotOptimize(diversity(ev.bars()));
        benchmark::DoNotOptimize(novelty(ev.bars(), ev.bars()));
    }
    state.counters["set_bars"] = static_cast<double>(ev.bars().size());
}

}  // namespace

BENCHMARK(BM_MuspyAllScopes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MuseganOneChroma)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PypianorollV1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SetEvaluatorAdd)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DiversityAndNovelty)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
