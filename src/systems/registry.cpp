#include "systems/registry.hpp"

#include <algorithm>

#include "systems/cnn/system.hpp"
#include "systems/frame_rnn/system.hpp"
#include "systems/gan/system.hpp"
#include "systems/note_gru/system.hpp"
#include "systems/transformer/system.hpp"
#include "systems/vae_nn/system.hpp"
#include "util/error.hpp"

namespace quintet {

const std::vector<SystemEntry>& registered_systems() {
    static const std::vector<SystemEntry> systems = {
        // In the article's order.
        {"note-rnn", {"note-gru"}, [] { return std::unique_ptr<System>(std::make_unique<NoteGruSystem>()); }},
        {"frame-rnn", {}, [] { return std::unique_ptr<System>(std::make_unique<FrameRnnSystem>()); }},
        {"cnn", {}, [] { return std::unique_ptr<System>(std::make_unique<CnnSystem>()); }},
        {"vae-nn", {"vae"}, [] { return std::unique_ptr<System>(std::make_unique<VaeNnSystem>()); }},
        {"gan", {"dcgan"}, [] { return std::unique_ptr<System>(std::make_unique<GanSystem>()); }},
        {"transformer", {"transformer-xl"}, [] { return std::unique_ptr<System>(std::make_unique<TransformerSystem>()); }},
    };
    return systems;
}

std::unique_ptr<System> make_system(const std::string& kind) {
    std::string known;
    for (const auto& e : registered_systems()) {
        if (e.kind == kind || std::find(e.aliases.begin(), e.aliases.end(), kind) != e.aliases.end()) return e.make();
        known += (known.empty() ? "" : ", ") + e.kind;
    }
    throw UsageError("'" + kind + "' is not a system of this build; known: " + known);
}

}  // namespace quintet
