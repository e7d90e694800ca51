#include "nn/data_parallel.hpp"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <string>
#include <thread>

#include "util/error.hpp"

#ifdef QUINTET_HAVE_C10D
#ifndef USE_C10D_GLOO
#define USE_C10D_GLOO  // ProcessGroupGloo.hpp declares its class only under this (as torch's own build sets it)
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#ifdef QUINTET_HAVE_NCCL  // a CUDA LibTorch with NCCL (CMake checks it; never compiled yet: docs/distributed.md)
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

namespace quintet {

using Clock = std::chrono::steady_clock;

namespace {

std::string first_line(std::string what) {
    // c10d's messages span lines (context, backtrace): the first one says what happened.
    const auto end = what.find('\n');
    return end == std::string::npos ? what : what.substr(0, end);
}

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// Consecutive tensors of one dtype, at most `limit` bytes (a single larger tensor makes its own bucket).
std::vector<std::vector<torch::Tensor>> buckets_of(const std::vector<torch::Tensor>& tensors, std::size_t limit) {
    std::vector<std::vector<torch::Tensor>> out;
    std::size_t bytes = 0;
    for (const auto& t : tensors) {
        const std::size_t size = std::size_t(t.numel()) * t.element_size();
        if (out.empty() || out.back().front().scalar_type() != t.scalar_type() || bytes + size > limit) {
            out.emplace_back();
            bytes = 0;
        }
        out.back().push_back(t);
        bytes += size;
    }
    return out;
}

// One flat CPU tensor holding the bucket's values (Gloo reduces CPU memory; CUDA values are staged).
torch::Tensor flatten(const std::vector<torch::Tensor>& bucket) {
    std::vector<torch::Tensor> flat;
    flat.reserve(bucket.size());
    for (const auto& t : bucket) flat.push_back(t.detach().reshape({-1}).to(torch::kCPU));
    return torch::cat(flat);
}

void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& bucket) {
    std::int64_t offset = 0;
    for (const auto& t : bucket) {
        t.detach().copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
        offset += t.numel();
    }
}

}  // namespace

// Persistent gradient buckets, as DDP's gradient_as_bucket_view: each parameter's gradient aliases a slice of
// a flat tensor allocated once, so backward accumulates into the bucket (autograd adds into a defined
// gradient in place) and the all-reduce reads and writes it where it is: no flatten, no copy back. The slices
// share the bucket's storage through Tensor::set_ rather than being autograd views: LibTorch 1.13's
// Optimizer::zero_grad() detaches each gradient in place, which a view refuses.
struct DataParallel::GradientBuckets {
    std::vector<const c10::TensorImpl*> key;  // the parameters, in order
    std::size_t limit = 0;                    // the bucket size they were cut for
    struct Bucket {
        torch::Tensor flat;                     // on the parameters' device
        torch::Tensor host;                     // Gloo reduces CPU memory: staging for another device (made on use)
        std::vector<torch::Tensor> parameters;  // in the bucket's order, at `offsets` elements
        std::vector<std::int64_t> offsets;
    };
    std::vector<Bucket> buckets;
};

#ifdef QUINTET_HAVE_C10D
struct DataParallel::Group {
    c10::intrusive_ptr<c10d::TCPStore> store;
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
    c10::intrusive_ptr<c10d::ProcessGroup> device;  // NCCL for CUDA buckets (--device cuda in a build with it)
};
#else
struct DataParallel::Group {};
#endif

DataParallel& DataParallel::current() {
    static DataParallel group;
    return group;
}

DataParallel::~DataParallel() = default;

void DataParallel::leave() {
    group_.reset();  // a group whose peers failed was released by guarded() instead: no waiting on them
    gradient_buckets_.clear();  // the gradients keep their storage
    rank_ = 0;
    world_ = 1;
}

bool DataParallel::available() {
#ifdef QUINTET_HAVE_C10D
    return true;
#else
    return false;
#endif
}

std::int64_t DataParallel::global_batches(std::int64_t items, int batch) const {
    const std::int64_t global = std::int64_t(batch) * world_;
    return (items + global - 1) / global;
}

DataParallel::Slice DataParallel::shard(std::int64_t global_first, std::int64_t global_count) const {
    return shard_of(rank_, world_, global_first, global_count);
}

DataParallel::Slice DataParallel::shard_of(int rank, int world, std::int64_t global_first, std::int64_t global_count) {
    const std::int64_t base = global_count / world, extra = global_count % world;
    return {global_first + rank * base + std::min<std::int64_t>(rank, extra), base + (rank < extra ? 1 : 0)};
}

double DataParallel::take_reduce_seconds() {
    const double s = reduce_seconds_;
    reduce_seconds_ = 0;
    return s;
}

#ifdef QUINTET_HAVE_C10D

namespace {

// Runs a collective; a failed or timed-out peer becomes one IoError line. The broken group is leaked on
// purpose: its destructor would wait for the peers that are gone.
template <class F>
void guarded(std::unique_ptr<DataParallel::Group>& group, int rank, const char* what, F&& f) {
    try {
        f();
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        group.release();
        throw IoError("distributed: " + std::string(what) + " failed on rank " + std::to_string(rank) +
                      " (a rank stopped or timed out): " + first_line(e.what()));
    }
}

}  // namespace

namespace {

std::vector<const c10::TensorImpl*> key_of(const std::vector<torch::Tensor>& parameters) {
    std::vector<const c10::TensorImpl*> key;
    for (const auto& p : parameters) key.push_back(p.unsafeGetTensorImpl());
    return key;
}

// Makes each parameter's gradient its slice of the bucket again where it is not (first call, a gradient reset
// to undefined or replaced by a new tensor), keeping its values.
void bind_gradients(DataParallel::GradientBuckets::Bucket& bucket) {
    const auto* storage = bucket.flat.storage().unsafeGetStorageImpl();
    for (std::size_t i = 0; i < bucket.parameters.size(); ++i) {
        auto& p = bucket.parameters[i];
        auto& grad = p.mutable_grad();
        if (grad.defined() && grad.storage().unsafeGetStorageImpl() == storage && grad.storage_offset() == bucket.offsets[i] &&
            grad.sizes() == p.sizes() && grad.is_contiguous())
            continue;
        auto slot = torch::empty({0}, bucket.flat.options());
        slot.set_(bucket.flat.storage(), bucket.offsets[i], p.sizes());
        if (grad.defined())
            slot.copy_(grad);
        else
            slot.zero_();
        grad = slot;
    }
}

}  // namespace

DataParallel::GradientBuckets& DataParallel::buckets_for(const std::vector<torch::Tensor>& parameters) {
    const auto key = key_of(parameters);
    for (const auto& b : gradient_buckets_)
        if (b->key == key && b->limit == bucket_bytes_) return *b;
    // A parameter's gradient can alias one bucket only: sets sharing a parameter with the new one go.
    const std::set<const c10::TensorImpl*> mine(key.begin(), key.end());
    std::erase_if(gradient_buckets_, [&](const auto& b) {
        return std::any_of(b->key.begin(), b->key.end(), [&](const c10::TensorImpl* p) { return mine.count(p) > 0; });
    });
    auto set = std::make_unique<GradientBuckets>();
    set->key = key;
    set->limit = bucket_bytes_;
    for (const auto& members : buckets_of(parameters, bucket_bytes_)) {
        GradientBuckets::Bucket bucket;
        std::int64_t size = 0;
        for (const auto& p : members) {
            bucket.parameters.push_back(p);
            bucket.offsets.push_back(size);
            size += p.numel();
        }
        bucket.flat = torch::zeros({size}, members.front().options().requires_grad(false));
        set->buckets.push_back(std::move(bucket));
    }
    gradient_buckets_.push_back(std::move(set));
    return *gradient_buckets_.back();
}

void DataParallel::join(const DistributedEnv& env, std::chrono::milliseconds timeout, bool cuda) {
    if (group_) throw UsageError("distributed: this process already joined a job");
    // Each local rank gets its share of the cores (unless $QUINTET_THREADS says otherwise).
    if (!std::getenv("QUINTET_THREADS")) {
        const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
        setenv("QUINTET_THREADS", std::to_string(std::max(1u, hw / unsigned(env.local_world))).c_str(), 1);
    }
    // A peer that dies closes its sockets: writing to them must be an error to report, not SIGPIPE's silent
    // death. c10d's own log lines (glog) repeat what the one-line errors below say: only fatal ones stay.
    std::signal(SIGPIPE, SIG_IGN);
#ifdef C10_USE_GLOG
    FLAGS_minloglevel = 3;
#endif
    const std::string where = env.master_addr + ":" + std::to_string(env.master_port);
    auto group = std::make_unique<Group>();
    try {
        c10d::TCPStoreOptions options;
        options.port = std::uint16_t(env.master_port);
        options.isServer = env.rank == 0;
        options.numWorkers = std::size_t(env.world);
        options.waitWorkers = true;
        options.timeout = timeout;
        group->store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
    } catch (const std::exception& e) {
        const std::string why = first_line(e.what());
        if (env.rank == 0)
            throw IoError("distributed: rank 0 cannot serve the store on " + where + " (port in use?): " + why);
        throw IoError("distributed: rank " + std::to_string(env.rank) + " cannot reach the master at " + where +
                      " within " + std::to_string(timeout.count() / 1000) + " s: " + why);
    }
    try {
        auto options = c10d::ProcessGroupGloo::Options::create(timeout);
        // The address peers reach this rank on: $GLOO_SOCKET_IFNAME's interface, loopback for a one-machine
        // job, else the interface this host's name resolves to (as torch.distributed does).
        if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname)
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
        else if (is_loopback(env.master_addr))
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        else
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        group->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group->store, env.rank, env.world, options);
#ifdef QUINTET_HAVE_NCCL
        if (cuda) {  // its own keys in the store, as torch.distributed prefixes each group's
            auto nccl = c10d::ProcessGroupNCCL::Options::create();
            nccl->timeout = timeout;
            group->device = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl", group->store),
                                                                        env.rank, env.world, nccl);
        }
#else
        (void)cuda;  // without NCCL, CUDA buckets go through host memory and Gloo
#endif
    } catch (const std::exception& e) {
        group.release();
        throw IoError("distributed: rank " + std::to_string(env.rank) + " could not form the group of " +
                      std::to_string(env.world) + " at " + where + ": " + first_line(e.what()));
    }
    group_ = std::move(group);
    rank_ = env.rank;
    world_ = env.world;
}

void DataParallel::broadcast(const std::vector<torch::Tensor>& tensors) {
    if (world_ == 1) return;
    torch::NoGradGuard no_grad;
    for (const auto& bucket : buckets_of(tensors, bucket_bytes_)) {
        std::vector<torch::Tensor> flat{flatten(bucket)};
        guarded(group_, rank_, "broadcast", [&] { group_->gloo->broadcast(flat)->wait(); });
        unflatten(flat[0], bucket);
    }
}

void DataParallel::reduce_gradients(const std::vector<torch::Tensor>& parameters, double share) {
    if (world_ == 1) return;
    const auto t0 = Clock::now();
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> trained;
    for (const auto& p : parameters)
        if (p.requires_grad()) trained.push_back(p);
    if (trained.empty()) return;
    // Every bucket's all-reduce is queued first, so Gloo's thread reduces one while this one scales the next.
    auto& set = buckets_for(trained);
    std::vector<std::vector<torch::Tensor>> reduced;
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    std::vector<bool> staged;
    for (auto& bucket : set.buckets) {
        bind_gradients(bucket);
        bucket.flat.mul_(share);
        // CPU buckets and, without NCCL, device buckets through a host copy go to Gloo; CUDA buckets to NCCL.
        c10d::ProcessGroup* reducer = group_->gloo.get();
        if (group_->device && bucket.flat.is_cuda()) reducer = group_->device.get();
        staged.push_back(reducer == group_->gloo.get() && !bucket.flat.device().is_cpu());
        if (staged.back()) {
            if (!bucket.host.defined()) bucket.host = torch::empty(bucket.flat.sizes(), bucket.flat.options().device(torch::kCPU));
            bucket.host.copy_(bucket.flat);
        }
        reduced.push_back({staged.back() ? bucket.host : bucket.flat});
        guarded(group_, rank_, "gradient all-reduce", [&] { works.push_back(reducer->allreduce(reduced.back())); });
    }
    for (std::size_t i = 0; i < works.size(); ++i) {
        guarded(group_, rank_, "gradient all-reduce", [&] { works[i]->wait(); });
        if (staged[i]) set.buckets[i].flat.copy_(set.buckets[i].host);
    }
    reduce_seconds_ += std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<double> DataParallel::sum(const std::vector<double>& values) {
    if (world_ == 1 || values.empty()) return values;
    std::vector<torch::Tensor> t{torch::tensor(values, torch::kDouble)};
    guarded(group_, rank_, "all-reduce", [&] { group_->gloo->allreduce(t)->wait(); });
    return {t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel()};
}

std::vector<double> DataParallel::from_rank0(const std::vector<double>& values) {
    if (world_ == 1) return values;
    // The length travels first: ranks that disagree on it would otherwise exchange garbage.
    std::vector<torch::Tensor> n{torch::tensor({std::int64_t(values.size())}, torch::kLong)};
    guarded(group_, rank_, "broadcast", [&] { group_->gloo->broadcast(n)->wait(); });
    const auto count = n[0].item<std::int64_t>();
    std::vector<double> padded = values;
    padded.resize(std::size_t(count), 0.0);
    if (count == 0) return padded;
    std::vector<torch::Tensor> t{torch::tensor(padded, torch::kDouble)};
    guarded(group_, rank_, "broadcast", [&] { group_->gloo->broadcast(t)->wait(); });
    return {t[0].data_ptr<double>(), t[0].data_ptr<double>() + count};
}

std::vector<double> DataParallel::maximum(const std::vector<double>& values) {
    if (world_ == 1 || values.empty()) return values;
    std::vector<torch::Tensor> t{torch::tensor(values, torch::kDouble)};
    c10d::AllreduceOptions options;
    options.reduceOp = c10d::ReduceOp::MAX;
    guarded(group_, rank_, "all-reduce", [&] { group_->gloo->allreduce(t, options)->wait(); });
    return {t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel()};
}

#else  // no c10d in this build

void DataParallel::join(const DistributedEnv&, std::chrono::milliseconds, bool) {
    throw UsageError("--distributed: this build has no torch.distributed (c10d/Gloo headers were missing at configure "
                     "time: install libgloo-dev, or use a LibTorch that ships them, and rebuild)");
}
void DataParallel::broadcast(const std::vector<torch::Tensor>&) {}
void DataParallel::reduce_gradients(const std::vector<torch::Tensor>&, double) {}
std::vector<double> DataParallel::sum(const std::vector<double>& values) { return values; }
std::vector<double> DataParallel::from_rank0(const std::vector<double>& values) { return values; }
std::vector<double> DataParallel::maximum(const std::vector<double>& values) { return values; }

#endif

void DataParallel::reduce_gradients(torch::optim::Optimizer& optimizer, double share) {
    if (world_ == 1) return;
    std::vector<torch::Tensor> parameters;
    for (const auto& group : optimizer.param_groups())
        parameters.insert(parameters.end(), group.params().begin(), group.params().end());
    reduce_gradients(parameters, share);
}

void DataParallel::broadcast(const torch::nn::Module& module) {
    if (world_ == 1) return;
    std::vector<torch::Tensor> state = module.parameters();
    for (const auto& b : module.buffers()) state.push_back(b);
    broadcast(state);
}

double DataParallel::replica_difference(const std::vector<torch::Tensor>& tensors) {
    if (world_ == 1) return 0;
    torch::NoGradGuard no_grad;
    std::vector<torch::Tensor> rank0;
    for (const auto& t : tensors) rank0.push_back(t.detach().clone());
    broadcast(rank0);
    double worst = 0;
    for (std::size_t i = 0; i < tensors.size(); ++i)
        if (tensors[i].numel() > 0) worst = std::max(worst, (tensors[i].detach() - rank0[i]).abs().max().item<double>());
    return maximum({worst}).front();
}

std::string replica_report(DataParallel& group, const std::vector<torch::Tensor>& weights) {
    char line[160];
    std::snprintf(line, sizeof line, "replicas: largest weight difference from rank 0 over %d ranks: %.3g", group.world(),
                  group.replica_difference(weights));
    return line;
}

void DataParallel::split_random_streams() {
    if (world_ == 1) return;
    const auto base = torch::randint(std::numeric_limits<std::int32_t>::max(), {1}, torch::kLong).item<std::int64_t>();
    torch::manual_seed(std::uint64_t(base) * 1000003ULL + std::uint64_t(rank_) + 1);
}

}  // namespace quintet
