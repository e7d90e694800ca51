#include "systems/sample_set.hpp"

#include "runs/run_dir.hpp"
#include "systems/registry.hpp"
#include "util/error.hpp"

namespace quintet {

SampledSet sample_set(const SampleSetRequest& r) {
    if (r.songs < 1) throw UsageError("-n must be at least 1");
    const RunDescription run = describe_run(r.run);
    auto system = make_system(run.kind);  // an unknown kind fails here, before anything loads
    std::unique_ptr<Settings> defaults;
    if (!r.settings) defaults = system->sample_settings();
    const Settings& settings = r.settings ? *r.settings : *defaults;
    SampledSet out;
    out.kind = run.kind;
    out.corpus = run.corpus;
    auto sampler = system->open(r.run, r.device);
    for (std::size_t i = 0; i < r.songs; ++i) {
        SampleRequest song = r.first;
        song.seed = r.first.seed + i;
        out.songs.push_back(sampler->sample(song, settings));
        if (r.on_song) r.on_song(i + 1, r.songs);
    }
    std::error_code ec;
    if (std::filesystem::is_regular_file(run.corpus, ec))
        out.test_likelihood = system->split_likelihood(r.run, run.corpus, "test", r.device);
    return out;
}

}  // namespace quintet
