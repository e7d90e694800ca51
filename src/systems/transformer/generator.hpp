#pragma once
// Generation with a trained Transformer-XL: one token per step through the key/value cache, drawn as
// MusicAutobot's MusicLearner.predict draws (note and duration temperatures, repeat penalty, only ids that
// can follow the previous one, top-k then top-p), until the song reaches the asked length.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "systems/system.hpp"
#include "systems/transformer/fast_step.hpp"
#include "systems/transformer/run_model.hpp"
#include "systems/transformer/sample_options.hpp"

namespace quintet {

class TransformerGenerator {
public:
    TransformerGenerator(const std::filesystem::path& run_dir, const std::string& device);
    // The ids of a song: `primer` (starting with xxbos xxpad) then drawn ids until `steps` 16th steps.
    std::vector<int> generate_ids(const std::vector<int>& primer, std::size_t steps, std::uint64_t seed,
                                  const TransformerSampleConfig& c);
    Multitrack generate(const SampleRequest& request, const TransformerSampleConfig& c);
    TokenVocab vocab() const { return run_.vocab; }
    // On the CPU each new token goes through XlFastStep (weights packed at load); use_fast_path(false), and other
    // devices, use the module's single-token step. The primer goes through the module's batched step either way.
    void use_fast_path(bool on) { use_fast_ = on; }
    bool fast_path() const { return use_fast_ && fast_ != nullptr; }

private:
    TransformerRun run_;
    torch::Device device_;
    std::unique_ptr<XlFastStep> fast_;  // CPU only
    bool use_fast_ = true;
};

// Which ids may follow `previous` (MusicAutobot's filter_invalid_indexes, with the lpd5 instrument tokens):
// after a note or xxsep a duration; after anything else a note, xxsep or (lpd5) an instrument. xxbos and the
// other specials are never drawn: the length is the caller's.
std::vector<bool> allowed_next(int previous, int family, TokenVocab vocab);

}  // namespace quintet
