#pragma once
// The songs' WAVs, rendered after their songs are done and sent while they are rendered. A song's job ends
// with its MIDI, npz, notes and PNG (a 64-block song in 0.2 s, where its whole WAV took 6-7 s more); its
// render starts then, on threads of its own, and `GET /api/songs/ID/song.wav` sends the bytes as they are
// written: the header (its sizes known from the song's length) at once, the samples as FluidSynth makes
// them, so the page plays within a second. A whole render becomes the history's song.wav (written under
// ".tmp-wav-ID" beside the entries and renamed: a stopped server leaves no half file, and a leftover is
// removed at the next start like any ".tmp-" entry). A song without song.wav (the server was stopped while
// rendering it) is rendered again when asked for.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "studio/song_history.hpp"

namespace quintet::studio {

// One song's render under way: readers wait for the bytes they ask for.
class WavRender {
public:
    WavRender(std::filesystem::path part, std::filesystem::path final_path, std::uint64_t size);
    std::uint64_t size() const { return size_; }
    // Up to `max` bytes from `offset` into `out`, waiting up to `wait` for them to be written. True with
    // `out` empty: not there yet, ask again. False: the render failed or was stopped (error() says why).
    bool read(std::uint64_t offset, std::size_t max, std::string& out, std::chrono::milliseconds wait);
    std::string error() const;

private:
    friend class AudioRenders;
    void wrote(std::uint64_t bytes);
    void finished();                    // renames the part to the final path
    void failed(const std::string& why);  // removes the part

    const std::filesystem::path part_, final_;
    const std::uint64_t size_;
    mutable std::mutex mutex_;
    std::condition_variable change_;
    std::uint64_t written_ = 0;
    bool done_ = false;
    std::string error_;
};

class AudioRenders {
public:
    AudioRenders(SongHistory& history, int threads);
    ~AudioRenders();  // shutdown()
    AudioRenders(const AudioRenders&) = delete;
    AudioRenders& operator=(const AudioRenders&) = delete;

    // Queues the render of song `id` (a history entry with notes.json) unless it has its song.wav or is
    // queued or under way already. IoError when there is no SoundFont.
    void start(const std::string& id);
    // The render to read song `id`'s WAV from, moved to the front of the queue; nullptr when the song has
    // its whole song.wav (send the file).
    std::shared_ptr<WavRender> find_or_start(const std::string& id);
    // Stops the renders: the ones under way end without a file, the queued ones are dropped.
    void shutdown();

private:
    std::shared_ptr<WavRender> enqueue(const std::string& id, bool urgent);  // under mutex_
    void worker();
    void render(const std::string& id, WavRender& r);

    SongHistory& history_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::string> queue_;
    std::map<std::string, std::shared_ptr<WavRender>> renders_;  // queued and under way
    std::vector<std::thread> threads_;
    bool stopping_ = false;
};

}  // namespace quintet::studio
