// Malformed npz input: every case is a FormatError naming the file (and member), never a crash or hang.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "io/npz/npy.hpp"
#include "io/npz/npz.hpp"
#include "support/shared_data.hpp"
#include "util/error.hpp"
#include "util/atomic_file.hpp"
#include "zip_builder.hpp"

namespace quintet {
namespace {

using Members = std::vector<std::pair<std::string, std::string>>;

template <typename T>
std::string bytes_of(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

const std::string kInfo = R"({"beat_resolution": 24, "name": "x", "0": {"program": 33, "is_drum": false, "name": "Bass"}})";

// One 4-step track: pitch 40 on at steps 1 and 3 (velocities 70, 80).
Members good_members() {
    std::vector<std::int32_t> indptr(129, 0);
    for (int p = 41; p <= 128; ++p) indptr[p] = 2;
    return {
        {"tempo.npy", npy::write("<f8", {4}, bytes_of(std::vector<double>{100, 100, 100, 100}))},
        {"pianoroll_0_csc_data.npy", npy::write("|u1", {2}, bytes_of(std::vector<std::uint8_t>{70, 80}))},
        {"pianoroll_0_csc_indices.npy", npy::write("<i4", {2}, bytes_of(std::vector<std::int32_t>{1, 3}))},
        {"pianoroll_0_csc_indptr.npy", npy::write("<i4", {129}, bytes_of(indptr))},
        {"pianoroll_0_csc_shape.npy", npy::write("<i8", {2}, bytes_of(std::vector<std::int64_t>{4, 128}))},
        {"info.json", kInfo},
    };
}

Members replace(Members m, const std::string& name, const std::string& bytes) {
    for (auto& [n, b] : m)
        if (n == name) b = bytes;
    return m;
}

Members without(Members m, const std::string& name) {
    std::erase_if(m, [&](const auto& p) { return p.first == name; });
    return m;
}

// Expects a FormatError whose message names the file and contains `needle`.
void expect_format_error(const std::string& bytes, const std::string& needle) {
    try {
        parse_npz(bytes, "bad.npz");
        ADD_FAILURE() << "no error; expected one mentioning " << needle;
    } catch (const FormatError& e) {
        std::string msg = e.what();
        EXPECT_EQ(msg.rfind("bad.npz: ", 0), 0u) << msg;
        EXPECT_NE(msg.find(needle), std::string::npos) << msg;
    }
}

TEST(NpzMalformed, TheGoodArchiveParses) {
    Multitrack mt = parse_npz(test::build_zip(good_members()), "good.npz");
    ASSERT_EQ(mt.tracks.size(), 1u);
    EXPECT_EQ(mt.tracks[0].program, 33);
    EXPECT_EQ(mt.tracks[0].steps(), 4u);
    EXPECT_EQ(mt.tracks[0].at(1, 40), 70);
    EXPECT_EQ(mt.tracks[0].at(3, 40), 80);
    EXPECT_EQ(mt.tracks[0].nnz(), 2u);
    // Also when the members are stored uncompressed.
    EXPECT_EQ(parse_npz(test::build_zip(good_members(), false), "good.npz").tracks[0].nnz(), 2u);
}

TEST(NpzMalformed, OldNumpyHeadersPaddedTo16AndVersion2HeadersParse) {
    // numpy < 1.17 aligned the data to 16 bytes; NEP 1 version 2.0 has a 4-byte HEADER_LEN.
    std::string dict = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
    std::string h16 = dict;
    while ((10 + h16.size() + 1) % 16 != 0) h16 += ' ';
    h16 += '\n';
    std::string v1 = std::string("\x93NUMPY\x01\x00", 8) + char(h16.size()) + '\0' + h16 +
                     bytes_of(std::vector<std::int64_t>{4, 128});
    Members m = replace(good_members(), "pianoroll_0_csc_shape.npy", v1);
    EXPECT_EQ(parse_npz(test::build_zip(m), "old.npz").tracks[0].steps(), 4u);
    std::string h2 = dict + "\n";
    std::string v2 = std::string("\x93NUMPY\x02\x00", 8) + char(h2.size()) + std::string(3, '\0') + h2 +
                     bytes_of(std::vector<std::int64_t>{4, 128});
    m = replace(good_members(), "pianoroll_0_csc_shape.npy", v2);
    EXPECT_EQ(parse_npz(test::build_zip(m), "v2.npz").tracks[0].steps(), 4u);
}

TEST(NpzMalformed, TempoAndDownbeatOfShapeTx1AndABeatArrayAreAccepted) {
    Members m = replace(good_members(), "tempo.npy", npy::write("<f8", {4, 1}, bytes_of(std::vector<double>{90, 91, 92, 93})));
    m.insert(m.begin(), {"downbeat.npy", npy::write("|b1", {4, 1}, std::string("\x01\x00\x00\x01", 4))});
    m.insert(m.begin(), {"beat.npy", npy::write("|b1", {4, 1}, std::string("\x01\x01\x01\x01", 4))});
    Multitrack mt = parse_npz(test::build_zip(m), "v1.npz");
    EXPECT_EQ(mt.tempo, (std::vector<double>{90, 91, 92, 93}));
    EXPECT_EQ(mt.downbeat, (std::vector<std::uint8_t>{1, 0, 0, 1}));
}

TEST(NpzMalformed, BadCscArraysAreRefused) {
    std::vector<std::int32_t> indptr(129, 0);
    for (int p = 41; p <= 128; ++p) indptr[p] = 2;
    auto with_indptr = [&](std::vector<std::int32_t> ip) {
        return test::build_zip(replace(good_members(), "pianoroll_0_csc_indptr.npy", npy::write("<i4", {129}, bytes_of(ip))));
    };
    auto decreasing = indptr;
    decreasing[100] = 1;
    expect_format_error(with_indptr(decreasing), "pianoroll_0_csc_indptr.npy: not non-decreasing");
    auto too_far = indptr;
    for (int p = 41; p <= 128; ++p) too_far[p] = 3;
    expect_format_error(with_indptr(too_far), "pianoroll_0_csc_indptr.npy: last entry exceeds");
    auto nonzero_start = indptr;
    nonzero_start[0] = 1;
    expect_format_error(with_indptr(nonzero_start), "first entry is not 0");
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_indptr.npy",
                                                npy::write("<i4", {128}, bytes_of(std::vector<std::int32_t>(128, 0))))),
                        "expected 129 entries");
    // A time step beyond the shape.
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_indices.npy",
                                                npy::write("<i4", {2}, bytes_of(std::vector<std::int32_t>{1, 4})))),
                        "pianoroll_0_csc_indices.npy: time step 4 outside 0..3");
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_indices.npy",
                                                npy::write("<i4", {2}, bytes_of(std::vector<std::int32_t>{-1, 2})))),
                        "time step -1");
    // Data and indices of different lengths.
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_data.npy",
                                                npy::write("|u1", {3}, std::string("\x01\x02\x03", 3)))),
                        "lengths differ");
    // Shapes: wrong pitch count, negative-looking (huge) step count, wrong arity.
    auto shape = [](std::vector<std::int64_t> s) {
        return test::build_zip(replace(good_members(), "pianoroll_0_csc_shape.npy",
                                       npy::write("<i8", {static_cast<std::int64_t>(s.size())}, bytes_of(s))));
    };
    expect_format_error(shape({4, 129}), "expected 128 pitch columns");
    expect_format_error(shape({-4, 128}), "invalid number of time steps");
    expect_format_error(shape({std::int64_t(1) << 40, 128}), "invalid number of time steps");
    expect_format_error(shape({4, 128, 1}), "expected 2 values");
}

TEST(NpzMalformed, BadMembersAreRefused) {
    expect_format_error(test::build_zip(without(good_members(), "info.json")), "info.json is missing");
    expect_format_error(test::build_zip(replace(good_members(), "info.json", "{\"0\": {")), "info.json: not a JSON object");
    expect_format_error(test::build_zip(replace(good_members(), "info.json", "[1, 2]")), "info.json: not a JSON object");
    expect_format_error(test::build_zip(replace(good_members(), "info.json", R"({"resolution": -3, "0": {}})")), "resolution");
    expect_format_error(test::build_zip(replace(good_members(), "info.json", R"({"0": {"program": 300}})")), "program 300");
    expect_format_error(test::build_zip(without(good_members(), "pianoroll_0_csc_indices.npy")),
                        "member pianoroll_0_csc_indices.npy is missing");
    // A .npy member that is not npy, a truncated header, data shorter than the shape, an unknown dtype.
    std::string good_data = npy::write("|u1", {2}, std::string("\x46\x50", 2));
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_data.npy", "hello")),
                        "member pianoroll_0_csc_data.npy: not an .npy array");
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_data.npy", good_data.substr(0, 30))),
                        "truncated .npy header");
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_data.npy", good_data.substr(0, good_data.size() - 1))),
                        "member pianoroll_0_csc_data.npy: array data truncated");
    expect_format_error(test::build_zip(replace(good_members(), "pianoroll_0_csc_data.npy", npy::write("<c16", {0}, ""))),
                        "unsupported descr '<c16'");
    expect_format_error(test::build_zip(replace(good_members(), "tempo.npy", npy::write("<f8", {2, 2}, std::string(32, '\0')))),
                        "member tempo.npy: expected shape (T,) or (T, 1)");
    // A shape whose element count overflows 64 bits.
    expect_format_error(test::build_zip(replace(good_members(), "tempo.npy",
                                                npy::write("<f8", {std::int64_t(1) << 62, 1 << 30}, ""))),
                        "array data truncated");
}

TEST(NpzMalformed, ShapesClaimingGigabytesAreRefusedBeforeAllocating) {
    // Two tracks of 3M steps each (768 MB dense) declared in a file of a few hundred bytes.
    Members m = good_members();
    const std::string big = npy::write("<i8", {2}, bytes_of(std::vector<std::int64_t>{3000000, 128}));
    m = replace(m, "pianoroll_0_csc_shape.npy", big);
    for (const auto& [name, bytes] : good_members())
        if (name.rfind("pianoroll_0_", 0) == 0) m.push_back({"pianoroll_1_" + name.substr(12), name.find("shape") != std::string::npos ? big : bytes});
    m = replace(m, "info.json", R"({"resolution": 24, "0": {}, "1": {}})");
    expect_format_error(test::build_zip(m), "more than 512 MiB");
}

TEST(NpzMalformed, NotAZipAndEmptyInputAreRefused) {
    expect_format_error("", "zip");
    expect_format_error("PK\x03\x04 this is not really a zip", "zip");
    EXPECT_THROW(read_npz("/nonexistent/file.npz"), IoError);
}

TEST(NpzMalformed, EveryTruncationOfARealFileIsAFormatError) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/blupi__music000.npz");
    std::string bytes = read_file(test::shared_data_dir() / "lpd5/blupi__music000.npz");
    ASSERT_NO_THROW(parse_npz(bytes, "ok.npz"));
    int refused = 0;
    // Every length up to 200 bytes, then a stride through the rest (the zip's end record is last).
    for (std::size_t len = 0; len < bytes.size(); len += (len < 200 ? 1 : 97)) {
        try {
            parse_npz(std::string_view(bytes).substr(0, len), "cut.npz");
            ADD_FAILURE() << "truncation to " << len << " bytes parsed";
        } catch (const FormatError& e) {
            ++refused;
            EXPECT_EQ(std::string(e.what()).rfind("cut.npz: ", 0), 0u) << e.what();
        }
    }
    EXPECT_GT(refused, 200);
}

TEST(NpzMalformed, CorruptedBytesGiveAFormatErrorOrAValidRoll) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/blupi__music000.npz");
    const std::string bytes = read_file(test::shared_data_dir() / "lpd5/blupi__music000.npz");
    std::mt19937 rng(1234);
    int refused = 0;
    for (int trial = 0; trial < 300; ++trial) {
        std::string bad = bytes;
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
        try {
            Multitrack mt = parse_npz(bad, "flip.npz");
            for (const auto& t : mt.tracks) EXPECT_EQ(t.roll.size() % kPitches, 0u);
        } catch (const FormatError&) {
            ++refused;
        }
    }
    // Most single-byte corruptions land in DEFLATE streams, which the CRC check catches.
    EXPECT_GT(refused, 150);
}

}  // namespace
}  // namespace quintet
