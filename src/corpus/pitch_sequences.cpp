#include "corpus/pitch_sequences.hpp"

#include <cctype>

#include "corpus/store_writer.hpp"
#include "roll/operations.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

namespace {

// A strict reader of the one shape this format has: an object of arrays of arrays of arrays of integers.
class Reader {
public:
    Reader(std::string_view text, const std::string& file) : s_(text), file_(file) {}

    PitchSequenceSplits read() {
        PitchSequenceSplits out;
        bool seen[3] = {false, false, false};
        expect('{');
        if (!take('}')) {
            do {
                const std::size_t key_at = skip_space();
                const std::string key = string();
                int split = key == "train" ? 0 : key == "valid" ? 1 : key == "test" ? 2 : -1;
                if (split < 0) fail(key_at, "unknown split \"" + key + "\" (expected train, valid, test)");
                if (seen[split]) fail(key_at, "split \"" + key + "\" appears twice");
                seen[split] = true;
                expect(':');
                out.splits[std::size_t(split)] = list<PitchSequence>([&] { return list<PitchStep>([&] { return list<int>([&] { return pitch(); }); }); });
            } while (take(','));
            expect('}');
        }
        if (skip_space() != s_.size()) fail(pos_, "unexpected text after the JSON object");
        return out;
    }

private:
    [[noreturn]] void fail(std::size_t at, const std::string& what) const { throw FormatError(file_, at, what); }

    std::size_t skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
        return pos_;
    }
    bool take(char c) {
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (take(c)) return;
        if (pos_ >= s_.size()) fail(pos_, std::string("the file ends where '") + c + "' was expected (truncated?)");
        fail(pos_, std::string("expected '") + c + "', found '" + s_[pos_] + "'");
    }
    std::string string() {
        expect('"');
        const std::size_t begin = pos_;
        while (pos_ < s_.size() && s_[pos_] != '"') {
            if (s_[pos_] == '\\') fail(pos_, "escapes are not expected in a split name");
            ++pos_;
        }
        if (pos_ >= s_.size()) fail(begin, "unterminated string (truncated?)");
        return std::string(s_.substr(begin, pos_++ - begin));
    }
    template <typename T, typename F>
    std::vector<T> list(F item) {
        std::vector<T> out;
        expect('[');
        if (take(']')) return out;
        do out.push_back(item());
        while (take(','));
        expect(']');
        return out;
    }
    // An integer pitch; "60.0" is accepted (some exports write floats), "60.5" is not.
    int pitch() {
        const std::size_t at = skip_space();
        std::size_t end = at;
        while (end < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[end])) || s_[end] == '.' || s_[end] == '-' ||
                                   s_[end] == 'e' || s_[end] == 'E' || s_[end] == '+'))
            ++end;
        if (end == at) {
            if (at >= s_.size()) fail(at, "the file ends where a pitch was expected (truncated?)");
            fail(at, std::string("expected a pitch (an integer 0..127), found '") + s_[at] + "'");
        }
        const std::string number(s_.substr(at, end - at));
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(number, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != number.size() || v != double(int(v)) || v < 0 || v > 127)
            fail(at, "pitch '" + number + "' is not an integer MIDI pitch 0..127");
        pos_ = end;
        return int(v);
    }

    std::string_view s_;
    const std::string& file_;
    std::size_t pos_ = 0;
};

}  // namespace

PitchSequenceSplits parse_pitch_sequences(std::string_view text, const std::string& file) { return Reader(text, file).read(); }

std::size_t write_pitch_sequence_store(const std::filesystem::path& json_file, const std::filesystem::path& store,
                                       const PitchSequenceStoreOptions& o) {
    if (o.resolution < 1 || o.resolution > 96) throw UsageError("--resolution must be in 1..96");
    if (o.family < 0 || o.family >= kFamilies) throw UsageError("the track must be an LPD-5 family");
    const auto data = parse_pitch_sequences(read_file(json_file), json_file.string());
    if (data.splits[0].empty()) throw FormatError(json_file.string(), "no train sequences");
    return write_store(store, o.resolution, [&](StoreWriter& w) {
        for (int s = 0; s < 3; ++s) {
            const auto& sequences = data.splits[std::size_t(s)];
            for (std::size_t k = 0; k < sequences.size(); ++k) {
                const PitchSequence& seq = sequences[k];
                Multitrack mt = empty_lpd5(seq.size(), o.resolution);
                auto& roll = mt.tracks[std::size_t(o.family)].roll;
                for (std::size_t t = 0; t < seq.size(); ++t)
                    for (int p : seq[t]) roll[t * kPitches + std::size_t(p)] = o.velocity;
                SongInfo info;
                info.id = std::string(split_name(Split(s))) + "/" + std::to_string(k);
                info.title = json_file.stem().string() + " " + info.id;
                info.artist = o.artist;
                info.genre = o.genre;
                info.licence = o.licence;
                info.origin = o.origin.empty() ? json_file.filename().string() : o.origin;
                info.split = Split(s);
                w.add(info, mt);
            }
        }
    });
}

}  // namespace quintet
