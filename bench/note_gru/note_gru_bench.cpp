// Note-GRU timings through the library, for bench/note_gru/note_gru_vs_python.sh (a plain program; one JSON
// line per command):
//   bench_note_gru windows  --corpus S --out W.bin [--tokens steps --window 64 --min-count 2]
//       the training windows of `quintet train note-rnn` as little-endian int64, for the Python reference
//   bench_note_gru train    --corpus S --run R [--epochs 1 --batch 32 --tokens steps]
//       train_note_gru into a fresh R; windows/s of the training pass of each epoch (the epoch loop's own rate)
//   bench_note_gru generate --run R [--steps 2000 --temperature 1.2]
//       tokens/s of incremental generation at batch 1 (the run loaded once; primer: one token)
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "corpus/store.hpp"
#include "nn/runtime.hpp"
#include "systems/note_gru/generator.hpp"
#include "systems/note_gru/token_corpus.hpp"
#include "systems/note_gru/trainer.hpp"
#include "util/error.hpp"

using namespace quintet;
namespace fs = std::filesystem;

namespace {

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> a;
    for (int i = 2; i + 1 < argc; i += 2) a[argv[i]] = argv[i + 1];
    return a;
}

std::string get(const std::map<std::string, std::string>& a, const std::string& key, const std::string& fallback = "") {
    auto it = a.find(key);
    if (it != a.end()) return it->second;
    if (fallback.empty()) throw UsageError("missing " + key);
    return fallback;
}

int windows_command(const std::map<std::string, std::string>& a) {
    const NoteTokenSpec spec{parse_token_scheme(get(a, "--tokens", "steps")), ChordTokens::Pitches, 2};
    const int window = std::stoi(get(a, "--window", "64"));
    const auto store = CorpusStore::open(get(a, "--corpus"));
    const TokenSongs train = split_tokens(store, Split::Train, 1, spec);
    const NoteVocabulary vocabulary = NoteVocabulary::build(train.tokens, std::stoi(get(a, "--min-count", "2")));
    std::vector<std::vector<std::int64_t>> ids;
    for (const auto& s : train.tokens) ids.push_back(vocabulary.encode(s));
    const auto windows = token_windows(ids, window);
    std::ofstream out(get(a, "--out"), std::ios::binary);
    out.write(reinterpret_cast<const char*>(windows.data()), std::streamsize(windows.size() * sizeof(std::int64_t)));
    std::printf("{\"windows\": %zu, \"window\": %d, \"vocabulary\": %lld}\n", windows.size() / std::size_t(window), window,
                static_cast<long long>(vocabulary.size()));
    return 0;
}

int train_command(const std::map<std::string, std::string>& a) {
    NoteGruTrainConfig c;
    c.corpus = get(a, "--corpus");
    c.run_dir = get(a, "--run");
    c.epochs = std::stoi(get(a, "--epochs", "1"));
    c.batch = std::stoi(get(a, "--batch", "32"));
    c.tokens = get(a, "--tokens", "steps");
    c.quiet = true;
    fs::remove_all(c.run_dir);
    double best = 0, last = 0, nll = 0;
    train_note_gru(c, [&](const EpochRecord& r) {
        best = std::max(best, r.samples_per_s);
        last = r.samples_per_s;
        nll = r.train_loss;
        return true;
    });
    const bool report_best = get(a, "--best", "no") == "yes";
    std::printf("{\"side\": \"cpp\", \"batch\": %d, \"threads\": %d, \"train_windows_per_s\": %.3f, \"train_nll\": %.5f}\n",
                c.batch, torch::get_num_threads(), report_best ? best : last, nll);
    return 0;
}

int generate_command(const std::map<std::string, std::string>& a) {
    NoteGruGenerator generator(get(a, "--run"));
    NoteGruGenerateOptions o;
    o.temperature = std::stod(get(a, "--temperature", "1.2"));
    const std::int64_t steps = std::stoll(get(a, "--steps", "2000"));
    const auto t0 = std::chrono::steady_clock::now();
    const auto ids = generator.continue_ids({1}, steps, o, 1);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"side\": \"cpp\", \"steps\": %zu, \"threads\": %d, \"generate_steps_per_s\": %.3f}\n", ids.size(),
                torch::get_num_threads(), double(ids.size()) / seconds);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc < 2) throw UsageError("usage: bench_note_gru windows|train|generate --option value ...");
        const auto args = parse_args(argc, argv);
        const std::string command = argv[1];
        if (command == "windows") return windows_command(args);
        if (command == "train") return train_command(args);
        if (command == "generate") return generate_command(args);
        throw UsageError("unknown command " + command);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "bench_note_gru: %s\n", e.what());
        return 2;
    }
}
