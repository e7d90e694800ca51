// write_npz: round trips through our reader, and numpy (the oracle) loads what we write.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "io/npz/npz.hpp"
#include "support/shared_data.hpp"
#include "util/error.hpp"

namespace quintet {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir() {
    fs::path d = fs::temp_directory_path() / ("quintet_npz_test_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
}

// A small multitrack exercising every case: velocities, a 0-step track, an all-zero T-step track,
// a drum track, tempo changes and downbeats.
Multitrack sample() {
    Multitrack mt;
    mt.name = "sample song";
    mt.resolution = 4;
    const std::size_t T = 40;
    mt.tempo.assign(T, 120.0);
    for (std::size_t t = 20; t < T; ++t) mt.tempo[t] = 93.5;
    mt.downbeat.assign(T, 0);
    for (std::size_t t = 0; t < T; t += 16) mt.downbeat[t] = 1;
    Track drums{"Drums", 0, true, {}};
    drums.resize_steps(T);
    drums.at(0, 36) = 100;
    drums.at(8, 38) = 90;
    drums.at(39, 42) = 1;
    Track piano{"Piano", 0, false, {}};
    piano.resize_steps(T);
    for (std::size_t t = 2; t < 10; ++t) piano.at(t, 60) = 64;
    piano.at(5, 0) = 127;
    piano.at(5, 127) = 3;
    Track guitar{"Guitar", 24, false, {}};  // 0 steps, as LPD stores an empty family
    Track bass{"Bass", 33, false, {}};
    bass.resize_steps(T);  // T steps, all zero
    mt.tracks = {drums, piano, guitar, bass};
    return mt;
}

void expect_same(const Multitrack& a, const Multitrack& b) {
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.resolution, b.resolution);
    EXPECT_EQ(a.tempo, b.tempo);
    EXPECT_EQ(a.downbeat, b.downbeat);
    ASSERT_EQ(a.tracks.size(), b.tracks.size());
    for (std::size_t i = 0; i < a.tracks.size(); ++i) {
        EXPECT_EQ(a.tracks[i].name, b.tracks[i].name);
        EXPECT_EQ(a.tracks[i].program, b.tracks[i].program);
        EXPECT_EQ(a.tracks[i].is_drum, b.tracks[i].is_drum);
        EXPECT_EQ(a.tracks[i].steps(), b.tracks[i].steps());
        EXPECT_TRUE(a.tracks[i].roll == b.tracks[i].roll) << "track " << i;
    }
}

TEST(NpzWrite, RoundTripsEveryField) {
    fs::path file = temp_dir() / "sample.npz";
    Multitrack mt = sample();
    write_npz(mt, file);
    expect_same(read_npz(file), mt);
    // Same roll, same bytes (fixed timestamps).
    fs::path again = temp_dir() / "sample2.npz";
    write_npz(mt, again);
    std::ifstream a(file, std::ios::binary), b(again, std::ios::binary);
    std::stringstream sa, sb;
    sa << a.rdbuf();
    sb << b.rdbuf();
    EXPECT_EQ(sa.str(), sb.str());
}

TEST(NpzWrite, RoundTripsAnLpd5File) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5/freedoom__freedoom1_D_E1M1.npz");
    Multitrack mt = read_npz(test::shared_data_dir() / "lpd5/freedoom__freedoom1_D_E1M1.npz");
    fs::path file = temp_dir() / "e1m1.npz";
    write_npz(mt, file);
    expect_same(read_npz(file), mt);
}

TEST(NpzWrite, MissingTempoIsWrittenAs120) {
    Multitrack mt = sample();
    mt.tempo.clear();
    fs::path file = temp_dir() / "notempo.npz";
    write_npz(mt, file);
    Multitrack back = read_npz(file);
    EXPECT_EQ(back.tempo, std::vector<double>(40, 120.0));
}

TEST(NpzWrite, UnwritableDirectoryIsAnIoError) {
    EXPECT_THROW(write_npz(sample(), "/nonexistent-dir/x.npz"), IoError);
}

// numpy as the oracle: load our file with np.load, rebuild each CSC roll densely as pypianoroll does
// (without scipy), and print shapes, dtypes and statistics to compare with ours.
std::string python_with_numpy() {
    for (const char* py : {"/usr/bin/python3", "python3"}) {
        std::string cmd = std::string(py) + " -c 'import numpy' >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0) return py;
    }
    return {};
}

TEST(NpzWrite, NumpyLoadsWhatWeWrite) {
    std::string py = python_with_numpy();
    if (py.empty()) QUINTET_SKIP_OR_FAIL("python3 with numpy not found (Debian python3-numpy): oracle check not run");
    fs::path dir = temp_dir();
    fs::path file = dir / "oracle.npz";
    Multitrack mt = sample();
    write_npz(mt, file);
    fs::path script = dir / "oracle.py";
    std::ofstream(script) << R"PY(
import json, sys, zipfile
import numpy as np
path = sys.argv[1]
with np.load(path) as f:
    info = json.loads(zipfile.ZipFile(path).read('info.json').decode())
    print('res', info['resolution'], info['beat_resolution'])
    print('tempo', f['tempo'].dtype.str, f['tempo'].shape[0], '%.3f' % f['tempo'].sum())
    print('downbeat', f['downbeat'].dtype.str, f['downbeat'].shape[0], int(f['downbeat'].sum()))
    i = 0
    while str(i) in info:
        p = 'pianoroll_%d_csc_' % i
        data, indices, indptr, shape = f[p + 'data'], f[p + 'indices'], f[p + 'indptr'], f[p + 'shape']
        roll = np.zeros(tuple(shape), data.dtype)
        for col in range(shape[1]):
            roll[indices[indptr[col]:indptr[col + 1]], col] = data[indptr[col]:indptr[col + 1]]
        t = info[str(i)]
        print('track', i, t['name'], t['program'], t['is_drum'], roll.shape[0], roll.shape[1],
              data.dtype.str, int(np.count_nonzero(roll)), int(roll.astype(np.int64).sum()))
        i += 1
)PY";
    fs::path out = dir / "oracle.txt";
    std::string cmd = py + " " + script.string() + " " + file.string() + " > " + out.string() + " 2>&1";
    int rc = std::system(cmd.c_str());
    std::ifstream in(out);
    std::stringstream got;
    got << in.rdbuf();
    ASSERT_EQ(rc, 0) << got.str();

    std::ostringstream want;
    want << "res 4 4\n";
    double tempo_sum = 0;
    for (double t : mt.tempo) tempo_sum += t;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", tempo_sum);
    want << "tempo <f8 40 " << buf << "\n";
    want << "downbeat |b1 40 3\n";
    for (std::size_t i = 0; i < mt.tracks.size(); ++i) {
        const Track& t = mt.tracks[i];
        long sum = 0;
        for (auto v : t.roll) sum += v;
        want << "track " << i << " " << t.name << " " << t.program << " " << (t.is_drum ? "True" : "False") << " "
             << t.steps() << " 128 " << (t.steps() == 0 ? "|b1" : "|u1") << " " << t.nnz() << " " << sum << "\n";
    }
    EXPECT_EQ(got.str(), want.str());
}

}  // namespace
}  // namespace quintet
