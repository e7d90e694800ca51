#include "systems/note_gru/run_info.hpp"

#include <algorithm>
#include <cctype>

#include "roll/operations.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/flat_json.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {
std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

int note_gru_family(const std::string& track) {
    for (int f = 0; f < kFamilies; ++f)
        if (lower(family_name(static_cast<Family>(f))) == track) return f;
    throw UsageError("--track '" + track + "': expected drums, piano, guitar, bass or strings");
}

void write_note_gru_run_info(const fs::path& run_dir, const NoteGruRunInfo& info) {
    FlatJsonWriter w;
    w.add("model", info.model)
        .add("format", info.format)
        .add("corpus", info.corpus.string())
        .add("track", info.track)
        .add("tokens", token_scheme_name(info.tokens.scheme))
        .add("chord_tokens", chord_tokens_name(info.tokens.chords))
        .add("resolution", info.tokens.resolution)
        .add("window", info.window)
        .add("embedding", info.embedding)
        .add("hidden", info.hidden)
        .add("layers", info.layers)
        .add("readout", info.all_layers ? "all-layers" : "top")
        .add("vocabulary", static_cast<long long>(info.vocabulary));
    write_file_atomically(run_dir / "model.json", w.str());
}

NoteGruRunInfo read_note_gru_run_info(const fs::path& run_dir) {
    std::error_code ec;
    if (!fs::is_directory(run_dir, ec)) throw UsageError(run_dir.string() + ": no such run directory");
    const fs::path file = run_dir / "model.json";
    if (!fs::exists(file, ec))
        throw UsageError(run_dir.string() + ": not a run directory (no model.json; train one with `quintet train note-rnn`)");
    const auto kv = parse_flat_json(read_file(file), file.string());
    auto get = [&](const char* key) {
        auto it = kv.find(key);
        if (it == kv.end()) throw FormatError(file.string(), std::string("missing \"") + key + "\"");
        return it->second;
    };
    auto get_int = [&](const char* key, long long lo, long long hi) {
        const std::string text = get(key);
        std::size_t used = 0;
        long long v = 0;
        try {
            v = std::stoll(text, &used);
        } catch (const std::logic_error&) {
            used = 0;
        }
        if (used == 0 || used != text.size() || v < lo || v > hi)
            throw FormatError(file.string(), std::string("\"") + key + "\" must be an integer in " + std::to_string(lo) + ".." +
                                                 std::to_string(hi));
        return v;
    };
    NoteGruRunInfo info;
    info.model = get("model");
    if (info.model != kNoteGruModelKind)
        throw FormatError(file.string(), "holds a '" + info.model + "' model, not a " + kNoteGruModelKind);
    info.format = int(get_int("format", 0, 1000));
    if (info.format != kNoteGruFormat)
        throw FormatError(file.string(), "format " + std::to_string(info.format) + " is not supported (expected " +
                                             std::to_string(kNoteGruFormat) + ")");
    info.corpus = get("corpus");
    try {
        info.track = get("track");
        note_gru_family(info.track);
        info.tokens.scheme = parse_token_scheme(get("tokens"));
        info.tokens.chords = parse_chord_tokens(get("chord_tokens"));
    } catch (const UsageError& e) {
        throw FormatError(file.string(), e.what());
    }
    const std::string readout = get("readout");
    if (readout != "all-layers" && readout != "top") throw FormatError(file.string(), "\"readout\" must be all-layers or top");
    info.all_layers = readout == "all-layers";
    info.tokens.resolution = int(get_int("resolution", 1, 24));
    info.window = int(get_int("window", 2, 1 << 20));
    info.embedding = int(get_int("embedding", 1, 1 << 16));
    info.hidden = int(get_int("hidden", 1, 1 << 16));
    info.layers = int(get_int("layers", 1, 64));
    info.vocabulary = get_int("vocabulary", 1, 1LL << 40);
    return info;
}

}  // namespace quintet
