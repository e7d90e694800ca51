#include "systems/vae_nn/fast_load.hpp"

#include <vector>

#include "nn/archive_tensors.hpp"
#include "systems/vae_nn/run_info.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

// The header run_model.cpp writes in front of the weights; header(key) gives its tensors.
template <class Header>
void check_header(const Header& header, const VaeNnRunInfo& info, const fs::path& file) {
    torch::Tensor kind = header("kind_vae_nn"), latent = header("latent"), bernoulli = header("bernoulli");
    if (!kind.defined() || !latent.defined() || !bernoulli.defined() || latent.numel() != 1 || bernoulli.numel() != 1)
        throw FormatError(file.string(), "not a VAE-NN checkpoint (no VAE-NN header)");
    if (latent.item<std::int64_t>() != info.latent)
        throw FormatError(file.string(), "checkpoint has latent size K=" + std::to_string(latent.item<std::int64_t>()) +
                                             ", expected K=" + std::to_string(info.latent));
    const bool is_bernoulli = bernoulli.item<std::int64_t>() != 0;
    if (is_bernoulli != (parse_likelihood(info.likelihood) == Likelihood::Bernoulli))
        throw FormatError(file.string(), std::string("checkpoint was trained with the ") +
                                             (is_bernoulli ? "bernoulli" : "gaussian") + " likelihood");
}

VaeNnInference pack(const VaeNnRunInfo& info, const ParameterSource& source, const fs::path& file) {
    try {
        return VaeNnInference(info.latent, parse_likelihood(info.likelihood), info.latent_nets == "residual", source,
                              file.string());
    } catch (const c10::Error& e) {
        std::string what = e.what_without_backtrace();
        throw FormatError(file.string(), "checkpoint does not match the model: " + what.substr(0, what.find('\n')));
    }
}

std::vector<std::string> split_name(const std::string& name) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (std::size_t dot; (dot = name.find('.', start)) != std::string::npos; start = dot + 1)
        parts.push_back(name.substr(start, dot - start));
    parts.push_back(name.substr(start));
    return parts;
}

}  // namespace

VaeNnInference load_run_inference(const fs::path& run_dir, bool mapped) {
    auto info = read_run_info(run_dir);
    const fs::path file = run_dir / "model.pt";
    if (!fs::exists(file)) throw IoError(file.string() + ": no such checkpoint");
    // The archive's tensors straight from the mapped file when it has the layout torch writes ...
    if (auto tensors = mapped ? ArchiveTensors::open(file) : std::nullopt) {
        check_header([&](const std::string& key) { return tensors->find(key); }, info, file);
        return pack(info, [&](const std::string& name) { return tensors->find("model." + name); }, file);
    }
    // ... else through torch's own loader (which also gives the errors of a damaged or foreign file).
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(file.string(), torch::kCPU);
    } catch (const c10::Error&) {
        throw FormatError(file.string(), "not a torch archive");
    }
    check_header(
        [&](const std::string& key) {
            torch::Tensor t;
            return archive.try_read(key, t) ? t : torch::Tensor();
        },
        info, file);
    torch::serialize::InputArchive weights;
    if (!archive.try_read("model", weights)) throw FormatError(file.string(), "no weights in the checkpoint");
    // Module::save nests one archive per submodule: "vae_piano.enc1.weight" is model/vae_piano/enc1/weight.
    return pack(
        info,
        [&weights](const std::string& name) {
            auto parts = split_name(name);
            std::vector<torch::serialize::InputArchive> path(parts.size() - 1);
            torch::serialize::InputArchive* at = &weights;
            for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
                if (!at->try_read(parts[i], path[i])) return torch::Tensor();
                at = &path[i];
            }
            torch::Tensor t;
            if (!at->try_read(parts.back(), t)) return torch::Tensor();
            return t;
        },
        file);
}

}  // namespace quintet
