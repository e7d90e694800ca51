// The studio's JSON API over HTTP (cpp-httplib's client) on a tiny trained VAE-NN run: runs listed from their
// files, songs generated as jobs equal to what the System interface gives for the same settings, the same
// settings giving the same bytes, the history surviving a restart, and every bad input answered with a 4xx
// JSON error while the server goes on serving.
#include <gtest/gtest.h>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "io/midi/midi.hpp"
#include "io/midi/midi_write.hpp"
#include "io/audio/render_wav.hpp"
#include "io/npz/npz.hpp"
#include "runs/run_dir.hpp"
#include "studio/song_maker.hpp"
#include "studio/studio_server.hpp"
#include "support/resident_memory.hpp"
#include "support/tiny_store.hpp"
#include "systems/registry.hpp"
#include "systems/request_options.hpp"
#include "systems/vae_nn/trainer.hpp"
#include "util/atomic_file.hpp"

using namespace quintet;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A 1 + 1-epoch VAE-NN run on the tiny store, trained once for every test process of this executable (ctest
// runs each test as its own process: a lock file, and the run renamed into place when complete).
fs::path shared_tiny_run() {
    const fs::path dir = fs::path(QUINTET_BINARY_DIR) / "test-tmp" / "studio-shared";
    fs::create_directories(dir);
    const int lock = ::open((dir / "lock").c_str(), O_CREAT | O_RDWR, 0644);
    ::flock(lock, LOCK_EX);
    const fs::path run = dir / "tiny";
    if (!fs::exists(run / "model.pt")) {
        fs::remove_all(dir / "tiny.partial");
        train_vae_nn(test::tiny_train_config(dir / "tiny.partial", 1));
        fs::remove_all(run);
        fs::rename(dir / "tiny.partial", run);
    }
    ::flock(lock, LOCK_UN);
    ::close(lock);
    return run;
}

// This test's runs folder: the shared run as runs/tiny, hard-linked (the studio only reads runs).
const fs::path& runs_dir() {
    static const fs::path runs = [] {
        const fs::path r = test::fresh_test_path("studio", "runs");
        fs::create_directories(r);
        fs::copy(shared_tiny_run(), r / "tiny", fs::copy_options::recursive | fs::copy_options::create_hard_links);
        return r;
    }();
    return runs;
}

// A studio on a free loopback port, serving in a thread, with its own state folder.
class RunningStudio {
public:
    explicit RunningStudio(const fs::path& state, std::size_t upload_limit = 8u << 20, std::size_t max_queued = 64, int workers = 2) {
        studio::StudioConfig c;
        c.runs = runs_dir();
        c.state = state;
        c.port = 0;
        c.upload_limit = upload_limit;
        c.max_queued = max_queued;
        c.workers = workers;
        server_ = std::make_unique<studio::StudioServer>(c);
        port_ = server_->bind();
        thread_ = std::thread([this] { server_->serve(); });
    }
    ~RunningStudio() {
        server_->stop();
        thread_.join();
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port_);
        c.set_read_timeout(60, 0);
        return c;
    }
    int port() const { return port_; }

private:
    std::unique_ptr<studio::StudioServer> server_;
    int port_ = 0;
    std::thread thread_;
};

json body_of(const httplib::Result& r) { return json::parse(r->body); }

// Waits for a job to end and returns its last status.
json wait_job(httplib::Client& c, const std::string& id) {
    for (int i = 0; i < 1200; ++i) {
        auto r = c.Get("/api/jobs/" + id);
        EXPECT_TRUE(r && r->status == 200);
        json s = body_of(r);
        if (s["state"] != "queued" && s["state"] != "running") return s;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << "job " << id << " did not end";
    return {};
}

// POST /api/generate and wait: the song id, or "" with the failure recorded.
std::string generate(httplib::Client& c, const json& request) {
    auto r = c.Post("/api/generate", request.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return "";
    EXPECT_EQ(r->status, 202) << r->body;
    if (r->status != 202) return "";
    const json done = wait_job(c, body_of(r)["job"]);
    EXPECT_EQ(done["state"], "done") << done.dump();
    return done["state"] == "done" ? done["result"]["song"].get<std::string>() : "";
}

void expect_json_error(const httplib::Result& r, int status, const std::string& words) {
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, status) << r->body;
    const json j = json::parse(r->body, nullptr, false);
    ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    const std::string e = j["error"];
    EXPECT_NE(e.find(words), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << "one line: " << e;
}

}  // namespace

TEST(StudioApi, ListsRunsWithWhatTheirFilesSay) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    RunningStudio studio(test::fresh_test_path("studio", "state"));
    auto c = studio.client();
    auto r = c.Get("/api/runs");
    ASSERT_TRUE(r && r->status == 200);
    const json runs = body_of(r);
    ASSERT_EQ(runs.size(), 1u) << runs.dump();
    EXPECT_EQ(runs[0]["name"], "tiny");
    EXPECT_EQ(runs[0]["kind"], "vae-nn");
    EXPECT_EQ(runs[0]["corpus"], describe_run(runs_dir() / "tiny").corpus.string());
    // The curve and best valid losses, against curve.csv read here: one row per epoch, valid loss in column 5.
    std::istringstream csv(read_file(runs_dir() / "tiny" / "curve.csv"));
    std::string line;
    std::getline(csv, line);
    std::map<int, double> best;
    int rows = 0;
    while (std::getline(csv, line)) {
        std::vector<std::string> cells;
        std::stringstream s(line);
        for (std::string cell; std::getline(s, cell, ',');) cells.push_back(cell);
        const int stage = std::stoi(cells[0]);
        const double valid = std::stod(cells[4]);
        best[stage] = best.count(stage) ? std::min(best[stage], valid) : valid;
        ++rows;
    }
    EXPECT_EQ(runs[0]["epochs"], rows);
    ASSERT_EQ(runs[0]["curve"].size(), std::size_t(rows));
    ASSERT_EQ(runs[0]["stages"].size(), best.size());
    for (const auto& s : runs[0]["stages"]) EXPECT_DOUBLE_EQ(s["best_valid"].get<double>(), best.at(s["stage"].get<int>()));
    // One run: its knobs, the VAE-NN's and the shared ones, without the server's --device.
    const json one = body_of(c.Get("/api/runs/tiny"));
    std::set<std::string> names;
    for (const auto& k : one["knobs"]) names.insert(k["name"]);
    for (const char* n : {"--bars", "--seed", "--tempo", "--prime", "--noise-sd", "--alpha", "--style"}) EXPECT_TRUE(names.count(n)) << n;
    EXPECT_FALSE(names.count("--device"));
}

TEST(StudioApi, SongEqualsTheSystemsAndSameSettingsGiveTheSameBytes) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path state = test::fresh_test_path("studio", "state");
    std::string first;
    {
        RunningStudio studio(state);
        auto c = studio.client();
        first = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 8}, {"--seed", "7"}, {"--noise-sd", 0.75}}}});
        ASSERT_FALSE(first.empty());
        const auto mid = c.Get("/api/songs/" + first + "/song.mid");
        ASSERT_TRUE(mid && mid->status == 200);

        // The oracle: the System interface itself, as `quintet generate` calls it, with the same settings.
        SampleRequest request;
        std::string device = "cpu";
        auto shared = sample_request_options(request, device);
        set_option(shared, "--bars", "8");
        set_option(shared, "--seed", "7");
        auto system = make_system("vae-nn");
        auto settings = system->sample_settings();
        set_option(settings->options(), "--noise-sd", "0.75");
        const Multitrack song = system->open(runs_dir() / "tiny", "cpu")->sample(request, *settings);
        MidiWriteOptions w;
        w.tempo_bpm = request.tempo;
        EXPECT_EQ(mid->body, encode_midi(song, w));
        EXPECT_GT(parse_midi(mid->body, "song.mid").notes.size(), 0u);

        // Its settings, and its files.
        const json settings_json = body_of(c.Get("/api/songs/" + first));
        EXPECT_EQ(settings_json["run"], "tiny");
        EXPECT_EQ(settings_json["system"], "vae-nn");
        EXPECT_EQ(settings_json["knobs"]["--seed"], "7");
        EXPECT_EQ(settings_json["knobs"]["--bars"], "8");
        EXPECT_EQ(settings_json["knobs"]["--noise-sd"], "0.75");
        EXPECT_EQ(settings_json["knobs"]["--tempo"], "120");  // the default, written down
        const json notes = body_of(c.Get("/api/songs/" + first + "/notes.json"));
        EXPECT_EQ(notes["tracks"].size(), song.tracks.size());
        // The npz download is the same piano roll.
        const auto npz = c.Get("/api/songs/" + first + "/song.npz");
        ASSERT_TRUE(npz && npz->status == 200);
        write_file_atomically(state.parent_path() / "song.npz", npz->body);
        const Multitrack back = read_npz(state.parent_path() / "song.npz");
        ASSERT_EQ(back.tracks.size(), song.tracks.size());
        for (std::size_t i = 0; i < song.tracks.size(); ++i) {
            if (song.tracks[i].empty()) EXPECT_TRUE(back.tracks[i].empty()) << i;  // LPD keeps an empty track as (0, 128)
            else EXPECT_EQ(back.tracks[i].roll, song.tracks[i].roll) << i;
        }
        const auto png = c.Get("/api/songs/" + first + "/song.png");
        ASSERT_TRUE(png && png->status == 200);
        EXPECT_EQ(png->body.substr(1, 3), "PNG");

        // Regenerated from its settings: the same bytes, under a new id.
        auto again = c.Post("/api/songs/" + first + "/regenerate", "", "application/json");
        ASSERT_TRUE(again && again->status == 202) << (again ? again->body : "");
        const json done = wait_job(c, body_of(again)["job"]);
        ASSERT_EQ(done["state"], "done") << done.dump();
        const std::string second = done["result"]["song"];
        EXPECT_NE(second, first);
        EXPECT_EQ(c.Get("/api/songs/" + second + "/song.mid")->body, mid->body);
    }
    // A restart: the history is still there, with nothing half-written.
    fs::create_directories(state / "history" / ".tmp-000099");  // what an interrupted song leaves
    RunningStudio restarted(state);
    auto c = restarted.client();
    const json history = body_of(c.Get("/api/history"));
    ASSERT_EQ(history.size(), 2u) << history.dump();
    EXPECT_FALSE(fs::exists(state / "history" / ".tmp-000099"));
    EXPECT_EQ(history[1]["id"], first);  // newest first
    const std::string third = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 4}}}});
    EXPECT_GT(third, history[0]["id"].get<std::string>());  // numbering goes on after the restart
}

TEST(StudioApi, BadRequestsAreJsonErrorsAndTheServerGoesOn) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    RunningStudio studio(test::fresh_test_path("studio", "state"), /*upload_limit=*/20000);
    auto c = studio.client();
    expect_json_error(c.Post("/api/generate", "{\"run\": \"tiny\", ", "application/json"), 400, "malformed JSON");
    expect_json_error(c.Post("/api/generate", "[1, 2]", "application/json"), 400, "expected");
    expect_json_error(c.Post("/api/generate", R"({"run": "nope"})", "application/json"), 404, "unknown run 'nope'");
    expect_json_error(c.Get("/api/runs/nope"), 404, "unknown run 'nope'");
    expect_json_error(c.Post("/api/generate", R"({"run": "..", "knobs": {}})", "application/json"), 400, "not a directory name");
    expect_json_error(c.Post("/api/generate", R"({"run": "tiny", "knobs": {"--alpha": 1.5}})", "application/json"), 400,
                      "--alpha must be between 0 and 1");
    expect_json_error(c.Post("/api/generate", R"({"run": "tiny", "knobs": {"--bars": 0}})", "application/json"), 400, "--bars");
    expect_json_error(c.Post("/api/generate", R"({"run": "tiny", "knobs": {"--noise-at": "sideways"}})", "application/json"), 400,
                      "expected one of");
    expect_json_error(c.Post("/api/generate", R"({"run": "tiny", "knobs": {"--no-such": 1}})", "application/json"), 400,
                      "unknown knob --no-such");
    expect_json_error(c.Post("/api/generate", R"({"run": "tiny", "knobs": {"--device": "cuda"}})", "application/json"), 400,
                      "unknown knob --device");
    expect_json_error(c.Post("/api/generate", R"({"run": "tiny", "knobs": {"--prime": "/etc/passwd"}})", "application/json"), 404,
                      "unknown upload");
    expect_json_error(c.Get("/api/jobs/job999"), 404, "unknown job");
    expect_json_error(c.Get("/api/songs/000999"), 404, "unknown song");
    expect_json_error(c.Get("/api/songs/..%2F..%2Fetc/song.mid"), 404, "");
    expect_json_error(c.Get("/api/nothing"), 404, "no such");

    // Uploads: parsed by the project's readers, the reader's line in a 400; over the limit a 413.
    expect_json_error(c.Post("/api/uploads?name=bad.mid", std::string("MThd\0\0\0\6garbage", 15), "application/octet-stream"), 400,
                      "bad.mid");
    expect_json_error(c.Post("/api/uploads?name=notes.txt", "hello", "application/octet-stream"), 400, "expected a .mid");
    expect_json_error(c.Post("/api/uploads?name=a.mid", std::string(20001, 'x'), "application/octet-stream"), 413, "limit");
    expect_json_error(c.Post("/api/uploads?name=a.mid", "", "application/octet-stream"), 400, "empty");

    // A run whose symlink leads out of --runs is neither listed nor served.
    const fs::path outside = test::fresh_test_path("studio", "outside-run");
    fs::create_directories(outside);
    fs::copy_file(runs_dir() / "tiny" / "config.json", outside / "config.json");
    const fs::path link = runs_dir() / ("escape-" + std::to_string(studio.port()));
    fs::create_directory_symlink(outside, link);
    expect_json_error(c.Get("/api/runs/" + link.filename().string()), 400, "outside --runs");
    for (const auto& r : body_of(c.Get("/api/runs"))) EXPECT_NE(r["name"], link.filename().string());
    fs::remove(link);

    // A job that fails while it runs (two names of the same input): its one line, and the server goes on.
    const fs::path song = test::shared_data_dir() / "lpd5" / "mma__solo_solo.npz";
    auto up = c.Post("/api/uploads?name=solo.npz", read_file(song), "application/octet-stream");
    ASSERT_TRUE(up && up->status == 201) << (up ? up->body : "");
    const std::string id = body_of(up)["id"];
    auto r = c.Post("/api/generate", json{{"run", "tiny"}, {"knobs", {{"--prime", id}, {"--seed-file", id}}}}.dump(), "application/json");
    ASSERT_TRUE(r && r->status == 202) << r->body;
    const json failed = wait_job(c, body_of(r)["job"]);
    EXPECT_EQ(failed["state"], "failed");
    EXPECT_NE(failed["error"].get<std::string>().find("--prime and --seed-file"), std::string::npos) << failed.dump();
    EXPECT_FALSE(generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 4}, {"--prime", id}}}}).empty());
    EXPECT_EQ(c.Get("/api/runs")->status, 200);
}

TEST(StudioApi, UploadReportsWhereEachTrackGoes) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    RunningStudio studio(test::fresh_test_path("studio", "state"));
    auto c = studio.client();
    // A hand-made MIDI: piano (program 0), a bass (33), drums (channel 10) and a sound effect (program 122).
    Multitrack mt;
    mt.resolution = 4;
    auto add = [&](const char* name, int program, bool drum, int pitch) {
        Track t;
        t.name = name;
        t.program = program;
        t.is_drum = drum;
        t.resize_steps(16);
        for (int s = 0; s < 4; ++s) t.at(s * 4, pitch) = 100;
        mt.tracks.push_back(t);
    };
    add("keys", 0, false, 60);
    add("low", 33, false, 40);
    add("kit", 0, true, 36);
    add("sea", 122, false, 70);
    auto r = c.Post("/api/uploads?name=four.mid", encode_midi(mt), "application/octet-stream");
    ASSERT_TRUE(r && r->status == 201) << r->body;
    const json up = body_of(r);
    std::map<std::string, std::string> to;
    for (const auto& t : up["tracks"]) to[t["name"]] = t["to"];
    EXPECT_EQ(to["keys"], "Piano");
    EXPECT_EQ(to["low"], "Bass");
    EXPECT_EQ(to["kit"], "Drums");
    EXPECT_EQ(to["sea"], "dropped");  // GM 122 (seashore): no LPD-5 family
    EXPECT_EQ(up["lanes"]["Piano"], 4);
    EXPECT_EQ(up["lanes"]["Strings"], 0);
}

TEST(StudioApi, MutedLanesAreLeftOutOfTheMix) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    if (!fs::exists("/usr/share/sounds/sf2/FluidR3_GM.sf2") && !std::getenv("QUINTET_SOUNDFONT"))
        QUINTET_SKIP_OR_FAIL("FluidR3 GM SoundFont not installed (scripts/install-deps installs fluid-soundfont-gm)");
    RunningStudio studio(test::fresh_test_path("studio", "state"));
    auto c = studio.client();
    const std::string id = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 4}, {"--seed", "3"}}}});
    ASSERT_FALSE(id.empty());
    const auto full = c.Get("/api/songs/" + id + "/song.wav");
    ASSERT_TRUE(full && full->status == 200);
    EXPECT_EQ(full->body.substr(0, 4), "RIFF");
    // Every lane: the song's own WAV, byte for byte (the notes file holds the whole song).
    const json notes = body_of(c.Get("/api/songs/" + id + "/notes.json"));
    std::string all;
    for (std::size_t i = 0; i < notes["tracks"].size(); ++i) all += (i ? "," : "") + std::to_string(i);
    const auto mix = c.Get("/api/songs/" + id + "/mix.wav?lanes=" + all);
    ASSERT_TRUE(mix && mix->status == 200) << mix->body;
    EXPECT_EQ(mix->body, full->body);
    expect_json_error(c.Get("/api/songs/" + id + "/mix.wav?lanes=9"), 400, "no lane 9");
    expect_json_error(c.Get("/api/songs/" + id + "/mix.wav?lanes=a;b"), 400, "lanes");
}

namespace {
bool has_soundfont() { return fs::exists("/usr/share/sounds/sf2/FluidR3_GM.sf2") || std::getenv("QUINTET_SOUNDFONT"); }

// The WAV a whole render of the song gives: render_wav of the song's notes, written to a file by the test.
std::string whole_render(httplib::Client& c, const std::string& id, const fs::path& scratch) {
    const Multitrack song = studio::song_from_notes_json(body_of(c.Get("/api/songs/" + id + "/notes.json")));
    render_wav(song, scratch / ("whole-" + id + ".wav"));
    return read_file(scratch / ("whole-" + id + ".wav"));
}

bool any_tmp_entry(const fs::path& history) {
    for (const auto& e : fs::directory_iterator(history))
        if (e.path().filename().string().rfind(".tmp-", 0) == 0) return true;
    return false;
}
}  // namespace

TEST(StudioApi, TheSongIsDoneBeforeItsWavWhichIsSentAsItIsRendered) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    if (!has_soundfont()) QUINTET_SKIP_OR_FAIL("FluidR3 GM SoundFont not installed (scripts/install-deps installs fluid-soundfont-gm)");
    const fs::path state = test::fresh_test_path("studio", "state");
    const fs::path history = state / "history";
    std::string first, second;
    {
        std::optional<RunningStudio> studio(std::in_place, state);
        auto c = studio->client();
        // 8 bars: 17.5 s of audio, 1-2 s of FluidSynth for this run's dense songs; the job ends without it.
        first = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 8}, {"--seed", "5"}}}});
        ASSERT_FALSE(first.empty());
        EXPECT_FALSE(fs::exists(history / first / "song.wav")) << "the job waited for the WAV";
        EXPECT_TRUE(fs::exists(history / first / "song.mid"));
        const json settings = body_of(c.Get("/api/songs/" + first));
        EXPECT_NE(std::find(settings["files"].begin(), settings["files"].end(), "song.wav"), settings["files"].end());

        // Sent while it is rendered: the header's length, then the bytes of a whole render.
        const auto streamed = c.Get("/api/songs/" + first + "/song.wav");
        ASSERT_TRUE(streamed && streamed->status == 200);
        const std::string expected = whole_render(c, first, state.parent_path());
        EXPECT_EQ(streamed->body.size(), expected.size());
        EXPECT_TRUE(streamed->body == expected) << "the streamed WAV differs from a whole render";
        // Kept whole in the history once rendered, and then sent from the file; ranges work on both.
        for (int i = 0; i < 600 && !fs::exists(history / first / "song.wav"); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        ASSERT_TRUE(fs::exists(history / first / "song.wav"));
        EXPECT_TRUE(read_file(history / first / "song.wav") == expected);
        EXPECT_TRUE(c.Get("/api/songs/" + first + "/song.wav")->body == expected);
        const auto range = c.Get("/api/songs/" + first + "/song.wav", {{"Range", "bytes=1000-1999"}});
        ASSERT_TRUE(range && range->status == 206);
        EXPECT_EQ(range->body, expected.substr(1000, 1000));

        // Stopped while a render is sent: the client's transfer ends, and nothing half-written stays.
        second = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 8}, {"--seed", "6"}}}});
        ASSERT_FALSE(second.empty());
        std::thread listener([&, port = studio->port()] {
            httplib::Client l("127.0.0.1", port);
            l.Get("/api/songs/" + second + "/song.wav", [&](const char*, std::size_t) { return true; });
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        studio.reset();  // stops the server (as SIGTERM does) during the transfer
        listener.join();
        EXPECT_FALSE(any_tmp_entry(history));
    }
    EXPECT_FALSE(any_tmp_entry(history));
    // After a restart a song without its WAV is rendered when asked for.
    RunningStudio restarted(state);
    auto c = restarted.client();
    const auto again = c.Get("/api/songs/" + second + "/song.wav");
    ASSERT_TRUE(again && again->status == 200);
    EXPECT_TRUE(again->body == whole_render(c, second, state.parent_path()));
}

TEST(StudioApi, AMixIsSentAsItIsRenderedFromAnyOffset) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    if (!has_soundfont()) QUINTET_SKIP_OR_FAIL("FluidR3 GM SoundFont not installed (scripts/install-deps installs fluid-soundfont-gm)");
    RunningStudio studio(test::fresh_test_path("studio", "state"));
    auto c = studio.client();
    const std::string id = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 8}, {"--seed", "4"}}}});
    ASSERT_FALSE(id.empty());
    const Multitrack piano = studio::song_from_notes_json(body_of(c.Get("/api/songs/" + id + "/notes.json")), {0});
    const fs::path scratch = test::fresh_test_path("studio", "mix");
    fs::create_directories(scratch);
    render_wav(piano, scratch / "piano.wav");
    const std::string expected = read_file(scratch / "piano.wav");
    const auto whole = c.Get("/api/songs/" + id + "/mix.wav?lanes=0");
    ASSERT_TRUE(whole && whole->status == 200);
    EXPECT_TRUE(whole->body == expected);
    // A seek forward, then back (a new request each, as an audio element makes them).
    for (const std::size_t from : {std::size_t(200000), std::size_t(44), std::size_t(0)}) {
        const auto part = c.Get("/api/songs/" + id + "/mix.wav?lanes=0", {{"Range", "bytes=" + std::to_string(from) + "-" + std::to_string(from + 99999)}});
        ASSERT_TRUE(part && part->status == 206) << from;
        EXPECT_TRUE(part->body == expected.substr(from, 100000)) << from;
    }
}

using test::resident_kib;

TEST(StudioApi, ThirtyTwoSongsFromEightClientsAllArriveInMemoryBounds) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path state = test::fresh_test_path("studio", "state");
    // Two workers whose WAV renders overlap: the server keeps one copy of the 141 MB SoundFont for its life
    // (SoundfontKeeper), so the working size is reached in the first round whatever the overlap, and a leak of
    // each song's WAV (1.7 MB) would show. Before the keeper each render loaded its own copy: a random step of
    // +142 MiB (seen in CI with one worker too: 361 -> 505 MiB).
    RunningStudio studio(state, 8u << 20, 64, /*workers=*/2);
    constexpr int kClients = 8, kEach = 4;
    std::vector<std::vector<std::string>> ids(kClients);
    // Rounds of 8 concurrent clients: round 0 brings the server to its working size (the run opened, both
    // workers' buffers and caches warm), then four rounds of 8 songs are measured.
    auto round = [&](int r) {
        std::vector<std::thread> clients;
        for (int k = 0; k < kClients; ++k)
            clients.emplace_back([&, k, r] {
                auto c = studio.client();
                const std::string id = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 4}, {"--seed", std::to_string(r * kClients + k)}}}});
                if (r > 0) ids[k].push_back(id);
            });
        for (auto& t : clients) t.join();
    };
    round(0);
    const long warm = resident_kib();
    for (int r = 1; r <= kEach; ++r) round(r);
    const long after = resident_kib();
    std::set<std::string> distinct;
    for (const auto& list : ids)
        for (const auto& id : list) {
            EXPECT_FALSE(id.empty());
            distinct.insert(id);
        }
    EXPECT_EQ(distinct.size(), std::size_t(kClients * kEach));
    auto c = studio.client();
    const json history = body_of(c.Get("/api/history"));
    EXPECT_EQ(history.size(), std::size_t(kClients * (kEach + 1)));
    // Every song is whole: its MIDI parses, and its seed is the one asked for.
    std::set<std::string> seeds;
    for (const auto& s : history) {
        EXPECT_GT(parse_midi(read_file(state / "history" / s["id"].get<std::string>() / "song.mid"), "song.mid").notes.size(), 0u);
        seeds.insert(s["knobs"]["--seed"].get<std::string>());
    }
    EXPECT_EQ(seeds.size(), history.size());
    // Memory: the server keeps files, not songs. 32 songs' WAVs alone are 54 MB (9.5 s, 1.7 MB each); the
    // process grows by less than half of that.
    std::printf("resident memory: %ld MiB after the first 8 songs, %ld MiB after 32 more\n", warm / 1024, after / 1024);
    EXPECT_LT(after - warm, 24 * 1024) << warm << " KiB -> " << after << " KiB";
}

TEST(StudioApi, AFullQueueIsA503AndTheServerGoesOn) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    RunningStudio studio(test::fresh_test_path("studio", "state"), 8u << 20, /*max_queued=*/1);
    auto c = studio.client();
    int accepted = 0, busy = 0;
    std::vector<std::string> jobs;
    for (int i = 0; i < 8; ++i) {
        auto r = c.Post("/api/generate", json{{"run", "tiny"}, {"knobs", {{"--bars", 4}}}}.dump(), "application/json");
        ASSERT_TRUE(r);
        if (r->status == 202) {
            ++accepted;
            jobs.push_back(body_of(r)["job"]);
        } else {
            expect_json_error(r, 503, "too many jobs waiting");
            ++busy;
        }
    }
    EXPECT_GE(accepted, 1);
    EXPECT_GE(busy, 1);
    for (const auto& j : jobs) EXPECT_EQ(wait_job(c, j)["state"], "done");
}

// Server-sent events: GET /api/jobs/ID/events streams the job's status as `data:` lines, one per change, and
// closes after the final one. One worker and two songs ahead of the watched one: its stream starts "queued".
TEST(StudioApi, JobEventsStreamEachChangeAndEndWithTheResult) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    RunningStudio studio(test::fresh_test_path("studio", "state"), 8u << 20, 64, /*workers=*/1);
    auto c = studio.client();
    std::string watched;
    for (int i = 0; i < 3; ++i) {
        auto r = c.Post("/api/generate", json{{"run", "tiny"}, {"knobs", {{"--bars", 4}, {"--seed", std::to_string(i)}}}}.dump(), "application/json");
        ASSERT_TRUE(r && r->status == 202);
        watched = body_of(r)["job"];
    }
    std::string stream, content_type;
    auto events_client = studio.client();
    auto r = events_client.Get("/api/jobs/" + watched + "/events", httplib::Headers{},
                               [&](const httplib::Response& res) {
                                   content_type = res.get_header_value("Content-Type");
                                   return res.status == 200;
                               },
                               [&](const char* data, std::size_t n) {
                                   stream.append(data, n);
                                   return true;
                               });
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(content_type, "text/event-stream");
    // The events: blocks separated by a blank line, each an `id:` and a `data:` line (comments start with ':').
    std::vector<json> events;
    std::vector<unsigned long long> ids;
    std::istringstream lines(stream);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("id: ", 0) == 0) ids.push_back(std::stoull(line.substr(4)));
        if (line.rfind("data: ", 0) == 0) events.push_back(json::parse(line.substr(6)));
    }
    ASSERT_GE(events.size(), 3u) << stream;
    ASSERT_EQ(ids.size(), events.size()) << stream;
    EXPECT_EQ(events.front()["state"], "queued") << stream;
    EXPECT_TRUE(std::any_of(events.begin(), events.end(), [](const json& e) { return e["state"] == "running"; })) << stream;
    for (std::size_t i = 1; i < events.size(); ++i) {
        EXPECT_GT(ids[i], ids[i - 1]);
        EXPECT_GE(events[i]["progress"].get<double>(), events[i - 1]["progress"].get<double>()) << stream;
        EXPECT_NE(events[i - 1]["state"], "done") << "nothing after the final event: " << stream;
    }
    const json& last = events.back();
    EXPECT_EQ(last["state"], "done") << stream;
    EXPECT_EQ(last["progress"], 1.0);
    // The final event is the job's status as GET /api/jobs/ID gives it, with the song.
    const json polled = body_of(c.Get("/api/jobs/" + watched));
    EXPECT_EQ(last, polled);
    const std::string song = last["result"]["song"];
    EXPECT_EQ(c.Get("/api/songs/" + song + "/song.mid")->status, 200);
    // A finished job's stream is its final event at once; an unknown job is a 404 JSON error.
    auto again = c.Get("/api/jobs/" + watched + "/events");
    ASSERT_TRUE(again && again->status == 200);
    EXPECT_EQ(again->body, "id: " + std::to_string(ids.back()) + "\ndata: " + polled.dump() + "\n\n");
    expect_json_error(c.Get("/api/jobs/job999/events"), 404, "unknown job 'job999'");
}

TEST(StudioApi, TrainsStopsAndResumesARunOfAnySystem) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    fs::create_hard_link(test::default_tiny_store(), runs_dir() / "tiny.store");
    RunningStudio studio(test::fresh_test_path("studio", "state"));
    auto c = studio.client();
    EXPECT_EQ(body_of(c.Get("/api/corpora")), json({"tiny.store"}));
    const json request = {{"kind", "vae"}, {"run", "fresh"}, {"corpus", "tiny.store"}, {"seed", "1"},
                          {"knobs", {{"--epochs", 2}, {"--latent", "4"}, {"--batch", 8}}}};
    auto r = c.Post("/api/train", request.dump(), "application/json");
    ASSERT_TRUE(r && r->status == 202) << r->body;
    // Stop at once: it ends after its first epoch, with that epoch's checkpoint and curve row.
    auto s = c.Post("/api/train/stop", R"({"run": "fresh"})", "application/json");
    ASSERT_TRUE(s && s->status == 200) << s->body;
    json done = wait_job(c, body_of(r)["job"]);
    ASSERT_EQ(done["state"], "done") << done.dump();
    EXPECT_EQ(done["result"]["finished"], false);
    json run = body_of(c.Get("/api/runs/fresh"));
    EXPECT_EQ(run["kind"], "vae-nn");
    EXPECT_EQ(run["epochs"], 1);
    // The same request again is refused (the run exists); with resume it goes on to the end: 2 + 2 epochs.
    expect_json_error(c.Post("/api/train", request.dump(), "application/json"), 400, "already holds a training run");
    json resume = request;
    resume["resume"] = true;
    r = c.Post("/api/train", resume.dump(), "application/json");
    ASSERT_TRUE(r && r->status == 202) << r->body;
    done = wait_job(c, body_of(r)["job"]);
    ASSERT_EQ(done["state"], "done") << done.dump();
    EXPECT_EQ(done["result"]["finished"], true);
    EXPECT_EQ(body_of(c.Get("/api/runs/fresh"))["epochs"], 4);
    // Bad trainings are 4xx before anything runs.
    expect_json_error(c.Post("/api/train", json{{"kind", "nope"}, {"run", "x"}, {"corpus", "tiny.store"}}.dump(), "application/json"), 400,
                      "not a system");
    expect_json_error(c.Post("/api/train", json{{"kind", "vae"}, {"run", "../x"}, {"corpus", "tiny.store"}}.dump(), "application/json"), 400,
                      "not a directory name");
    expect_json_error(c.Post("/api/train", json{{"kind", "vae"}, {"run", "x"}, {"corpus", "/etc/passwd"}}.dump(), "application/json"), 400,
                      "not a store name");
    expect_json_error(c.Post("/api/train", json{{"kind", "vae"}, {"run", "x"}, {"corpus", "none.store"}}.dump(), "application/json"), 400,
                      "unknown corpus");
    expect_json_error(c.Post("/api/train", json{{"kind", "vae"}, {"run", "x"}, {"corpus", "tiny.store"}, {"knobs", {{"--out", "/tmp"}}}}.dump(),
                          "application/json"),
                      400, "unknown knob --out");
    expect_json_error(c.Post("/api/train/stop", R"({"run": "fresh"})", "application/json"), 404, "no training");
}

TEST(StudioApi, SongMetricsAreQuintetEvalsTableAgainstTheRunsCorpus) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    const fs::path state = test::fresh_test_path("studio", "state");
    RunningStudio studio(state);
    auto c = studio.client();
    const std::string id = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 8}, {"--seed", "4"}}}});
    ASSERT_FALSE(id.empty());
    auto r = c.Post("/api/songs/" + id + "/metrics", "", "application/json");
    ASSERT_TRUE(r && r->status == 202) << r->body;
    const json done = wait_job(c, body_of(r)["job"]);
    ASSERT_EQ(done["state"], "done") << done.dump();
    const json& studio_table = done["result"];
    // The oracle: `quintet eval` on the song's npz against the run's corpus (its valid split by default).
    const fs::path out = state.parent_path() / "eval.json";
    const std::string cmd = std::string(QUINTET_BINARY_DIR "/quintet eval ") + (state / "history" / id / "song.npz").string() +
                            " --reference " + describe_run(runs_dir() / "tiny").corpus.string() + " --json > " + out.string() + " 2> /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    const json cli = json::parse(read_file(out));
    EXPECT_EQ(studio_table["reference_songs"], cli["reference_songs"]);
    ASSERT_EQ(studio_table["metrics"].size(), cli["metrics"].size());
    ASSERT_GT(cli["metrics"].size(), 10u);
    for (std::size_t i = 0; i < cli["metrics"].size(); ++i) EXPECT_EQ(studio_table["metrics"][i], cli["metrics"][i]) << i;
    expect_json_error(c.Post("/api/songs/000999/metrics", "", "application/json"), 404, "unknown song");
}

TEST(StudioApi, KeepsLockedInstrumentsAndResamplesTheOthers) {
    QUINTET_REQUIRE_SHARED_DATA("lpd5");
    RunningStudio studio(test::fresh_test_path("studio", "state"));
    auto c = studio.client();
    const std::string first = generate(c, {{"run", "tiny"}, {"knobs", {{"--bars", 16}, {"--seed", "11"}}}});
    ASSERT_FALSE(first.empty());
    const std::string again = generate(c, {{"run", "tiny"}, {"knobs", {{"--from", "song:" + first}, {"--keep", "piano,bass"}, {"--seed", "12"}}}});
    ASSERT_FALSE(again.empty());
    const json a = body_of(c.Get("/api/songs/" + first + "/notes.json")), b = body_of(c.Get("/api/songs/" + again + "/notes.json"));
    EXPECT_EQ(a["steps"], b["steps"]);  // the song's length
    int changed = 0;
    for (std::size_t i = 0; i < a["tracks"].size(); ++i) {
        const std::string name = a["tracks"][i]["name"];
        if (name == "Piano" || name == "Bass") {
            EXPECT_GT(a["tracks"][i]["notes"].size(), 0u) << name << ": a kept lane with notes to keep";
            EXPECT_EQ(a["tracks"][i]["notes"], b["tracks"][i]["notes"]) << name;
        }
        else changed += a["tracks"][i]["notes"] != b["tracks"][i]["notes"];
    }
    EXPECT_GE(changed, 1);
    // A kept name that is no instrument, and --keep without --from: the job's one line.
    for (const json& knobs : {json{{"--from", "song:" + first}, {"--keep", "kazoo"}}, json{{"--keep", "piano"}}}) {
        auto r = c.Post("/api/generate", json{{"run", "tiny"}, {"knobs", knobs}}.dump(), "application/json");
        ASSERT_TRUE(r && r->status == 202) << r->body;
        const json failed = wait_job(c, body_of(r)["job"]);
        EXPECT_EQ(failed["state"], "failed");
        EXPECT_NE(failed["error"].get<std::string>().find("--keep"), std::string::npos) << failed.dump();
    }
    expect_json_error(c.Post("/api/generate", json{{"run", "tiny"}, {"knobs", {{"--from", "song:000999"}}}}.dump(), "application/json"), 404,
                      "unknown song");
}
