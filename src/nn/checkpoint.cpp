#include "nn/checkpoint.hpp"

#include <sstream>

#include "nn/data_parallel.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace quintet {

namespace fs = std::filesystem;

namespace {

std::string first_line(const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    return what.substr(0, what.find('\n'));
}

torch::serialize::OutputArchive with_header(const CheckpointLayout& layout) {
    torch::serialize::OutputArchive archive;
    for (const auto& f : layout.header) archive.write(f.key, torch::tensor(f.value));
    for (const auto& [name, module] : layout.modules) {
        torch::serialize::OutputArchive part;
        module->save(part);
        archive.write(name, part);
    }
    return archive;
}

// The archive is serialised in memory first and then written with checked writes: torch's file writer
// aborts the process when a write fails (its destructor throws while the first error unwinds).
void write_archive(const fs::path& file, torch::serialize::OutputArchive& archive) {
    std::string bytes;
    archive.save_to([&](const void* data, std::size_t size) {
        bytes.append(static_cast<const char*>(data), size);
        return size;
    });
    write_file_atomically(file, bytes);
}

std::string describe(const CheckpointField& f, std::int64_t value) {
    return f.describe ? f.describe(value) : f.key + " " + std::to_string(value);
}

void check_header(torch::serialize::InputArchive& archive, const CheckpointLayout& layout, const fs::path& file) {
    for (std::size_t i = 0; i < layout.header.size(); ++i) {
        const auto& f = layout.header[i];
        torch::Tensor t;
        if (!archive.try_read(f.key, t) || t.numel() != 1) {
            if (i == 0) throw FormatError(file.string(), "not a " + layout.kind_name + " checkpoint (no " + layout.kind_name + " header)");
            throw FormatError(file.string(), "checkpoint header has no \"" + f.key + "\"");
        }
        const std::int64_t found = t.item<std::int64_t>();
        if (found != f.value)
            throw FormatError(file.string(), "checkpoint holds " + describe(f, found) + ", expected " + describe(f, f.value));
    }
}

// Tensors are mapped straight onto the modules' device: loading then keeps every parameter where it is.
torch::serialize::InputArchive open_archive(const fs::path& file, const CheckpointLayout& layout) {
    if (!fs::exists(file)) throw IoError(file.string() + ": no such checkpoint");
    torch::Device device = torch::kCPU;
    for (const auto& [name, module] : layout.modules) {
        auto params = module->parameters();
        if (!params.empty()) {
            device = params.front().device();
            break;
        }
    }
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(file.string(), device);
    } catch (const c10::Error&) {
        throw FormatError(file.string(), "not a torch archive");
    }
    check_header(archive, layout, file);
    return archive;
}

template <class F>
void as_format_error(const fs::path& file, F&& f) {
    try {
        f();
    } catch (const c10::Error& e) {
        throw FormatError(file.string(), "checkpoint does not match the model: " + first_line(e));
    }
}

void read_modules(torch::serialize::InputArchive& archive, const CheckpointLayout& layout) {
    for (const auto& [name, module] : layout.modules) {
        torch::serialize::InputArchive part;
        archive.read(name, part);
        module->load(part);
    }
}

}  // namespace

void save_weights(const fs::path& file, const CheckpointLayout& layout) {
    if (!DataParallel::current().writes()) return;  // rank 0 alone writes a distributed run's files
    auto archive = with_header(layout);
    write_archive(file, archive);
}

void load_weights(const fs::path& file, const CheckpointLayout& layout) {
    auto archive = open_archive(file, layout);
    as_format_error(file, [&] { read_modules(archive, layout); });
}

void save_checkpoint(const fs::path& file, const CheckpointLayout& layout, const TrainPosition& p) {
    if (!DataParallel::current().writes()) return;
    auto archive = with_header(layout);
    for (const auto& [name, optimizer] : layout.optimizers) {
        torch::serialize::OutputArchive part;
        optimizer->save(part);
        archive.write(name, part);
    }
    archive.write("position", torch::tensor({std::int64_t{p.stage}, std::int64_t{p.epoch}, std::int64_t{p.bad_epochs}}));
    archive.write("best_valid", torch::tensor(p.best_valid, torch::kDouble));
    write_archive(file, archive);
}

TrainPosition load_checkpoint(const fs::path& file, const CheckpointLayout& layout) {
    auto archive = open_archive(file, layout);
    TrainPosition p;
    as_format_error(file, [&] {
        read_modules(archive, layout);
        for (const auto& [name, optimizer] : layout.optimizers) {
            torch::serialize::InputArchive part;
            archive.read(name, part);
            optimizer->load(part);
        }
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

}  // namespace quintet
