#include "studio/song_metrics.hpp"

#include "eval/song_set.hpp"
#include "studio/song_maker.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet::studio {

namespace fs = std::filesystem;
using nlohmann::json;

json SongMetrics::compare(const fs::path& song_dir, const fs::path& corpus, JobProgress& progress) {
    eval::EvalOptions options;  // quintet eval's defaults
    options.keep_rows = false;
    std::shared_ptr<eval::SetEvaluator> reference;
    {
        std::lock_guard lock(mutex_);  // one corpus evaluation at a time; later requests find it kept
        auto it = references_.find(corpus.string());
        if (it == references_.end()) {
            std::error_code ec;
            if (!fs::is_regular_file(corpus, ec)) throw IoError(corpus.string() + ": the run's training corpus is gone");
            progress.report(0.1, "evaluating the corpus (valid split; once per corpus)");
            auto ref = std::make_shared<eval::SetEvaluator>(options);
            eval::evaluate_set("reference", eval::collect_songs({corpus.string()}, "valid", 0), *ref, 1, nullptr);
            it = references_.emplace(corpus.string(), ref).first;
        }
        reference = it->second;
    }
    progress.report(0.8, "evaluating the song");
    eval::SetEvaluator generated(options);
    generated.add("song", song_from_notes_json(json::parse(read_file(song_dir / "notes.json"))));
    return json::parse(eval::comparison_json(eval::compare_sets(generated, *reference, options)));
}

}  // namespace quintet::studio
