#pragma once
// A WavStream that can be read from any offset, for HTTP range requests (a browser's audio element asks for
// ranges when it seeks): reading on goes on synthesizing, reading back starts the render again. Memory: one
// piece of the file (about 16 KB) at a time.
#include <cstdint>
#include <memory>
#include <string>

#include "io/audio/render_wav.hpp"

namespace quintet::studio {

class SeekableWav {
public:
    SeekableWav(std::shared_ptr<const Multitrack> song, AudioOptions options);
    std::uint64_t size() const { return stream_->size(); }
    // Up to `max` bytes from `offset` into `out` (empty at or past the end).
    void read(std::uint64_t offset, std::size_t max, std::string& out);

private:
    std::shared_ptr<const Multitrack> song_;
    AudioOptions options_;
    std::unique_ptr<WavStream> stream_;
    std::string piece_;            // bytes [piece_start_, piece_start_ + piece_.size()) of the file
    std::uint64_t piece_start_ = 0;
};

}  // namespace quintet::studio
