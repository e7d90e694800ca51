#include "studio/audio_renders.hpp"

#ifdef QUINTET_HAVE_AUDIO  // (the studio without audio has no WAVs to render)

#include <fstream>

#include <nlohmann/json.hpp>

#include "io/audio/render_wav.hpp"
#include "io/audio/wav_file.hpp"
#include "studio/song_maker.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet::studio {

namespace fs = std::filesystem;

namespace {
Multitrack song_of(const fs::path& entry) {
    return song_from_notes_json(nlohmann::json::parse(read_file(entry / "notes.json")));
}
}  // namespace

WavRender::WavRender(fs::path part, fs::path final_path, std::uint64_t size)
    : part_(std::move(part)), final_(std::move(final_path)), size_(size) {}

bool WavRender::read(std::uint64_t offset, std::size_t max, std::string& out, std::chrono::milliseconds wait) {
    out.clear();
    std::unique_lock lock(mutex_);
    change_.wait_for(lock, wait, [&] { return written_ > offset || done_ || !error_.empty(); });
    if (!error_.empty()) return false;
    if (offset >= size_) return true;
    if (written_ <= offset) return true;  // not yet
    // Read under the lock: the part is not renamed meanwhile.
    std::ifstream in(done_ ? final_ : part_, std::ios::binary);
    const std::uint64_t n = std::min<std::uint64_t>(max, written_ - offset);
    out.resize(static_cast<std::size_t>(n));
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(out.data(), static_cast<std::streamsize>(n));
    if (!in) {
        out.clear();
        error_ = (done_ ? final_ : part_).string() + ": cannot read the audio back";
        return false;
    }
    return true;
}

std::string WavRender::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

void WavRender::wrote(std::uint64_t bytes) {
    {
        std::lock_guard lock(mutex_);
        written_ += bytes;
    }
    change_.notify_all();
}

void WavRender::finished() {
    {
        std::lock_guard lock(mutex_);
        fs::rename(part_, final_);
        done_ = true;
    }
    change_.notify_all();
}

void WavRender::failed(const std::string& why) {
    {
        std::lock_guard lock(mutex_);
        error_ = why;
        std::error_code ec;
        fs::remove(part_, ec);
    }
    change_.notify_all();
}

AudioRenders::AudioRenders(SongHistory& history, int threads) : history_(history) {
    for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { worker(); });
}

AudioRenders::~AudioRenders() { shutdown(); }

std::shared_ptr<WavRender> AudioRenders::enqueue(const std::string& id, bool urgent) {
    const fs::path entry = history_.entry(id);
    std::unique_lock lock(mutex_);
    if (stopping_) throw IoError("the server is stopping");
    if (auto it = renders_.find(id); it != renders_.end()) {
        if (urgent) {
            // Asked for now: ahead of the songs nobody listens to yet (a no-op once it is under way).
            for (auto q = queue_.begin(); q != queue_.end(); ++q)
                if (*q == id) {
                    queue_.erase(q);
                    queue_.push_front(id);
                    break;
                }
        }
        return it->second;
    }
    std::error_code ec;
    if (fs::is_regular_file(entry / "song.wav", ec)) return nullptr;
    lock.unlock();
    // The file's size, for the header and the HTTP length: from the song's length, before any synthesis.
    AudioOptions audio;
    audio.soundfont = resolve_soundfont(audio);
    const std::uint64_t size = kWavHeaderBytes + 4 * rendered_frames(song_of(entry), audio);
    lock.lock();
    if (auto it = renders_.find(id); it != renders_.end()) return it->second;  // started meanwhile
    if (fs::is_regular_file(entry / "song.wav", ec)) return nullptr;
    auto r = std::make_shared<WavRender>(history_.dir() / (".tmp-wav-" + id), entry / "song.wav", size);
    renders_[id] = r;
    if (urgent) queue_.push_front(id);
    else queue_.push_back(id);
    wake_.notify_one();
    return r;
}

void AudioRenders::start(const std::string& id) { enqueue(id, false); }

std::shared_ptr<WavRender> AudioRenders::find_or_start(const std::string& id) { return enqueue(id, true); }

void AudioRenders::worker() {
    for (;;) {
        std::string id;
        std::shared_ptr<WavRender> r;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            id = queue_.front();
            queue_.pop_front();
            r = renders_.at(id);
        }
        try {
            render(id, *r);
        } catch (const std::exception& e) {
            r->failed(e.what());
        }
        std::lock_guard lock(mutex_);
        renders_.erase(id);
    }
}

void AudioRenders::render(const std::string& id, WavRender& r) {
    const fs::path entry = history_.entry(id);
    AudioOptions audio;
    audio.soundfont = resolve_soundfont(audio);
    WavStream stream(song_of(entry), audio);
    if (stream.size() != r.size()) throw IoError("song " + id + ": its audio changed length");
    std::ofstream out(r.part_, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(r.part_.string() + ": cannot open for writing");
    std::string bytes;
    while (stream.next(bytes)) {
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();  // readers read the file
        if (!out) throw IoError(r.part_.string() + ": write failed");
        r.wrote(bytes.size());
        bytes.clear();
        std::lock_guard lock(mutex_);
        if (stopping_) {
            out.close();
            r.failed("the server is stopping");
            return;
        }
    }
    out.close();
    if (!out) throw IoError(r.part_.string() + ": write failed");
    r.finished();
}

void AudioRenders::shutdown() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        for (const auto& id : queue_) renders_.at(id)->failed("the server is stopping");
        queue_.clear();
    }
    wake_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

}  // namespace quintet::studio

#endif  // QUINTET_HAVE_AUDIO
