#pragma once
// A song's metrics next to its run's corpus: `quintet eval`'s comparison (every MusPy / MuseGAN / pypianoroll
// metric of the song, the same metrics of the corpus's valid split, the difference), as JSON for the page.
// The corpus side is evaluated once per corpus and kept.
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "eval/evaluation.hpp"
#include "studio/job_pool.hpp"

namespace quintet::studio {

class SongMetrics {
public:
    // `song_dir`: a history entry (notes.json, settings.json); `corpus`: the run's store. Returns
    // eval::comparison_json's object. IoError when the corpus is gone.
    nlohmann::json compare(const std::filesystem::path& song_dir, const std::filesystem::path& corpus, JobProgress& progress);

private:
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<eval::SetEvaluator>> references_;  // corpus path -> its valid split
};

}  // namespace quintet::studio
