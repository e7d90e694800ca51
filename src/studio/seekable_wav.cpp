#include "studio/seekable_wav.hpp"

#ifdef QUINTET_HAVE_AUDIO  // (the studio without audio has no WAVs to render)

#include <algorithm>

namespace quintet::studio {

SeekableWav::SeekableWav(std::shared_ptr<const Multitrack> song, AudioOptions options)
    : song_(std::move(song)), options_(std::move(options)), stream_(std::make_unique<WavStream>(*song_, options_)) {}

void SeekableWav::read(std::uint64_t offset, std::size_t max, std::string& out) {
    out.clear();
    if (offset >= size()) return;
    if (offset < piece_start_) {  // back: from the start again
        stream_ = std::make_unique<WavStream>(*song_, options_);
        piece_.clear();
        piece_start_ = 0;
    }
    while (offset >= piece_start_ + piece_.size()) {
        piece_start_ += piece_.size();
        piece_.clear();
        if (!stream_->next(piece_)) return;
    }
    const std::size_t from = static_cast<std::size_t>(offset - piece_start_);
    out.assign(piece_, from, std::min(max, piece_.size() - from));
}

}  // namespace quintet::studio

#endif  // QUINTET_HAVE_AUDIO
