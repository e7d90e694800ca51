// npz read throughput over ../shared/data/lpd5 (191 LPD-5 files): read_npz from disk, and parse_npz from
// bytes already in memory. Each iteration reads every file once; items/s = files/s.
// bench/io/npz_vs_numpy.sh runs this next to numpy's np.load of the same files.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "io/npz/npz.hpp"
#include "util/atomic_file.hpp"

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> lpd5_files() {
    const char* env = std::getenv("QUINTET_DATA");
    fs::path dir = fs::path(env ? env : QUINTET_SHARED_DATA) / "lpd5";
    std::vector<fs::path> files;
    if (fs::exists(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().extension() == ".npz") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

void BM_ReadNpzFromDisk(benchmark::State& state) {
    const auto files = lpd5_files();
    if (files.empty()) {
        state.SkipWithError("no .npz files in <shared data>/lpd5");
        return;
    }
    std::size_t cells = 0;
    for (auto _ : state) {
        for (const auto& f : files) {
            quintet::Multitrack mt = quintet::read_npz(f);
            for (const auto& t : mt.tracks) cells += t.roll.size();
            benchmark::DoNotOptimize(mt);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * files.size()));
    state.counters["files"] = static_cast<double>(files.size());
    state.counters["dense_MB/s"] = benchmark::Counter(static_cast<double>(cells) / 1e6, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadNpzFromDisk)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_ParseNpzFromMemory(benchmark::State& state) {
    const auto files = lpd5_files();
    if (files.empty()) {
        state.SkipWithError("no .npz files in <shared data>/lpd5");
        return;
    }
    std::vector<std::string> bytes;
    std::size_t total = 0;
    for (const auto& f : files) {
        bytes.push_back(quintet::read_file(f));
        total += bytes.back().size();
    }
    for (auto _ : state) {
        for (std::size_t i = 0; i < bytes.size(); ++i) {
            quintet::Multitrack mt = quintet::parse_npz(bytes[i], files[i].string());
            benchmark::DoNotOptimize(mt);
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * files.size()));
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * total));
}
BENCHMARK(BM_ParseNpzFromMemory)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
