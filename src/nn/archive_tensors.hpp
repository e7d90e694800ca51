#pragma once
// The tensors of a LibTorch archive (torch::serialize::OutputArchive::save_to: a zip holding data.pkl and one
// stored entry per tensor storage), read without the TorchScript importer. torch's own loader compiles the
// archive's module types before any tensor is read (~25-40 ms of a ~60 ms model load here); this reader
// maps the file and interprets the few pickle opcodes such an archive uses. Anything it does not know makes
// open() return nothing, and the caller uses torch's loader instead.
#include <torch/torch.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace quintet {

class ArchiveTensors {
public:
    static std::optional<ArchiveTensors> open(const std::filesystem::path& file);

    // A tensor by its dotted path of archive keys ("model.<module>.<parameter>"); undefined when absent.
    // The tensors view the mapped file: valid while this object lives (copy what must outlive it).
    torch::Tensor find(const std::string& name) const;
    std::size_t size() const { return tensors_.size(); }

private:
    std::shared_ptr<void> mapping_;
    std::map<std::string, torch::Tensor> tensors_;
};

}  // namespace quintet
