#pragma once
// Note-GRU generation on a loaded run (no torch in this header): a primer (the opening bars of a --prime file,
// or of a random train song of the run's corpus, or one token drawn from the train split's token counts)
// is fed once, then tokens are drawn one at a time from the cached hidden state (nn/sampling.hpp), and the
// tokens are decoded to the run's instrument.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "represent/note_tokens.hpp"
#include "roll/multitrack.hpp"
#include "systems/note_gru/run_info.hpp"
#include "systems/note_gru/sample_options.hpp"

namespace quintet {

class NoteGruGenerator {
public:
    // Loads model.json, vocabulary.tsv and model.pt; UsageError/FormatError on a missing or foreign run.
    NoteGruGenerator(const std::filesystem::path& run_dir, const std::string& device = "cpu");
    ~NoteGruGenerator();
    NoteGruGenerator(const NoteGruGenerator&) = delete;
    NoteGruGenerator& operator=(const NoteGruGenerator&) = delete;

    // A song of options.bars bars: one track (the run's instrument, its GM program) at the token scheme's
    // output resolution, the primer first. UsageError on bad options or a primer without notes.
    Multitrack generate(const NoteGruGenerateOptions& options);

    // The primer of a song: its tokens and, for the steps scheme, its own roll (the output keeps those notes
    // as they are). Draws (the corpus song) come from the seed's generator, as in generate().
    struct Primer {
        std::vector<std::string> tokens;
        Track roll;  // at the run's resolution; empty for the events scheme and the token-count start
    };
    Primer primer(const NoteGruGenerateOptions& options);

    // `count` ids continuing `prime` (at least one id), drawn with the options' sampling from `seed`; <unk> is
    // never drawn. The primer is fed once; each new token is one step of the cached state.
    std::vector<std::int64_t> continue_ids(const std::vector<std::int64_t>& prime, std::int64_t count,
                                           const NoteGruGenerateOptions& options, std::uint64_t seed);

    const NoteGruRunInfo& info() const;
    const NoteVocabulary& vocabulary() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace quintet
