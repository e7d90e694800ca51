// Our zip reader (io/npz/zip_reader) against libzip as the oracle, both inflaters (libdeflate, zlib)
// against each other, and forged archives: zip64 records, bad sizes/CRCs, corrupt DEFLATE streams.
#include <gtest/gtest.h>
#include <zip.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "io/npz/zip_reader.hpp"
#include "raw_zip.hpp"
#include "support/shared_data.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

namespace fs = std::filesystem;
using zipio::Inflater;
using Members = std::vector<std::pair<std::string, std::string>>;

// Every member of the archive, decoded by libzip (CRC checked at end of stream).
Members libzip_members(const std::string& bytes) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    zip_t* za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err) : nullptr;
    zip_error_fini(&err);
    if (za == nullptr) {
        if (src) zip_source_free(src);
        ADD_FAILURE() << "libzip cannot open the archive";
        return {};
    }
    Members out;
    for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
        zip_stat_t st;
        zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st);
        zip_file_t* f = zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0);
        std::string content(static_cast<std::size_t>(st.size), '\0');
        zip_int64_t got = zip_fread(f, content.data(), st.size);
        char extra;
        EXPECT_EQ(zip_fread(f, &extra, 1), 0) << "libzip: end of stream / CRC of " << st.name;
        zip_fclose(f);
        EXPECT_EQ(got, static_cast<zip_int64_t>(st.size));
        out.emplace_back(st.name, content);
    }
    zip_discard(za);
    return out;
}

std::vector<Inflater> inflaters() {
    std::vector<Inflater> v = {Inflater::zlib};
    if (zipio::have_libdeflate()) v.push_back(Inflater::libdeflate);
    return v;
}

const char* name_of(Inflater i) { return i == Inflater::libdeflate ? "libdeflate" : "zlib"; }

// Expects every inflater to throw a FormatError naming bad.zip and containing `needle`.
void expect_zip_error(const std::string& bytes, const std::string& member, const std::string& needle) {
    for (Inflater inf : inflaters()) {
        try {
            ZipReader zip(bytes, "bad.zip", inf);
            (void)zip.read(member);
            ADD_FAILURE() << name_of(inf) << ": no error; expected one mentioning " << needle;
        } catch (const FormatError& e) {
            std::string msg = e.what();
            EXPECT_EQ(msg.rfind("bad.zip: ", 0), 0u) << msg;
            EXPECT_NE(msg.find(needle), std::string::npos) << name_of(inf) << ": " << msg;
        }
    }
}

TEST(ZipReader, EveryLpdMemberEqualsLibzipWithBothInflaters) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    QUINTET_REQUIRE_SHARED_DATA("lpd5-v1");
    if (!zipio::have_libdeflate()) std::cout << "note: built without libdeflate; only zlib is compared with libzip\n";
    std::size_t files = 0, members = 0;
    for (const char* dir : {"lpd5", "lpd5-v1"}) {
        const fs::path root = test::shared_data_dir() / dir;
        for (const auto& e : fs::directory_iterator(root)) {
            if (e.path().extension() != ".npz") continue;
            const std::string bytes = read_file(e.path());
            const Members expected = libzip_members(bytes);
            for (Inflater inf : inflaters()) {
                ZipReader zip(bytes, e.path().string(), inf);
                std::vector<std::string> names;
                for (const auto& [name, content] : expected) names.push_back(name);
                ASSERT_EQ(zip.names(), names) << e.path();
                for (const auto& [name, content] : expected)
                    ASSERT_TRUE(zip.read(name) == content) << e.path() << " " << name << " (" << name_of(inf) << ")";
            }
            ++files;
            members += expected.size();
        }
    }
    EXPECT_GE(files, 191u);
    std::cout << files << " files, " << members << " members identical to libzip\n";
}

TEST(ZipReader, StoredMembersAreReadInPlaceAndDeflatedOnesDecoded) {
    const std::string plain = "numpy npy payload, repeated: " + std::string(5000, 'x');
    const std::string bytes = test::build_raw_zip({test::raw_member("a.npy", plain, 0), test::raw_member("b.npy", plain, 8)});
    for (Inflater inf : inflaters()) {
        ZipReader zip(bytes, "ok.zip", inf);
        std::string_view a = zip.read("a.npy");
        EXPECT_EQ(a, plain);
        EXPECT_TRUE(a.data() >= bytes.data() && a.data() + a.size() <= bytes.data() + bytes.size()) << "stored member was copied";
        EXPECT_EQ(zip.read("b.npy"), plain);
        EXPECT_EQ(zip.read("b.npy").data(), zip.read("b.npy").data()) << "decoded twice";
        EXPECT_FALSE(zip.contains("c.npy"));
    }
    EXPECT_EQ(libzip_members(bytes), (Members{{"a.npy", plain}, {"b.npy", plain}}));
}

TEST(ZipReader, Zip64RecordsExtraFieldsAndCommentsAsLibzip) {
    auto m1 = test::raw_member("tempo.npy", std::string(3000, '\x42'));
    m1.zip64_central = true;
    // numpy's savez writes a 20-byte zip64 extra field in the local header: it must be skipped.
    m1.local_extra = std::string("\x01\x00\x10\x00", 4) + std::string(16, '\0');
    auto m2 = test::raw_member("info.json", "{\"0\": {}}", 0);
    m2.zip64_central = true;
    for (bool zip64_end : {false, true}) {
        const std::string bytes = test::build_raw_zip({m1, m2}, zip64_end, "a trailing comment");
        const Members expected = libzip_members(bytes);
        ASSERT_EQ(expected.size(), 2u);
        for (Inflater inf : inflaters()) {
            ZipReader zip(bytes, "z64.zip", inf);
            EXPECT_EQ(zip.read("tempo.npy"), expected[0].second);
            EXPECT_EQ(zip.read("info.json"), expected[1].second);
        }
    }
}

TEST(ZipReader, CorruptDeflateStreamsAreFormatErrors) {
    // BFINAL=1, BTYPE=11: a reserved block type (RFC 1951 3.2.3).
    auto reserved = test::raw_member("x.npy", "abc");
    reserved.payload = "\x07\x00\x00";
    expect_zip_error(test::build_raw_zip({reserved}), "x.npy", "corrupt deflate data");
    // A stream cut short.
    auto cut = test::raw_member("x.npy", std::string(4000, 'a') + "bcdefgh" + std::string(300, 'z'));
    cut.payload.resize(cut.payload.size() / 2);
    expect_zip_error(test::build_raw_zip({cut}), "x.npy", "corrupt deflate data");
    // Declared sizes that disagree with the stream, and a wrong CRC.
    auto longer = test::raw_member("x.npy", "hello hello hello");
    longer.size -= 1;
    expect_zip_error(test::build_raw_zip({longer}), "x.npy", "more data than its declared size");
    auto shorter = test::raw_member("x.npy", "hello hello hello");
    shorter.size += 1;
    expect_zip_error(test::build_raw_zip({shorter}), "x.npy", "truncated data");
    auto crc = test::raw_member("x.npy", "hello hello hello");
    crc.crc ^= 1;
    expect_zip_error(test::build_raw_zip({crc}), "x.npy", "CRC mismatch");
}

TEST(ZipReader, EveryByteFlipOfARealMemberIsRejected) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    fs::path file;
    for (const auto& e : fs::directory_iterator(test::shared_data_dir() / "lpd5"))
        if (e.path().extension() == ".npz" && (file.empty() || e.path() < file)) file = e.path();
    const std::string bytes = read_file(file);
    // The indices of track 0: an entropy-coded stream where any change must be caught (CRC at worst).
    const std::string member = "pianoroll_0_csc_indices.npy";
    const std::string plain = std::string(ZipReader(bytes, "x").read(member));
    const auto m = test::raw_member(member, plain);
    for (std::size_t i = 0; i < m.payload.size(); ++i) {
        auto bad = m;
        bad.payload[i] = static_cast<char>(bad.payload[i] ^ 0x5A);
        const std::string archive = test::build_raw_zip({bad});
        for (Inflater inf : inflaters()) {
            ZipReader zip(archive, "bad.zip", inf);
            EXPECT_THROW((void)zip.read(member), FormatError) << "byte " << i << " " << name_of(inf);
        }
    }
}

TEST(ZipReader, ForgedStructuresAreFormatErrors) {
    const auto good = test::raw_member("x.npy", "payload");
    auto method = good;
    method.method = 12;  // bzip2
    expect_zip_error(test::build_raw_zip({method}), "x.npy", "unsupported compression method 12");
    auto encrypted = good;
    encrypted.flags = 1;
    expect_zip_error(test::build_raw_zip({encrypted}), "x.npy", "encrypted");
    auto renamed = good;
    renamed.local_name = "y.npy";
    expect_zip_error(test::build_raw_zip({renamed}), "x.npy", "local header names another member");
    auto stored = test::raw_member("x.npy", "payload", 0);
    stored.size = 3;
    expect_zip_error(test::build_raw_zip({stored}), "x.npy", "stored member");

    const std::string ok = test::build_raw_zip({good});
    // Central directory offset (last 6 bytes of the end record hold offset + comment length) past the end.
    std::string far = ok;
    far[far.size() - 6] = '\x7F';
    expect_zip_error(far, "x.npy", "central directory");
    // An entry count the directory cannot hold.
    std::string many = ok;
    many[many.size() - 12] = '\x50';
    expect_zip_error(many, "x.npy", "too small for");
    expect_zip_error("PK\x05\x06", "x.npy", "too short");
    expect_zip_error(std::string(100, '\0'), "x.npy", "no end of central directory");
    // Every truncation of a valid archive is an error (never a crash or a read past the end).
    for (std::size_t n = 0; n < ok.size(); ++n)
        EXPECT_THROW(ZipReader(ok.substr(0, n), "bad.zip").read("x.npy"), FormatError) << n << " bytes";
}

TEST(ZipReader, Zip64ExtraFieldMustHoldTheSaturatedValues) {
    auto m = test::raw_member("x.npy", "payload");
    m.zip64_central = true;
    std::string bytes = test::build_raw_zip({m});
    // Shrink the zip64 extra field's declared length from 24 to 16: the local header offset is missing.
    const std::size_t at = bytes.find(std::string("\x01\x00\x18\x00", 4), bytes.find("PK\x01\x02"));
    ASSERT_NE(at, std::string::npos);
    bytes[at + 2] = 16;
    expect_zip_error(bytes, "x.npy", "zip64 extra field too short");
    // Another extra field id: saturated sizes with no zip64 field at all.
    bytes[at] = 2;
    bytes[at + 2] = 24;
    expect_zip_error(bytes, "x.npy", "zip64 sizes missing");
}

}  // namespace
}  // namespace quintet
