#include "systems/note_gru/model.hpp"

#include "nn/fused_gru.hpp"

namespace quintet {

NoteGruShape shape_of(const NoteGruRunInfo& info) {
    return {info.vocabulary, info.embedding, info.hidden, info.layers, info.all_layers};
}

NoteGruNetImpl::NoteGruNetImpl(const NoteGruShape& shape) : shape_(shape) {
    embedding = register_module("embedding", torch::nn::Embedding(shape.vocabulary, shape.embedding));
    for (std::int64_t l = 0; l < shape.layers; ++l) {
        const std::int64_t in = l == 0 ? shape.embedding : shape.hidden;
        grus.push_back(register_module("gru" + std::to_string(l), torch::nn::GRU(torch::nn::GRUOptions(in, shape.hidden).batch_first(true))));
    }
    const std::int64_t readout = shape.all_layers ? shape.hidden * shape.layers : shape.hidden;
    decoder = register_module("decoder", torch::nn::Linear(readout, shape.vocabulary));
}

torch::Tensor NoteGruNetImpl::forward(const torch::Tensor& ids, torch::Tensor& state) {
    torch::Tensor x = embedding->forward(ids);
    std::vector<torch::Tensor> outputs, states;
    for (std::size_t l = 0; l < grus.size(); ++l) {
        torch::Tensor h0 = state.defined() ? state.narrow(0, std::int64_t(l), 1) : torch::Tensor();
        auto [y, h] = run_gru(grus[l], x, h0);
        outputs.push_back(y);
        states.push_back(h);
        x = y;
    }
    state = torch::cat(states, 0);
    return decoder->forward(shape_.all_layers && grus.size() > 1 ? torch::cat(outputs, -1) : x);
}

NllSum sequences_nll(NoteGruNet& net, const std::vector<std::vector<std::int64_t>>& sequences, const torch::Device& device,
                     int batch, int chunk) {
    torch::NoGradGuard no_grad;
    std::vector<std::size_t> order(sequences.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sequences[a].size() > sequences[b].size(); });
    NllSum sum;
    for (std::size_t first = 0; first < order.size(); first += std::size_t(batch)) {
        const std::size_t count = std::min(order.size() - first, std::size_t(batch));
        const std::int64_t longest = std::int64_t(sequences[order[first]].size());
        if (longest < 2) break;  // sorted: the rest predict nothing either
        auto ids = torch::zeros({std::int64_t(count), longest}, torch::kLong);
        auto lengths = torch::zeros({std::int64_t(count), 1}, torch::kLong);
        for (std::size_t b = 0; b < count; ++b) {
            const auto& s = sequences[order[first + b]];
            std::copy(s.begin(), s.end(), ids[std::int64_t(b)].data_ptr<std::int64_t>());
            lengths[std::int64_t(b)][0] = std::int64_t(s.size());
        }
        ids = ids.to(device);
        lengths = lengths.to(device);
        torch::Tensor state;
        for (std::int64_t c = 0; c < longest - 1; c += chunk) {
            const std::int64_t n = std::min<std::int64_t>(chunk, longest - 1 - c);
            auto logits = net->forward(ids.narrow(1, c, n), state);
            auto target = ids.narrow(1, c + 1, n);
            auto log_p = torch::log_softmax(logits.to(torch::kDouble), -1).gather(2, target.unsqueeze(2)).squeeze(2);
            // Target position c + 1 + j exists in a sequence of length L when c + 1 + j < L.
            auto mask = (torch::arange(c + 1, c + 1 + n, torch::TensorOptions(torch::kLong).device(device)).unsqueeze(0) < lengths);
            sum.nll -= log_p.masked_select(mask).sum().item<double>();
            sum.tokens += mask.sum().item<std::int64_t>();
        }
    }
    return sum;
}

NoteGruWeights weights_of(NoteGruNet& net) {
    auto floats = [](const torch::Tensor& t) {
        const auto c = t.detach().to(torch::kCPU, torch::kFloat).contiguous();
        return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    };
    const NoteGruShape& s = net->shape();
    NoteGruWeights w;
    w.vocabulary = s.vocabulary;
    w.embedding = s.embedding;
    w.hidden = s.hidden;
    w.all_layers = s.all_layers;
    w.embedding_table = floats(net->embedding->weight);
    for (auto& gru : net->grus) {
        auto p = gru->named_parameters();
        w.layers.push_back({floats(p["weight_ih_l0"]), floats(p["weight_hh_l0"]), floats(p["bias_ih_l0"]), floats(p["bias_hh_l0"])});
    }
    w.decoder_w = floats(net->decoder->weight);
    w.decoder_b = floats(net->decoder->bias);
    return w;
}

namespace {
std::string vocabulary_text(std::int64_t v) { return "a vocabulary of " + std::to_string(v) + " tokens"; }
std::string readout_text(std::int64_t all) { return all ? "the all-layers readout" : "the top-layer readout"; }
}  // namespace

CheckpointLayout note_gru_layout(NoteGruNet& net, torch::optim::Optimizer* optimizer) {
    const NoteGruShape& s = net->shape();
    CheckpointLayout layout;
    layout.kind_name = "note-RNN";
    layout.header = {{"kind_note_rnn", kNoteGruFormat, nullptr},
                     {"vocabulary", s.vocabulary, vocabulary_text},
                     {"embedding", s.embedding, nullptr},
                     {"hidden", s.hidden, nullptr},
                     {"layers", s.layers, nullptr},
                     {"all_layers", s.all_layers ? 1 : 0, readout_text}};
    layout.modules = {{"net", net.ptr().get()}};
    if (optimizer) layout.optimizers.emplace_back("optimizer", optimizer);
    return layout;
}

void save_net(const std::filesystem::path& file, NoteGruNet& net) { save_weights(file, note_gru_layout(net)); }

void load_net(const std::filesystem::path& file, NoteGruNet& net) { load_weights(file, note_gru_layout(net)); }

NoteGruNet load_run_net(const std::filesystem::path& run_dir, const torch::Device& device) {
    const NoteGruRunInfo info = read_note_gru_run_info(run_dir);
    NoteGruNet net(shape_of(info));
    load_net(run_dir / "model.pt", net);
    net->to(device);
    net->eval();
    return net;
}

}  // namespace quintet
