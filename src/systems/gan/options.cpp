#include "systems/gan/options.hpp"

#include <sstream>
#include <utility>

#include "roll/multitrack.hpp"
#include "util/error.hpp"

namespace quintet {

void GanShape::validate() const {
    if (resolution < 1) throw UsageError("gan: resolution must be positive");
    if (steps < 32 || steps % 32 != 0)
        throw UsageError("gan: steps per block must be a multiple of 32 (D halves the time axis five times), got " +
                         std::to_string(steps));
    if (steps % (resolution * 4) != 0) throw UsageError("gan: a block must hold whole 4/4 bars");
    if (lowest_pitch < 0 || pitches < 1 || lowest_pitch + pitches > kPitches)
        throw UsageError("gan: pitch range outside MIDI 0..127");
}

GanShape gan_shape_preset(const std::string& name) {
    if (name == "original") return GanShape{4, 64, 24, 72};
    if (name == "article") return GanShape{2, 32, 0, 128};
    throw UsageError("--shape '" + name + "': expected original (5 x 64 x 72) or article (5 x 32 x 128)");
}

GanStabilisers parse_stabilisers(const std::string& text) {
    GanStabilisers s;
    if (text == "none") return s;
    if (text == "all") return GanStabilisers{true, true, true};
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        if (item == "label-smoothing")
            s.label_smoothing = true;
        else if (item == "feature-matching")
            s.feature_matching = true;
        else if (item == "ttur")
            s.ttur = true;
        else
            throw UsageError("--stabilisers '" + text +
                             "': expected all, none or a comma list of label-smoothing, feature-matching, ttur");
    }
    return s;
}

std::string stabilisers_text(const GanStabilisers& s) {
    std::ostringstream out;  // (string += of literals here trips a GCC 12 -Warray-bounds false positive)
    const char* sep = "";
    for (auto [on, name] : {std::pair{s.label_smoothing, "label-smoothing"}, std::pair{s.feature_matching, "feature-matching"},
                            std::pair{s.ttur, "ttur"}})
        if (on) {
            out << sep << name;
            sep = ",";
        }
    return out.str().empty() ? "none" : out.str();
}

GanLoss parse_gan_loss(const std::string& text) {
    if (text == "bce") return GanLoss::Bce;
    if (text == "wgan-gp") return GanLoss::WganGp;
    throw UsageError("--loss '" + text + "': expected bce or wgan-gp");
}

GanOptimiserSettings gan_optimiser_settings(const GanTrainConfig& c, const GanStabilisers& s, GanLoss loss) {
    GanOptimiserSettings o{2e-4, 2e-4, 0.5, 0.999};
    if (loss == GanLoss::WganGp)
        o = {1e-4, 1e-4, 0.5, 0.9};
    else if (s.ttur)
        o = {6e-4, 3e-4, 0.0, 0.99};
    if (c.lr_d > 0) o.lr_d = c.lr_d;
    if (c.lr_g > 0) o.lr_g = c.lr_g;
    return o;
}

std::optional<double> parse_gan_threshold(const std::string& text) {
    if (text == "auto") return std::nullopt;
    std::size_t used = 0;
    double v = -1;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (text.empty() || used != text.size() || !(v >= 0 && v <= 1))
        throw UsageError("--threshold '" + text + "': expected auto or a number in [0, 1]");
    return v;
}

}  // namespace quintet
