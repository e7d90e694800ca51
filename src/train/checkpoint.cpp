#include "train/checkpoint.hpp"

#include "train/run_files.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

void write_header(torch::serialize::OutputArchive& archive, VaeNnModel& model) {
    archive.write("kind_vae_nn", torch::tensor(std::int64_t{kVaeNnFormat}));
    archive.write("latent", torch::tensor(std::int64_t{model->latent()}));
    archive.write("bernoulli", torch::tensor(std::int64_t{model->likelihood() == Likelihood::Bernoulli}));
}

// Checks the header before touching the weights, so another model or K fails with a clear message.
void check_header(torch::serialize::InputArchive& archive, VaeNnModel& model, const fs::path& file) {
    torch::Tensor kind, latent, bernoulli;
    if (!archive.try_read("kind_vae_nn", kind))
        throw FormatError(file.string(), "not a VAE-NN checkpoint (no VAE-NN header)");
    archive.read("latent", latent);
    archive.read("bernoulli", bernoulli);
    if (latent.item<std::int64_t>() != model->latent())
        throw FormatError(file.string(), "checkpoint has latent size K=" + std::to_string(latent.item<std::int64_t>()) +
                                             ", expected K=" + std::to_string(model->latent()));
    bool is_bernoulli = bernoulli.item<std::int64_t>() != 0;
    if (is_bernoulli != (model->likelihood() == Likelihood::Bernoulli))
        throw FormatError(file.string(), std::string("checkpoint was trained with the ") +
                                             (is_bernoulli ? "bernoulli" : "gaussian") + " likelihood");
}

// Tensors are mapped straight onto the model's device: loading then keeps every parameter where it is.
torch::serialize::InputArchive open_archive(const fs::path& file, VaeNnModel& model) {
    if (!fs::exists(file)) throw IoError(file.string() + ": no such checkpoint");
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(file.string(), model->parameters().front().device());
    } catch (const c10::Error&) {
        throw FormatError(file.string(), "not a torch archive");
    }
    return archive;
}

template <class F>
void as_format_error(const fs::path& file, F&& f) {
    try {
        f();
    } catch (const c10::Error& e) {
        std::string what = e.what_without_backtrace();
        throw FormatError(file.string(), "checkpoint does not match the model: " + what.substr(0, what.find('\n')));
    }
}

}  // namespace

void save_model(const fs::path& file, VaeNnModel& model) {
    torch::serialize::OutputArchive archive;
    write_header(archive, model);
    torch::serialize::OutputArchive weights;
    model->save(weights);
    archive.write("model", weights);
    write_atomically(file, [&](const fs::path& tmp) { archive.save_to(tmp.string()); });
}

void load_model(const fs::path& file, VaeNnModel& model) {
    auto archive = open_archive(file, model);
    check_header(archive, model, file);
    as_format_error(file, [&] {
        torch::serialize::InputArchive weights;
        archive.read("model", weights);
        model->load(weights);
    });
}

void save_checkpoint(const fs::path& file, VaeNnModel& model, torch::optim::Optimizer& vae_optimizer,
                     torch::optim::Optimizer& net_optimizer, const TrainPosition& p) {
    torch::serialize::OutputArchive archive;
    write_header(archive, model);
    torch::serialize::OutputArchive weights, opt1, opt2;
    model->save(weights);
    vae_optimizer.save(opt1);
    net_optimizer.save(opt2);
    archive.write("model", weights);
    archive.write("vae_optimizer", opt1);
    archive.write("net_optimizer", opt2);
    archive.write("position", torch::tensor({std::int64_t{p.stage}, std::int64_t{p.epoch}, std::int64_t{p.bad_epochs}}));
    archive.write("best_valid", torch::tensor(p.best_valid, torch::kDouble));
    write_atomically(file, [&](const fs::path& tmp) { archive.save_to(tmp.string()); });
}

TrainPosition load_checkpoint(const fs::path& file, VaeNnModel& model, torch::optim::Optimizer& vae_optimizer,
                              torch::optim::Optimizer& net_optimizer) {
    auto archive = open_archive(file, model);
    check_header(archive, model, file);
    TrainPosition p;
    as_format_error(file, [&] {
        torch::serialize::InputArchive weights, opt1, opt2;
        archive.read("model", weights);
        model->load(weights);
        archive.read("vae_optimizer", opt1);
        vae_optimizer.load(opt1);
        archive.read("net_optimizer", opt2);
        net_optimizer.load(opt2);
        torch::Tensor pos, best;
        archive.read("position", pos);
        archive.read("best_valid", best);
        p.stage = static_cast<int>(pos[0].item<std::int64_t>());
        p.epoch = static_cast<int>(pos[1].item<std::int64_t>());
        p.bad_epochs = static_cast<int>(pos[2].item<std::int64_t>());
        p.best_valid = best.item<double>();
    });
    return p;
}

VaeNnModel load_run_model(const fs::path& run_dir, const torch::Device& device) {
    auto info = read_run_info(run_dir);
    VaeNnModel model(info.latent, parse_likelihood(info.likelihood), info.latent_nets == "residual");
    load_model(run_dir / "model.pt", model);
    model->to(device);
    model->eval();
    return model;
}

}  // namespace quintet
