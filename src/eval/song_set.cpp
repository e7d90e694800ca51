#include "eval/song_set.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "corpus/song_loader.hpp"
#include "corpus/store.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace quintet::eval {

namespace fs = std::filesystem;

bool is_store(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    char magic[8] = {};
    in.read(magic, sizeof magic);
    return in.gcount() == 8 && std::string(magic, 8) == "QNTSTORE";
}

namespace {
bool is_song_file(const fs::path& path) { return song_file_kind(path) != SongFileKind::Other; }

}  // namespace

static void add_store(const fs::path& path, const std::string& split, std::vector<SongRef>& out) {
    auto store = std::make_shared<CorpusStore>(CorpusStore::open(path));
    std::vector<std::size_t> songs;
    if (split == "all") {
        for (std::size_t i = 0; i < store->size(); ++i) songs.push_back(i);
    } else {
        const Split s = split == "train" ? Split::Train : split == "test" ? Split::Test : Split::Valid;
        songs = store->songs_in(s);
    }
    for (std::size_t i : songs)
        out.push_back({fs::path(store->song(i).id).filename().string(), [store, i] { return store->load(i); }});
}

std::vector<SongRef> collect_songs(const std::vector<std::string>& args, const std::string& split, std::size_t max_songs) {
    std::vector<SongRef> out;
    for (const auto& arg : args) {
        const fs::path path(arg);
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            std::vector<fs::path> files;
            for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
                 it.increment(ec))
                if (it->is_regular_file() && is_song_file(it->path())) files.push_back(it->path());
            if (ec) throw IoError(arg + ": cannot list the folder: " + ec.message());
            std::sort(files.begin(), files.end());
            if (files.empty()) throw UsageError(arg + ": no .npz or MIDI file in this folder");
            for (const auto& f : files) out.push_back({f.filename().string(), [f] { return load_song_file(f); }});
        } else if (fs::is_regular_file(path, ec)) {
            if (is_song_file(path))
                out.push_back({path.filename().string(), [path] { return load_song_file(path); }});
            else if (is_store(path))
                add_store(path, split, out);
            else
                throw UsageError(arg + ": not a .npz, MIDI file or corpus store");
        } else {
            throw IoError(arg + ": no such file or folder");
        }
    }
    if (out.empty()) throw UsageError("no song to evaluate in " + (args.empty() ? std::string("(nothing)") : args.front()));
    if (max_songs > 0 && out.size() > max_songs) {  // evenly spaced, so a sorted corpus is not cut to one artist
        std::vector<SongRef> kept;
        for (std::size_t k = 0; k < max_songs; ++k) kept.push_back(out[k * out.size() / max_songs]);
        out = std::move(kept);
    }
    return out;
}

// Evaluates a set on `jobs` threads (songs are loaded and measured in parallel, added in input order), with
// progress on stderr (done/total, rate, ETA on a TTY; a line per 10% otherwise). A song's error is
// rethrown when its turn comes, so the message names the first bad input in order.
void evaluate_set(const char* label, const std::vector<SongRef>& songs, SetEvaluator& ev, unsigned jobs,
              const RowSink& sink) {
    struct Slot {
        std::optional<SongEvaluation> result;
        std::exception_ptr error;
        bool done = false;
    };
    std::vector<Slot> slots(songs.size());
    std::mutex mutex;
    std::condition_variable finished;
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    const EvalOptions options = ev.options();
    auto worker = [&] {
        for (std::size_t i = next++; i < songs.size() && !stop; i = next++) {
            Slot slot;
            try {
                slot.result = evaluate_song(songs[i].name, songs[i].load(), options);
            } catch (...) {
                slot.error = std::current_exception();
            }
            std::lock_guard<std::mutex> lock(mutex);
            slots[i] = std::move(slot);
            slots[i].done = true;
            finished.notify_all();
        }
    };
    std::vector<std::thread> pool;
    struct Joiner {  // stop and join the workers on every exit path, errors included
        std::vector<std::thread>& pool;
        std::atomic<bool>& stop;
        ~Joiner() {
            stop = true;
            for (auto& t : pool) t.join();
        }
    } joiner{pool, stop};
    if (jobs == 0) jobs = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned j = 0; j < jobs; ++j) pool.emplace_back(worker);

    Progress progress(stderr);
    progress.start(label, songs.size(), "songs");
    for (std::size_t i = 0; i < songs.size(); ++i) {
        Slot slot;
        {
            std::unique_lock<std::mutex> lock(mutex);
            finished.wait(lock, [&] { return slots[i].done; });
            slot = std::move(slots[i]);
        }
        if (slot.error) std::rethrow_exception(slot.error);
        if (sink) sink(slot.result->rows);
        ev.add(std::move(*slot.result));
        progress.update(i + 1);
    }
    progress.finish();
}

// index.html with pictures and audio of the first songs of each set and the run's training curves.

}  // namespace quintet::eval
