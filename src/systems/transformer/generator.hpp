#pragma once
// Generation with a trained Transformer-XL: one token per step through the key/value cache, drawn as
// MusicAutobot's MusicLearner.predict draws (note and duration temperatures, repeat penalty, only ids that
// can follow the previous one, top-k then top-p), until the song reaches the asked length.
#include <array>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "systems/system.hpp"
#include "systems/transformer/fast_step.hpp"
#include "systems/transformer/run_model.hpp"
#include "systems/transformer/sample_options.hpp"

namespace quintet {

// --from/--keep on lpd5 runs: the kept instruments' groups of tokens (`iF nP dD ...`, as encode_tokens writes
// them) at each onset step of the song. Generation forces each group into the stream at its place: when the
// model, at the song's step, draws what would go past a kept group (a later instrument or the advance), the
// group is written instead and the model goes on after it; kept instruments are never drawn, a kept group
// is never continued, and an advance never passes the song's next kept onset.
struct KeptTokens {
    std::array<bool, 5> kept{};  // by LPD-5 family
    std::map<std::size_t, std::vector<std::vector<int>>> groups;  // onset step -> groups, in family order
};
KeptTokens kept_tokens(const Multitrack& song, const std::vector<int>& keep);

class TransformerGenerator {
public:
    TransformerGenerator(const std::filesystem::path& run_dir, const std::string& device);
    // The ids of a song: `primer` (starting with xxbos xxpad) then drawn ids until `steps` 16th steps.
    // With `kept` (lpd5): its groups forced in (above).
    std::vector<int> generate_ids(const std::vector<int>& primer, std::size_t steps, std::uint64_t seed,
                                  const TransformerSampleConfig& c, const KeptTokens* kept = nullptr);
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
