#include "studio/studio_server.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>

#include "runs/run_dir.hpp"
#include "studio/job_pool.hpp"
#include "studio/knob_form.hpp"
#include "studio/page_assets.hpp"
#include "studio/run_catalog.hpp"
#include "studio/song_history.hpp"
#include "studio/song_maker.hpp"
#include "studio/song_metrics.hpp"
#include "studio/training_jobs.hpp"
#include "studio/upload_store.hpp"
#include "systems/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#ifdef QUINTET_HAVE_AUDIO
#include "io/audio/render_wav.hpp"
#include "studio/audio_renders.hpp"
#include "studio/seekable_wav.hpp"
#endif

namespace quintet::studio {

namespace fs = std::filesystem;
using nlohmann::json;

bool is_loopback_host(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

namespace {

void send_json(httplib::Response& res, const json& body, int status = 200) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, {{"error", message}}, status);
}

// A name that is not there is a 404, anything else the caller got wrong a 400 (the messages are the
// library's: "unknown run 'x'", "--alpha must be between 0 and 1, got 2").
int status_of(const UsageError& e) {
    const std::string m = e.what();
    for (const char* prefix : {"unknown run", "unknown song", "unknown upload", "unknown job"})
        if (m.rfind(prefix, 0) == 0) return 404;
    return 400;
}

json run_json(const RunSummary& r) {
    json stages = json::array();
    for (const auto& s : r.stages)
        stages.push_back({{"stage", s.stage}, {"epochs", s.epochs_done}, {"planned", s.epochs_planned}, {"best_valid", s.best_valid}});
    json curve = json::array();
    for (const auto& p : r.curve) curve.push_back({p.stage, p.epoch, p.train_loss, p.valid_loss});
    json j = {{"name", r.name}, {"kind", r.kind}, {"corpus", r.corpus}, {"epochs", r.epochs}, {"stages", stages}, {"curve", curve}};
    if (!r.problem.empty()) j["problem"] = r.problem;
    return j;
}

// A file of the history, read a piece at a time as it is sent (a 64-block song's WAV is 90 MB); ranges work.
void send_file(httplib::Response& res, const fs::path& path, const char* type) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    if (ec) throw IoError(path.string() + ": cannot read: " + ec.message());
    if (size == 0) return res.set_content("", type);
    auto in = std::make_shared<std::ifstream>(path, std::ios::binary);
    if (!*in) throw IoError(path.string() + ": cannot open");
    res.set_content_provider(static_cast<std::size_t>(size), type, [in](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        std::string bytes(std::min<std::size_t>(length, 1 << 16), '\0');
        in->clear();
        in->seekg(static_cast<std::streamoff>(offset));
        in->read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return static_cast<std::size_t>(in->gcount()) == bytes.size() && sink.write(bytes.data(), bytes.size());
    });
}

const std::pair<const char*, const char*> kSongFiles[] = {
    {"song.mid", "audio/midi"}, {"song.wav", "audio/wav"}, {"song.png", "image/png"}, {"song.npz", "application/octet-stream"},
    {"notes.json", "application/json"}};

}  // namespace

#ifdef QUINTET_HAVE_AUDIO
// The SoundFont's samples, loaded once for the server's life: every song's WAV and every mix shares them, so
// memory stays at one copy however renders overlap. Without a usable SoundFont songs come without audio.
static std::unique_ptr<SoundfontKeeper> keep_soundfont() {
    try {
        return std::make_unique<SoundfontKeeper>();
    } catch (const Error&) {
        return nullptr;
    }
}
#endif

struct StudioServer::Impl {
    StudioConfig config;
    fs::path state;
#ifdef QUINTET_HAVE_AUDIO
    std::unique_ptr<SoundfontKeeper> soundfont = keep_soundfont();  // before the workers that render
#endif
    SongHistory history;
    UploadStore uploads;
    SongMaker maker;
    JobPool pool;
    TrainingJobs training;
    SongMetrics metrics;
#ifdef QUINTET_HAVE_AUDIO
    AudioRenders renders;
#endif
    httplib::Server http;

    explicit Impl(StudioConfig c)
        : config(std::move(c)),
          state(config.state.empty() ? config.runs / ".studio" : config.state),
          history(state / "history"),
          uploads(state / "uploads"),
          maker(config.runs, history, uploads, config.device),
          pool(config.workers, config.max_queued),
          training(config.runs, config.corpora.empty() ? config.runs : config.corpora, config.device)
#ifdef QUINTET_HAVE_AUDIO
          , renders(history, config.workers)
#endif
    {
        routes();
    }

    // Every handler: library errors become 4xx JSON, anything else a 500 with its one line; the server goes on.
    template <class F>
    httplib::Server::Handler guarded(F f) {
        return [f](const httplib::Request& req, httplib::Response& res) {
            try {
                f(req, res);
            } catch (const json::exception& e) {
                send_error(res, 400, std::string("malformed JSON: ") + e.what());
            } catch (const UsageError& e) {
                send_error(res, status_of(e), e.what());
            } catch (const FormatError& e) {
                send_error(res, 400, e.what());
            } catch (const std::exception& e) {
                send_error(res, 500, e.what());
            }
        };
    }

    std::string submit_song(const json& settings, httplib::Response& res) {
        auto id = pool.submit("generate", [this, settings](JobProgress& p) {
            json result = maker.make(settings, p);
#ifdef QUINTET_HAVE_AUDIO
            // Its WAV from now on, while the page draws the song; before the job is done, so the page's
            // first request for song.wav finds the render.
            if (!result.contains("audio")) {
                try {
                    renders.start(result.at("song").get<std::string>());
                } catch (const Error&) {
                    // stopping: the song is kept, its WAV is rendered when asked for after a restart
                }
            }
#endif
            return result;
        });
        if (!id) {
            send_error(res, 503, "too many jobs waiting (" + std::to_string(config.max_queued) + "); try again later");
            return "";
        }
        send_json(res, {{"job", *id}, {"settings", settings}}, 202);
        return *id;
    }

    void routes() {
        http.set_payload_max_length(config.upload_limit);
        http.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
            if (!res.body.empty()) return;
            std::string message = res.status == 404 ? "no such page or endpoint"
                                  : res.status == 400 ? "bad request"
                                                      : "HTTP status " + std::to_string(res.status);
            if (res.status == 413) message = "the upload is larger than the limit of " + std::to_string(config.upload_limit) + " bytes";
            send_error(res, res.status, message);
        });
        http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            send_error(res, 500, "internal error");
        });

        // The page.
        http.Get(R"(/|/[a-z_]+\.(js|css))", [](const httplib::Request& req, httplib::Response& res) {
            const PageAsset* a = find_page_asset(req.path);
            if (!a) return send_error(res, 404, "no such page: " + req.path);
            res.set_content(std::string(a->body), std::string(a->content_type).c_str());
        });

        http.Get("/api/systems", guarded([](const httplib::Request&, httplib::Response& res) {
            json out = json::array();
            for (const auto& e : registered_systems()) {
                const auto system = e.make();
                out.push_back({{"kind", e.kind},
                               {"aliases", e.aliases},
                               {"summary", system->summary()},
                               {"knobs", generation_form_json(*system)},
                               {"train_knobs", knobs_json(system->train_settings()->options())}});
            }
            send_json(res, out);
        }));

        http.Get("/api/runs", guarded([this](const httplib::Request&, httplib::Response& res) {
            json out = json::array();
            for (const auto& r : list_runs(config.runs)) out.push_back(run_json(r));
            send_json(res, out);
        }));

        http.Get(R"(/api/runs/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const auto r = describe_studio_run(config.runs, req.matches[1]);
            json j = run_json(r);
            if (r.problem.empty()) j["knobs"] = generation_form_json(*make_system(r.kind));
            send_json(res, j);
        }));

        http.Post("/api/generate", guarded([this](const httplib::Request& req, httplib::Response& res) {
            submit_song(maker.prepare(json::parse(req.body)), res);
        }));

        http.Get(R"(/api/jobs/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            auto s = pool.status(req.matches[1]);
            if (!s) s = training.status(req.matches[1]);
            if (!s) return send_error(res, 404, "unknown job '" + std::string(req.matches[1]) + "'");
            send_json(res, s->to_json());
        }));

        // The job's changes as server-sent events: one `data:` line (the status JSON) per change, the first
        // at once, the last when the job has ended, then the stream closes. A comment line every 10 s of no
        // change keeps proxies from closing it. Each open stream holds one of the server's threads.
        http.Get(R"(/api/jobs/([^/]+)/events)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const std::string id = req.matches[1];
            const bool training_job = !pool.status(id) && training.status(id);
            if (!training_job && !pool.status(id)) return send_error(res, 404, "unknown job '" + id + "'");
            res.set_header("Cache-Control", "no-cache");
            res.set_chunked_content_provider(
                "text/event-stream", [this, id, training_job, seen = 0ull, quiet = 0](std::size_t, httplib::DataSink& sink) mutable {
                    // Short waits: the server's stop is seen between two calls.
                    const auto wait = std::chrono::milliseconds(500);
                    const auto s = training_job ? training.wait_for_change(id, seen, wait) : pool.wait_for_change(id, seen, wait);
                    if (!s) {  // forgotten (more than the kept number of jobs ended since)
                        sink.done();
                        return true;
                    }
                    if (s->version == seen) {
                        if (++quiet % 20 == 0) {
                            const std::string keep_alive = ": still " + s->state + "\n\n";
                            if (!sink.write(keep_alive.data(), keep_alive.size())) return false;
                        }
                        return sink.is_writable();
                    }
                    quiet = 0;
                    seen = s->version;
                    const std::string event = "id: " + std::to_string(s->version) + "\ndata: " + s->to_json().dump() + "\n\n";
                    if (!sink.write(event.data(), event.size())) return false;
                    if (s->finished()) sink.done();
                    return true;
                });
        }));

        http.Get("/api/history", guarded([this](const httplib::Request&, httplib::Response& res) {
            send_json(res, history.list());
        }));

        http.Get(R"(/api/songs/([^/]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            auto j = json::parse(read_file(history.entry(req.matches[1]) / "settings.json"));
            j["id"] = std::string(req.matches[1]);
            send_json(res, j);
        }));

        // The same settings again: the same bytes (a check, and a way back to a song's exact settings).
        http.Post(R"(/api/songs/([^/]+)/regenerate)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const auto old = json::parse(read_file(history.entry(req.matches[1]) / "settings.json"));
            submit_song(maker.prepare({{"run", old.at("run")}, {"knobs", old.at("knobs")}}), res);
        }));

        // The song's metrics next to its run's corpus (a job: the corpus is evaluated on first use).
        http.Post(R"(/api/songs/([^/]+)/metrics)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const fs::path dir = history.entry(req.matches[1]);
            const auto settings = json::parse(read_file(dir / "settings.json"));
            const fs::path corpus = describe_run(run_path(config.runs, settings.at("run").get<std::string>())).corpus;
            auto id = pool.submit("metrics", [this, dir, corpus](JobProgress& p) { return metrics.compare(dir, corpus, p); });
            if (!id) return send_error(res, 503, "too many jobs waiting; try again later");
            send_json(res, {{"job", *id}}, 202);
        }));

        // Some lanes only (mute and solo on the page): rendered as it is sent, never kept.
        http.Get(R"(/api/songs/([^/]+)/mix\.wav)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const fs::path dir = history.entry(req.matches[1]);
            std::vector<int> lanes;
            std::stringstream list(req.get_param_value("lanes"));
            for (std::string item; std::getline(list, item, ',');) {
                if (item.empty() || item.size() > 2 || item.find_first_not_of("0123456789") != std::string::npos)
                    throw UsageError("lanes: expected lane numbers like 0,2,3, got '" + req.get_param_value("lanes") + "'");
                lanes.push_back(std::stoi(item));
            }
            if (lanes.empty()) throw UsageError("lanes: expected at least one lane (?lanes=0,2)");
#ifdef QUINTET_HAVE_AUDIO
            auto song = std::make_shared<const Multitrack>(song_from_notes_json(json::parse(read_file(dir / "notes.json")), lanes));
            AudioOptions audio;
            audio.soundfont = resolve_soundfont(audio);
            auto wav = std::make_shared<SeekableWav>(song, audio);
            res.set_content_provider(wav->size(), "audio/wav", [wav](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                std::string bytes;
                wav->read(offset, std::min<std::size_t>(length, 1 << 16), bytes);
                return !bytes.empty() && sink.write(bytes.data(), bytes.size());
            });
#else
            throw UsageError("this build has no audio (QUINTET_WITH_AUDIO=OFF)");
#endif
        }));

#ifdef QUINTET_HAVE_AUDIO
        // The song's WAV: the history's file when whole, else the render under way, sent as it is written.
        http.Get(R"(/api/songs/([^/]+)/song\.wav)", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const std::string id = req.matches[1];
            const fs::path dir = history.entry(id);
            res.set_header("Content-Disposition", "attachment; filename=\"song-" + id + "-song.wav\"");
            if (auto r = renders.find_or_start(id)) {
                res.set_content_provider(r->size(), "audio/wav", [r](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                    std::string bytes;
                    // Short waits: the server's stop is seen between two calls.
                    if (!r->read(offset, std::min<std::size_t>(length, 1 << 16), bytes, std::chrono::milliseconds(500))) return false;
                    return bytes.empty() ? sink.is_writable() : sink.write(bytes.data(), bytes.size());
                });
                return;
            }
            send_file(res, dir / "song.wav", "audio/wav");
        }));
#endif

        http.Get(R"(/api/songs/([^/]+)/([a-z]+\.[a-z]+))", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const fs::path dir = history.entry(req.matches[1]);
            const std::string file = req.matches[2];
            for (const auto& [name, type] : kSongFiles) {
                if (file != name) continue;
                std::error_code ec;
                if (!fs::is_regular_file(dir / name, ec)) return send_error(res, 404, "song " + std::string(req.matches[1]) + " has no " + name);
                send_file(res, dir / name, type);
                if (file != "notes.json") res.set_header("Content-Disposition", "attachment; filename=\"song-" + std::string(req.matches[1]) + "-" + name + "\"");
                return;
            }
            send_error(res, 404, "no such file of a song: " + file);
        }));

        // Training: start (or resume), stop; the curve is the run's, read by GET /api/runs/NAME.
        http.Get("/api/corpora", guarded([this](const httplib::Request&, httplib::Response& res) { send_json(res, training.corpora()); }));
        http.Post("/api/train", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const std::string id = training.start(json::parse(req.body));
            if (id.empty()) return send_error(res, 503, "a training is under way and another waits; try again later");
            send_json(res, {{"job", id}}, 202);
        }));
        http.Post("/api/train/stop", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const json body = json::parse(req.body);
            const std::string run = body.value("run", std::string());
            if (!training.stop(run)) return send_error(res, 404, "no training of run '" + run + "' is under way");
            send_json(res, {{"stopping", run}});
        }));

        // Uploads: the body is the file; ?name= its original name (the extension says how to read it).
        http.Post("/api/uploads", guarded([this](const httplib::Request& req, httplib::Response& res) {
            const std::string name = req.get_param_value("name");
            if (name.empty()) return send_error(res, 400, "expected ?name=FILE.mid (or .npz)");
            if (req.body.empty()) return send_error(res, 400, name + ": the upload is empty");
            send_json(res, uploads.add(req.body, fs::path(name).filename().string()), 201);
        }));
    }
};

StudioServer::StudioServer(StudioConfig config) {
    std::error_code ec;
    if (!fs::is_directory(config.runs, ec)) throw IoError(config.runs.string() + ": the runs directory does not exist");
    impl_ = std::make_unique<Impl>(std::move(config));
}

StudioServer::~StudioServer() {
    if (impl_) {
        impl_->http.stop();
        impl_->pool.shutdown();
        impl_->training.shutdown();
#ifdef QUINTET_HAVE_AUDIO
        impl_->renders.shutdown();
#endif
    }
}

int StudioServer::bind() {
    auto& c = impl_->config;
    if (c.port == 0) {
        const int port = impl_->http.bind_to_any_port(c.host);
        if (port < 0) throw IoError("cannot listen on " + c.host);
        return port;
    }
    if (!impl_->http.bind_to_port(c.host, c.port))
        throw IoError("cannot listen on " + c.host + ":" + std::to_string(c.port) + " (in use, or not an address of this machine)");
    return c.port;
}

void StudioServer::serve() {
    impl_->http.listen_after_bind();
    impl_->pool.shutdown();
    impl_->training.shutdown();
#ifdef QUINTET_HAVE_AUDIO
    impl_->renders.shutdown();  // after the songs: a song that finished while stopping queued its render
#endif
}

void StudioServer::stop() { impl_->http.stop(); }

}  // namespace quintet::studio
