// CorpusStore: the memory-mapped reader of the training store (layout in corpus/store_format.hpp).
#include "corpus/store.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "corpus/store_format.hpp"
#include "roll/operations.hpp"
#include "util/error.hpp"

namespace quintet {
namespace fs = std::filesystem;
namespace sf = store_format;

struct CorpusStore::Impl {
    fs::path path;
    const std::uint8_t* base = nullptr;
    std::size_t mapped = 0;
    int resolution = 0;
    std::vector<SongInfo> songs;
    std::vector<std::uint64_t> roll_offsets;

    ~Impl() {
        if (base) munmap(const_cast<std::uint8_t*>(base), mapped);
    }
    void parse();  // validates the mapped bytes and fills songs / roll_offsets
};

namespace {

// Bounds-checked reads from the mapped bytes; every failure names the file and the byte offset.
class Cursor {
public:
    Cursor(const std::uint8_t* base, std::uint64_t begin, std::uint64_t end, const std::string& file)
        : base_(base), pos_(begin), end_(end), file_(file) {}
    std::uint32_t u32() {
        std::uint32_t v;
        std::memcpy(&v, take(4), 4);
        return v;
    }
    std::string str() {
        const std::uint32_t n = u32();
        const char* p = reinterpret_cast<const char*>(take(n));
        return std::string(p, n);
    }

private:
    const std::uint8_t* take(std::uint64_t n) {
        if (n > end_ - pos_) throw FormatError(file_, pos_, "metadata string runs past the strings section");
        const std::uint8_t* p = base_ + pos_;
        pos_ += n;
        return p;
    }
    const std::uint8_t* base_;
    std::uint64_t pos_, end_;
    const std::string& file_;
};

}  // namespace

void CorpusStore::Impl::parse() {
    Impl& s = *this;
    const std::string file = s.path.string();
    const std::uint64_t size = s.mapped;
    if (size < sizeof(sf::Header)) throw FormatError(file, size, "not a Quintet store (shorter than its header)");
    sf::Header h;
    std::memcpy(&h, s.base, sizeof h);
    if (std::memcmp(h.magic, sf::kMagic, sizeof h.magic) != 0) throw FormatError(file, 0, "not a Quintet store (bad magic)");
    if (h.version != sf::kVersion)
        throw FormatError(file, 8, "store version " + std::to_string(h.version) + " is not supported (this build reads " +
                                       std::to_string(sf::kVersion) + ")");
    if (h.file_size != size)
        throw FormatError(file, size, "store is truncated or padded: header says " + std::to_string(h.file_size) +
                                          " bytes, file has " + std::to_string(size));
    if (h.resolution == 0 || h.families != sf::kFamilies || h.index_entry_size != sizeof(sf::IndexEntry))
        throw FormatError(file, 12, "store header is inconsistent");
    if (h.index_offset < sizeof h || h.index_offset > h.strings_offset ||
        h.song_count > (h.strings_offset - h.index_offset) / sizeof(sf::IndexEntry) ||
        h.strings_offset > size || h.strings_size != size - h.strings_offset)
        throw FormatError(file, 24, "store section offsets are inconsistent");

    s.resolution = static_cast<int>(h.resolution);
    s.songs.resize(h.song_count);
    s.roll_offsets.resize(h.song_count);
    const std::uint64_t roll_limit = h.index_offset;
    for (std::uint64_t i = 0; i < h.song_count; ++i) {
        const std::uint64_t at = h.index_offset + i * sizeof(sf::IndexEntry);
        sf::IndexEntry e;
        std::memcpy(&e, s.base + at, sizeof e);
        const std::uint64_t max_steps = roll_limit / (sf::kFamilies * kPitches);
        if (e.steps > max_steps || e.roll_offset < sizeof h || e.roll_offset > roll_limit ||
            e.steps * sf::kFamilies * kPitches > roll_limit - e.roll_offset)
            throw FormatError(file, at, "song " + std::to_string(i) + ": roll block outside the roll section");
        if (e.split > static_cast<std::uint8_t>(Split::Test)) throw FormatError(file, at + 32, "song " + std::to_string(i) + ": bad split");
        if (e.strings_pos > h.strings_size) throw FormatError(file, at + 24, "song " + std::to_string(i) + ": bad metadata offset");
        Cursor c(s.base, h.strings_offset + e.strings_pos, size, file);
        SongInfo& info = s.songs[i];
        info.id = c.str();
        info.title = c.str();
        info.artist = c.str();
        info.genre = c.str();
        info.origin = c.str();
        info.licence = c.str();
        info.steps = e.steps;
        info.split = static_cast<Split>(e.split);
        info.tempo = e.tempo > 0 ? e.tempo : 120.0;
        s.roll_offsets[i] = e.roll_offset;
    }
}

CorpusStore CorpusStore::open(const fs::path& path) {
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(path.string() + ": cannot open store: " + std::strerror(errno));
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw IoError(path.string() + ": not a regular file");
    }
    impl->mapped = static_cast<std::size_t>(st.st_size);
    if (impl->mapped > 0) {
        void* p = mmap(nullptr, impl->mapped, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            const int err = errno;
            ::close(fd);
            throw IoError(path.string() + ": cannot map store: " + std::strerror(err));
        }
        impl->base = static_cast<const std::uint8_t*>(p);
    }
    ::close(fd);  // the mapping stays valid
    impl->parse();
    return CorpusStore(std::move(impl));
}

CorpusStore::CorpusStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CorpusStore::CorpusStore(CorpusStore&&) noexcept = default;
CorpusStore& CorpusStore::operator=(CorpusStore&&) noexcept = default;
CorpusStore::~CorpusStore() = default;

int CorpusStore::resolution() const { return impl_->resolution; }
std::size_t CorpusStore::size() const { return impl_->songs.size(); }
const fs::path& CorpusStore::path() const { return impl_->path; }

const SongInfo& CorpusStore::song(std::size_t i) const {
    if (i >= impl_->songs.size())
        throw UsageError("song index " + std::to_string(i) + " out of range (store has " + std::to_string(size()) + ")");
    return impl_->songs[i];
}

const std::uint8_t* CorpusStore::roll(std::size_t i, int family) const {
    const SongInfo& info = song(i);
    if (family < 0 || family >= kFamilies) throw UsageError("family " + std::to_string(family) + " out of range 0..4");
    return impl_->base + impl_->roll_offsets[i] + static_cast<std::uint64_t>(family) * info.steps * kPitches;
}

Multitrack CorpusStore::load(std::size_t i) const {
    const SongInfo& info = song(i);
    Multitrack mt = empty_lpd5(0, impl_->resolution);  // rolls filled from the store below
    mt.name = info.title.empty() ? info.id : info.title;
    mt.tempo.assign(info.steps, info.tempo);
    for (int f = 0; f < kFamilies; ++f) {
        const std::uint8_t* r = roll(i, f);
        mt.tracks[f].roll.assign(r, r + info.steps * kPitches);
    }
    return mt;
}

std::vector<std::size_t> CorpusStore::songs_in(Split s) const {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < impl_->songs.size(); ++i)
        if (impl_->songs[i].split == s) out.push_back(i);
    return out;
}

}  // namespace quintet
