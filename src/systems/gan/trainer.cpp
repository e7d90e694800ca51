#include "systems/gan/trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "corpus/store.hpp"
#include "nn/batches.hpp"
#include "nn/data_parallel.hpp"
#include "nn/epoch_loop.hpp"
#include "nn/runtime.hpp"
#include "represent/windows.hpp"
#include "runs/run_dir.hpp"
#include "systems/gan/calibration.hpp"
#include "systems/gan/diversity.hpp"
#include "systems/gan/generator.hpp"
#include "systems/gan/model.hpp"
#include "systems/gan/steps.hpp"
#include "util/error.hpp"
#ifdef QUINTET_HAVE_IMAGES
#include "io/image/line_plot.hpp"
#include "io/image/pianoroll_image.hpp"
#endif

namespace quintet {

namespace fs = std::filesystem;

namespace {

constexpr int kDiversitySamples = kGanFixedSamples;  // fixed-noise samples behind the diversity columns
constexpr int kPictureSamples = 8;     // of them, drawn every --sample-every epochs

const char* const kChannelNames[kGanChannels] = {"drums", "piano", "guitar", "bass", "strings"};

void validate(const GanTrainConfig& c) {
    if (c.corpus.empty()) throw UsageError("--corpus is required");
    if (c.run_dir.empty()) throw UsageError("--out is required");
    if (c.epochs < 0) throw UsageError("--epochs must be >= 0");
    if (c.batch < 2) throw UsageError("--batch must be at least 2 (batch norm needs two samples)");
    if (c.noise_dim < 1) throw UsageError("--noise-dim must be positive");
    if (c.critic_steps == 0 || c.critic_steps < -1) throw UsageError("--critic-steps must be positive");
    if (!(c.gp_weight >= 0)) throw UsageError("--gp-weight must be >= 0");
    if (!(c.lr_d >= 0) || !(c.lr_g >= 0)) throw UsageError("--lr-d and --lr-g must be positive (0: the default)");
    if (c.sample_every < 0) throw UsageError("--sample-every must be >= 0");
    if (c.max_windows < 0) throw UsageError("--max-windows must be >= 0");
}

// The stabilisers a run uses: "auto" is all three with BCE and none with WGAN-GP.
GanStabilisers choose_stabilisers(const GanTrainConfig& c, GanLoss loss) {
    if (c.stabilisers == "auto") return loss == GanLoss::Bce ? GanStabilisers{true, true, true} : GanStabilisers{};
    GanStabilisers s = parse_stabilisers(c.stabilisers);
    if (loss == GanLoss::WganGp && s.label_smoothing)
        throw UsageError("--stabilisers label-smoothing: a WGAN-GP critic has no targets to smooth");
    if (loss == GanLoss::WganGp && s.ttur)
        throw UsageError("--stabilisers ttur: WGAN-GP has its own Adam settings (1e-4, betas 0.5, 0.9; set rates with --lr-d / --lr-g)");
    return s;
}

WindowSpec window_spec(const GanShape& shape) {
    WindowSpec spec;
    spec.resolution = shape.resolution;
    spec.steps = spec.stride = shape.steps;
    spec.tracks = {0, 1, 2, 3, 4};
    spec.lowest_pitch = shape.lowest_pitch;
    spec.pitches = shape.pitches;
    return spec;
}

FlatJsonWriter settings_json(const GanTrainConfig& c, const GanShape& shape, const GanStabilisers& s,
                             const GanOptimiserSettings& o, int critic_steps) {
    FlatJsonWriter w;
    w.add("shape", c.shape)
        .add("resolution", shape.resolution)
        .add("steps", shape.steps)
        .add("lowest_pitch", shape.lowest_pitch)
        .add("pitches", shape.pitches)
        .add("binarised", true)
        .add("noise_dim", c.noise_dim)
        .add("shared_norm", c.shared_norm)
        .add("loss", c.loss)
        .add("stabilisers", stabilisers_text(s))
        .add("d_batch", c.d_batch)
        .add("critic_steps", critic_steps)
        .add("gp_weight", c.gp_weight)
        .add("lr_d", o.lr_d)
        .add("lr_g", o.lr_g)
        .add("beta1", o.beta1)
        .add("beta2", o.beta2)
        .add("epochs", c.epochs)
        .add("batch", c.batch)
        .add("max_windows", static_cast<long long>(c.max_windows))
        .add("sample_every", c.sample_every)
        .add("device", c.device)
        .add("seed", static_cast<long long>(c.seed));
    return w;
}

void check_same_networks(const fs::path& run, const GanNetSettings& want, const std::string& loss) {
    const GanRunInfo had = read_gan_run(run);
    const auto& a = had.nets.shape;
    const auto& b = want.shape;
    if (a.resolution != b.resolution || a.steps != b.steps || a.lowest_pitch != b.lowest_pitch || a.pitches != b.pitches ||
        had.nets.noise_dim != want.noise_dim || had.nets.shared_norm != want.shared_norm || had.loss != loss)
        throw UsageError(run.string() + " holds a GAN of another shape, noise size, norm or loss; resume it with its own settings");
}

#ifdef QUINTET_HAVE_IMAGES
// curve.png: the losses above, D's accuracy and the diversity columns below (they share the 0-1 scale).
void plot_gan_curve(const CurveFile& curve, const fs::path& png) {
    if (curve.rows().size() < 2) return;
    const auto& names = curve.columns();
    auto series = [&](const std::string& column, const std::string& label) {
        Series s{label, {}, {}};
        const auto at = std::size_t(std::find(names.begin(), names.end(), column) - names.begin());
        for (const auto& r : curve.rows()) {
            s.xs.push_back(r.epoch);
            s.ys.push_back(r.columns.at(at));
        }
        return s;
    };
    PlotOptions top{"DCGAN training: losses", "epoch", "loss", 800, 400};
    PlotOptions bottom{"D accuracy and diversity of 64 fixed-noise samples", "epoch", "share", 800, 400};
    Image a = render_line_plot({series("d_loss", "D loss"), series("g_loss", "G loss (adversarial)")}, top);
    Image b = render_line_plot({series("d_acc_real", "D accuracy, real"), series("d_acc_fake", "D accuracy, fake"),
                                series("diversity_jaccard", "mean Jaccard distance"), series("diversity_distinct", "distinct share"),
                                series("density", "notes per cell")},
                               bottom);
    Image both(a.width, a.height + b.height);
    std::copy(a.rgb.begin(), a.rgb.end(), both.rgb.begin());
    std::copy(b.rgb.begin(), b.rgb.end(), both.rgb.begin() + std::ptrdiff_t(a.rgb.size()));
    write_png(both, png);
}
#endif

}  // namespace

std::vector<std::string> gan_curve_columns() {
    return {"d_loss", "g_loss", "d_acc_real", "d_acc_fake", "feature_matching", "gradient_penalty",
            "diversity_jaccard", "diversity_distinct", "density", "threshold"};
}

GanTrainResult train_gan(const GanTrainConfig& config, const EpochCallback& on_epoch) {
    const GanTrainConfig& c = config;
    validate(c);
    const GanLoss loss = parse_gan_loss(c.loss);
    const GanShape shape = gan_shape_preset(c.shape);
    const GanStabilisers stabilisers = choose_stabilisers(c, loss);
    const GanOptimiserSettings adam = gan_optimiser_settings(c, stabilisers, loss);
    const int critic_steps = c.critic_steps > 0 ? c.critic_steps : (loss == GanLoss::WganGp ? 5 : 1);
    if (c.d_batch != "joint" && c.d_batch != "separate") throw UsageError("--d-batch '" + c.d_batch + "': expected joint or separate");
    GanRule rule{loss, stabilisers, c.gp_weight, c.d_batch == "joint", {}};
    auto& group = DataParallel::current();  // a world of one unless --distributed: rank 0 alone writes files
    if (group.world() > 1)  // D's and G's updates each average their gradients over the ranks' equal shares
        rule.before_step = [&group](torch::optim::Optimizer& o) { group.reduce_gradients(o, 1.0 / group.world()); };
    const GanNetSettings net_settings{shape, c.noise_dim, c.shared_norm, loss == GanLoss::WganGp};
    configure_torch_threads();
    const torch::Device device = parse_device(c.device);
    const fs::path run = c.run_dir, last_file = run / "last.pt", model_file = run / "model.pt";

    const bool resuming = prepare_run_dir(run, kGanKind, c.resume);
    if (resuming) check_same_networks(run, net_settings, c.loss);
    auto store = CorpusStore::open(c.corpus);
    Progress progress(c.quiet ? nullptr : stderr, ProgressLines::PerTask);
    const WindowSet train = store_windows(store, Split::Train, window_spec(shape), c.max_windows, c.seed);
    if (train.size() < 2)
        throw UsageError(c.corpus.string() + ": the train split has fewer than two windows of " + std::to_string(shape.steps) +
                         " steps at " + std::to_string(shape.resolution) + " steps per beat");
    if (store.resolution() != shape.resolution)
        progress.note("note: the store is at " + std::to_string(store.resolution()) + " steps per beat; songs are resampled to " +
                      std::to_string(shape.resolution) + " (build it with --resolution " + std::to_string(shape.resolution) + ")");
    const torch::Tensor rolls = window_tensor(train);  // uint8 velocities, binarised per batch
    // The note density generation aims at, per channel: the valid split's, or the train windows' when the
    // valid split gives no window.
    const WindowSet valid = store_windows(store, Split::Valid, window_spec(shape));
    const GanChannelValues target_density = channel_densities(valid.size() > 0 ? valid : train);
    const std::int64_t notes_per_window =
        std::max<std::int64_t>(1, std::llround(rolls.gt(0).sum().item<double>() / double(train.size())));

    fs::create_directories(run);
    DataSummary summary;
    summary.split = "train";
    summary.songs = train.songs;
    summary.items = train.size();
    summary.channels.assign(std::begin(kChannelNames), std::end(kChannelNames));
    for (auto n : non_empty_counts(train)) summary.non_empty.push_back(n);
    if (group.writes())
        write_run_config(run, kGanKind, c.corpus, settings_json(c, shape, stabilisers, adam, critic_steps), {summary});

    torch::manual_seed(c.seed);
    GanNets nets(net_settings);
    nets.generator->to(device);
    nets.discriminator->to(device);
    torch::optim::Adam g_opt(nets.generator->parameters(), torch::optim::AdamOptions(adam.lr_g).betas({adam.beta1, adam.beta2}));
    torch::optim::Adam d_opt(nets.discriminator->parameters(), torch::optim::AdamOptions(adam.lr_d).betas({adam.beta1, adam.beta2}));
    const CheckpointLayout last_layout = gan_layout(nets, &g_opt, &d_opt);

    TrainPosition pos;
    CurveFile curve(run / "curve.csv", gan_curve_columns());
    if (resuming) {
        pos = load_checkpoint(last_file, last_layout);
        curve.load_until(pos.stage, pos.epoch);
        progress.note("resuming " + run.string() + " at epoch " + std::to_string(pos.epoch));
    }
    group.broadcast(*nets.generator);  // every rank starts from rank 0's weights
    group.broadcast(*nets.discriminator);
    // A global batch is batch items on each rank; the last partial one is dropped, as the original's DataLoader.
    const std::int64_t n = train.size(), batch = std::min<std::int64_t>(c.batch, n), global = batch * group.world();
    const std::int64_t batches = n / global;
    if (batches == 0)
        throw UsageError(c.corpus.string() + ": " + std::to_string(n) + " train windows are fewer than one global batch of " +
                         std::to_string(global) + " (--batch x ranks)");
    progress.note("data: " + std::to_string(n) + " train windows of 5 x " + std::to_string(shape.steps) + " x " +
                  std::to_string(shape.pitches) + " (" + std::to_string(train.songs) + " songs); loss " + c.loss +
                  ", stabilisers " + stabilisers_text(stabilisers) + "; device " + c.device);

    // The same 64 noise vectors every epoch, so the diversity columns and pictures follow one set of samples.
    const torch::Tensor fixed_noise = gan_fixed_noise(c.seed, c.noise_dim).to(device);

    TrainStage stage;
    stage.number = 1;
    stage.label = "gan";
    stage.epochs = c.epochs;
    stage.items = batches * global;
    stage.batch = int(batch);
    stage.train_epoch = [&](Progress& p) {
        nets.generator->train();
        nets.discriminator->train();
        const auto order = torch::randperm(n, torch::kLong);
        group.split_random_streams();  // the order is shared; noise, smoothing and dropout are each rank's own
        double d_loss = 0, acc_real = 0, acc_fake = 0, gp = 0, g_loss = 0, fm = 0;
        int g_steps = 0;
        for (std::int64_t b = 0; b < batches; ++b) {
            const auto mine = group.shard(b * global, global);
            const auto real = rolls.index_select(0, order.narrow(0, mine.first, mine.count)).to(device).gt(0).to(torch::kFloat);
            const DiscriminatorStep d = discriminator_step(nets, d_opt, real, rule);
            d_loss += d.loss;
            acc_real += d.acc_real;
            acc_fake += d.acc_fake;
            gp += d.gradient_penalty;
            if ((b + 1) % critic_steps == 0) {  // G learns on the last D step's fake batch
                const GeneratorStep g = generator_step(nets, g_opt, d, real, rule);
                g_loss += g.loss;
                fm += g.feature_matching;
                ++g_steps;
            }
            char text[64];
            std::snprintf(text, sizeof text, "D %.3f G %.3f", d.loss, g_steps ? g_loss / g_steps : 0.0);
            p.update(std::size_t(b + 1), std::size_t((b + 1) * global), text);
        }
        if (group.world() > 1) {  // the curve's D and G columns: means over the ranks
            const auto sums = group.sum({d_loss, acc_real, acc_fake, gp, g_loss, fm});
            const double w = group.world();
            d_loss = sums[0] / w, acc_real = sums[1] / w, acc_fake = sums[2] / w, gp = sums[3] / w, g_loss = sums[4] / w;
            fm = sums[5] / w;
        }
        save_weights(model_file, gan_layout(nets));  // GAN losses do not rank epochs: model.pt is the latest G and D
        const double db = double(batches), gs = double(std::max(g_steps, 1));
        return EpochLosses{g_loss / gs, {d_loss / db, g_loss / gs, acc_real / db, acc_fake / db, fm / gs, gp / db}};
    };
    // Not a validation: the fixed-noise samples' diversity. The "valid loss" is their mean Jaccard similarity
    // (1 - distance), so the curve's best marks the most diverse epoch; it chooses no weights.
    stage.validate = [&]() -> std::optional<EpochLosses> {
        torch::NoGradGuard no_grad;
        nets.generator->eval();
        const auto probabilities = nets.generator(fixed_noise).cpu();
        nets.generator->train();
        // Each sample's k most likely cells, k = the training windows' mean number of sounding cells: a G that
        // ignores its noise gives k identical cells every time, whatever its outputs' calibration (after a short
        // training every probability may sit below generation's threshold, and then every sample is silent).
        const auto flat = probabilities.flatten(1);
        const auto top = std::get<1>(flat.topk(std::min<std::int64_t>(notes_per_window, flat.size(1)), 1));
        const auto on = torch::zeros(flat.sizes(), torch::kUInt8).scatter_(1, top, 1).contiguous();
        const auto* p = on.data_ptr<std::uint8_t>();
        SampleDiversity d = sample_diversity(std::vector<std::uint8_t>(p, p + on.numel()), kDiversitySamples);
        d.density = probabilities.ge(kGanOriginalThreshold).to(torch::kDouble).mean().item<double>();  // the original's notes
        // Generation's default thresholds for this G (model.pt was written by the training pass just before).
        const GanCalibration calibration{target_density, density_thresholds(probabilities, target_density)};
        if (group.writes()) write_gan_calibration(run, calibration);
        double threshold_sum = 0;
        int sounding = 0;
        for (double t : calibration.threshold)
            if (t <= 1) threshold_sum += t, ++sounding;
        const int epoch = pos.epoch + 1;
#ifdef QUINTET_HAVE_IMAGES
        if (group.writes() && c.sample_every > 0 && (epoch % c.sample_every == 0 || epoch == c.epochs)) {
            char name[32];
            std::snprintf(name, sizeof name, "epoch_%04d.png", epoch);
            fs::create_directories(run / "samples");
            PianoRollImageOptions o;
            o.title = "epoch " + std::to_string(epoch) + ": 8 fixed-noise samples";
            write_pianoroll_png(blocks_to_multitrack(notes_from_probabilities(probabilities.narrow(0, 0, kPictureSamples),
                                                                              calibration.threshold),
                                                     shape, 120),
                                run / "samples" / name, o);
        }
#else
        (void)epoch;
#endif
        return EpochLosses{1 - d.mean_jaccard_distance, {d.mean_jaccard_distance, d.distinct_share, d.density,
                                                         sounding ? threshold_sum / sounding : 0.0}};
    };
    stage.keep_best = [] {};
    EpochLoop loop({c.seed, 0}, pos, curve, progress, [&](const TrainPosition& p) { save_checkpoint(last_file, last_layout, p); },
                   [&](const EpochRecord& r) {
#ifdef QUINTET_HAVE_IMAGES
                       if (group.writes()) plot_gan_curve(curve, run / "curve.png");
#endif
                       return on_epoch ? on_epoch(r) : true;
                   });
    if (!fs::exists(model_file)) save_weights(model_file, gan_layout(nets));  // a run of 0 epochs still generates
    GanTrainResult result;
    if (pos.stage == 1 && loop.run(stage) != EpochLoop::End::Stopped) loop.next_stage();
    result.epochs = curve.rows().empty() ? 0 : curve.rows().back().epoch;
    result.finished = pos.stage > 1;
    if (!curve.rows().empty()) result.diversity = curve.rows().back().columns.at(6);
    return result;
}

}  // namespace quintet
