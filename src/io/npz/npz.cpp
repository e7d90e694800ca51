#include "io/npz/npz.hpp"

#include <zip.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "io/npz/npy.hpp"
#include "io/npz/zip_reader.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

using nlohmann::json;

// Refuse rolls longer than this instead of allocating them: 4M steps at 24 per beat is ~48 hours at
// 120 bpm (LPD songs are < 100k steps), and 4M x 128 bytes = 512 MiB per track.
constexpr std::int64_t kMaxSteps = std::int64_t(1) << 22;
// ... and all dense rolls of one file together beyond this (a 300-byte file must not claim gigabytes).
constexpr std::uint64_t kMaxDenseBytes = std::uint64_t(1) << 29;
// pypianoroll's DEFAULT_VELOCITY, used when a BinaryTrack (bool data) holds notes.
constexpr std::uint8_t kBinaryVelocity = 64;

// np.load accepts keys with or without ".npy"; numpy's savez always adds it.
std::string member_name(const ZipReader& zip, const std::string& key) {
    std::string with = key + ".npy";
    if (zip.contains(with)) return with;
    if (zip.contains(key)) return key;
    return {};
}

// The array's data points into the reader's decoded member (no copy).
npy::Array load_array(ZipReader& zip, const std::string& key, const std::string& file) {
    std::string member = member_name(zip, key);
    if (member.empty()) throw FormatError(file, "member " + key + ".npy is missing");
    return npy::parse(zip.read(member), file, "member " + member);
}

// A per-step array: shape (T,) or (T, 1) (pypianoroll 1.x from_pretty_midi writes (T, 1)).
void require_per_step(const npy::Array& a, const std::string& file, const std::string& key) {
    bool ok = a.shape.size() == 1 || (a.shape.size() == 2 && a.shape[1] == 1);
    if (!ok) throw FormatError(file, "member " + key + ".npy: expected shape (T,) or (T, 1)");
    if (a.shape[0] > kMaxSteps) throw FormatError(file, "member " + key + ".npy: too many time steps");
}

// Time steps of track `index` from its shape member, which must be (T, 128) with 0 <= T <= kMaxSteps.
std::int64_t read_steps(ZipReader& zip, int index, const std::string& file) {
    const std::string prefix = "pianoroll_" + std::to_string(index) + "_csc_";
    auto shape_arr = load_array(zip, prefix + "shape", file);
    auto shape = npy::to_int64(shape_arr, file, "member " + prefix + "shape.npy");
    if (shape.size() != 2) throw FormatError(file, "member " + prefix + "shape.npy: expected 2 values");
    if (shape[1] != kPitches) throw FormatError(file, "member " + prefix + "shape.npy: expected 128 pitch columns, got " + std::to_string(shape[1]));
    if (shape[0] < 0 || shape[0] > kMaxSteps) throw FormatError(file, "member " + prefix + "shape.npy: invalid number of time steps " + std::to_string(shape[0]));
    return shape[0];
}

Track read_track(ZipReader& zip, int index, const json& info, const std::string& file) {
    Track track;
    if (info.contains("name") && info["name"].is_string()) track.name = info["name"].get<std::string>();
    if (info.contains("program")) {
        if (!info["program"].is_number_integer()) throw FormatError(file, "info.json: track " + std::to_string(index) + ": program is not an integer");
        auto p = info["program"].get<std::int64_t>();
        if (p < 0 || p > 127) throw FormatError(file, "info.json: track " + std::to_string(index) + ": program " + std::to_string(p) + " outside 0..127");
        track.program = static_cast<int>(p);
    }
    if (info.contains("is_drum")) {
        if (!info["is_drum"].is_boolean()) throw FormatError(file, "info.json: track " + std::to_string(index) + ": is_drum is not a boolean");
        track.is_drum = info["is_drum"].get<bool>();
    }

    const std::string prefix = "pianoroll_" + std::to_string(index) + "_csc_";
    const std::int64_t steps = read_steps(zip, index, file);
    auto indptr_arr = load_array(zip, prefix + "indptr", file);
    auto indices_arr = load_array(zip, prefix + "indices", file);
    auto data_arr = load_array(zip, prefix + "data", file);
    auto indptr = npy::to_int64(indptr_arr, file, "member " + prefix + "indptr.npy");
    // LPD's indices are little-endian int32: read them in place; any other integer type is converted.
    const bool int32_indices = indices_arr.kind == 'i' && indices_arr.itemsize == 4 && !indices_arr.big_endian;
    std::vector<std::int64_t> converted;
    if (!int32_indices) converted = npy::to_int64(indices_arr, file, "member " + prefix + "indices.npy");
    const auto n_stored = static_cast<std::size_t>(indices_arr.count());
    auto index_at = [&](std::size_t k) -> std::int64_t {
        if (!int32_indices) return converted[k];
        std::int32_t v;
        std::memcpy(&v, indices_arr.data.data() + 4 * k, 4);
        return v;
    };
    if (indptr_arr.shape.size() != 1 || indptr.size() != kPitches + 1)
        throw FormatError(file, "member " + prefix + "indptr.npy: expected 129 entries");
    if (indices_arr.shape.size() != 1 || data_arr.shape.size() != 1 || data_arr.count() != indices_arr.count())
        throw FormatError(file, "members " + prefix + "data/indices: lengths differ");
    if (indptr[0] != 0) throw FormatError(file, "member " + prefix + "indptr.npy: first entry is not 0");
    for (int p = 0; p < kPitches; ++p)
        if (indptr[p + 1] < indptr[p]) throw FormatError(file, "member " + prefix + "indptr.npy: not non-decreasing at column " + std::to_string(p));
    if (indptr[kPitches] > static_cast<std::int64_t>(n_stored))
        throw FormatError(file, "member " + prefix + "indptr.npy: last entry exceeds the number of stored values");

    // Values as uint8: velocities for uint8 data (used in place), kBinaryVelocity for bool, clamped otherwise.
    std::vector<std::uint8_t> values;
    const auto* value_ptr = reinterpret_cast<const std::uint8_t*>(data_arr.data.data());
    if (data_arr.kind == 'b') {
        values.resize(n_stored);
        for (std::size_t k = 0; k < values.size(); ++k) values[k] = data_arr.data[k] != 0 ? kBinaryVelocity : 0;
        value_ptr = values.data();
    } else if (data_arr.kind != 'u' || data_arr.itemsize != 1) {
        values.resize(n_stored);
        auto d = npy::to_double(data_arr, file, "member " + prefix + "data.npy");
        for (std::size_t k = 0; k < values.size(); ++k)
            values[k] = static_cast<std::uint8_t>(std::clamp(d[k], 0.0, 255.0));
        value_ptr = values.data();
    }

    track.roll.assign(static_cast<std::size_t>(steps) * kPitches, 0);
    for (int p = 0; p < kPitches; ++p) {
        for (std::int64_t k = indptr[p]; k < indptr[p + 1]; ++k) {
            const std::int64_t t = index_at(static_cast<std::size_t>(k));
            if (t < 0 || t >= steps)
                throw FormatError(file, "member " + prefix + "indices.npy: time step " + std::to_string(t) + " outside 0.." + std::to_string(steps - 1));
            // scipy's toarray() sums duplicate entries (wrapping in uint8).
            track.roll[static_cast<std::size_t>(t) * kPitches + p] += value_ptr[k];
        }
    }
    return track;
}

int read_resolution(const json& info, const std::string& file) {
    const char* key = info.contains("resolution") ? "resolution" : info.contains("beat_resolution") ? "beat_resolution" : nullptr;
    if (key == nullptr) return 24;  // pypianoroll's DEFAULT_RESOLUTION
    const json& v = info[key];
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 100000)
        throw FormatError(file, std::string("info.json: ") + key + " is not a positive integer");
    return static_cast<int>(v.get<std::int64_t>());
}

// ---- writing ----

template <typename T>
std::string raw_bytes(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

struct Member {
    std::string name;
    std::string bytes;
};

void add_track_members(const Track& track, int index, std::vector<Member>& out) {
    const std::size_t steps = track.steps();
    std::vector<std::int32_t> indptr(kPitches + 1, 0), indices;
    std::vector<std::uint8_t> data;
    for (int p = 0; p < kPitches; ++p) {
        for (std::size_t t = 0; t < steps; ++t) {
            std::uint8_t v = track.roll[t * kPitches + p];
            if (v != 0) {
                indices.push_back(static_cast<std::int32_t>(t));
                data.push_back(v);
            }
        }
        indptr[p + 1] = static_cast<std::int32_t>(indices.size());
    }
    const std::string prefix = "pianoroll_" + std::to_string(index) + "_csc_";
    const std::int64_t nnz = static_cast<std::int64_t>(data.size());
    // A 0-step track is stored as LPD does: shape (0, 128) with bool data.
    out.push_back({prefix + "data.npy", npy::write(steps == 0 ? "|b1" : "|u1", {nnz}, raw_bytes(data))});
    out.push_back({prefix + "indices.npy", npy::write("<i4", {nnz}, raw_bytes(indices))});
    out.push_back({prefix + "indptr.npy", npy::write("<i4", {kPitches + 1}, raw_bytes(indptr))});
    std::vector<std::int64_t> shape = {static_cast<std::int64_t>(steps), kPitches};
    out.push_back({prefix + "shape.npy", npy::write("<i8", {2}, raw_bytes(shape))});
}

std::string info_json(const Multitrack& mt) {
    json info = json::object();
    info["resolution"] = mt.resolution;       // pypianoroll >= 1.0
    info["beat_resolution"] = mt.resolution;  // pypianoroll 0.x
    info["name"] = mt.name;
    for (std::size_t i = 0; i < mt.tracks.size(); ++i) {
        const Track& t = mt.tracks[i];
        info[std::to_string(i)] = {{"program", t.program}, {"is_drum", t.is_drum}, {"name", t.name}};
    }
    return info.dump();
}

void write_zip(const std::vector<Member>& members, const std::filesystem::path& tmp, const std::string& file) {
    int err = 0;
    zip_t* za = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    if (za == nullptr) {
        zip_error_t e;
        zip_error_init_with_code(&e, err);
        std::string msg = zip_error_strerror(&e);
        zip_error_fini(&e);
        throw IoError(file + ": cannot create zip: " + msg);
    }
    auto fail = [&](const std::string& what) {
        std::string msg = zip_strerror(za);
        zip_discard(za);
        throw IoError(file + ": " + what + ": " + msg);
    };
    for (const Member& m : members) {
        zip_source_t* src = zip_source_buffer(za, m.bytes.data(), m.bytes.size(), 0);
        if (src == nullptr) fail("cannot add " + m.name);
        zip_int64_t idx = zip_file_add(za, m.name.c_str(), src, ZIP_FL_ENC_UTF_8);
        if (idx < 0) {
            zip_source_free(src);
            fail("cannot add " + m.name);
        }
        zip_set_file_compression(za, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 0);
        // 1980-01-01 00:00 (as numpy's savez): the same roll gives the same bytes.
        zip_file_set_dostime(za, static_cast<zip_uint64_t>(idx), 0, (1 << 5) | 1, 0);
    }
    if (zip_close(za) != 0) fail("cannot write zip");
}

}  // namespace

Multitrack parse_npz(std::string_view bytes, const std::string& name) {
    // 22 bytes is the smallest zip (an end-of-central-directory record alone); libzip accepts 0 bytes.
    if (bytes.size() < 22) throw FormatError(name, "too short (" + std::to_string(bytes.size()) + " bytes) to be an npz (zip) archive");
    ZipReader zip(bytes, name);
    if (!zip.contains("info.json")) throw FormatError(name, "member info.json is missing (not a pypianoroll npz)");
    std::string_view info_text = zip.read("info.json");
    json info = json::parse(info_text, nullptr, /*allow_exceptions=*/false);
    if (info.is_discarded() || !info.is_object()) throw FormatError(name, "member info.json: not a JSON object");

    Multitrack mt;
    if (info.contains("name") && info["name"].is_string()) mt.name = info["name"].get<std::string>();
    mt.resolution = read_resolution(info, name);
    // pypianoroll counts tracks with `while str(idx) in info_dict`. The shapes are summed first, so a
    // small file cannot make us allocate gigabytes of rolls.
    int n_tracks = 0;
    std::uint64_t dense_bytes = 0;
    for (; info.contains(std::to_string(n_tracks)); ++n_tracks) {
        dense_bytes += static_cast<std::uint64_t>(read_steps(zip, n_tracks, name)) * kPitches;
        if (dense_bytes > kMaxDenseBytes) throw FormatError(name, "the piano rolls would need more than 512 MiB (shape members)");
    }
    for (int i = 0; i < n_tracks; ++i) {
        const json& ti = info[std::to_string(i)];
        if (!ti.is_object()) throw FormatError(name, "info.json: track " + std::to_string(i) + " is not an object");
        mt.tracks.push_back(read_track(zip, i, ti, name));
    }

    if (!member_name(zip, "tempo").empty()) {
        auto a = load_array(zip, "tempo", name);
        require_per_step(a, name, "tempo");
        mt.tempo = npy::to_double(a, name, "member tempo.npy");
    }
    if (!member_name(zip, "downbeat").empty()) {
        auto a = load_array(zip, "downbeat", name);
        require_per_step(a, name, "downbeat");
        auto v = npy::to_int64(a, name, "member downbeat.npy");
        mt.downbeat.resize(v.size());
        for (std::size_t i = 0; i < v.size(); ++i) mt.downbeat[i] = v[i] != 0 ? 1 : 0;
    }
    return mt;
}

Multitrack read_npz(const std::filesystem::path& path) {
    std::string bytes = read_file(path);
    return parse_npz(bytes, path.string());
}

void write_npz(const Multitrack& mt, const std::filesystem::path& path) {
    std::vector<Member> members;
    // pypianoroll 0.3's load reads `tempo` unconditionally: write one (120 bpm, the documented default,
    // where the multitrack has none).
    std::vector<double> tempo = mt.tempo;
    if (tempo.empty()) tempo.assign(mt.steps(), 120.0);
    members.push_back({"tempo.npy", npy::write("<f8", {static_cast<std::int64_t>(tempo.size())}, raw_bytes(tempo))});
    if (!mt.downbeat.empty()) {
        std::vector<std::uint8_t> db(mt.downbeat.size());
        for (std::size_t i = 0; i < db.size(); ++i) db[i] = mt.downbeat[i] != 0;
        members.push_back({"downbeat.npy", npy::write("|b1", {static_cast<std::int64_t>(db.size())}, raw_bytes(db))});
    }
    for (std::size_t i = 0; i < mt.tracks.size(); ++i) add_track_members(mt.tracks[i], static_cast<int>(i), members);
    members.push_back({"info.json", info_json(mt)});
    write_atomically(path, [&](const std::filesystem::path& tmp) { write_zip(members, tmp, path.string()); });
}

}  // namespace quintet
