#pragma once
// Data-parallel training over torch.distributed's c10d (Gloo on CPU): every rank holds the whole model, trains
// on its own slice of each global batch, and the ranks average their gradients with all-reduce before every
// optimiser step, so all ranks keep identical weights. A process that never joins a job is a world of one:
// every call below is then a no-op, and single-process training is unchanged bit for bit.
#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/distributed_env.hpp"

namespace quintet {

class DataParallel {
public:
    // The process's group (a world of one until join()).
    static DataParallel& current();
    // Whether this build has c10d (configure found the Gloo headers).
    static bool available();
    // Joins the job `env` describes: connects to the master's store (rank 0 listens on it) and builds the
    // process group; collectives and connecting give up after `timeout`. UsageError when the build has no
    // c10d, IoError with one line when the port is taken, the master unreachable or a rank missing. `cuda`:
    // the job trains on CUDA devices; a build with NCCL then reduces gradients with it, device to device
    // (Gloo through host memory otherwise).
    void join(const DistributedEnv& env, std::chrono::milliseconds timeout, bool cuda = false);
    // Closes the group (after training): a world of one again.
    void leave();
    ~DataParallel();

    int rank() const { return rank_; }
    int world() const { return world_; }
    bool writes() const { return rank_ == 0; }  // rank 0 alone writes the run directory

    // Global batches are `batch * world` items; rank r takes its slice of each (sizes differ by at most one).
    std::int64_t global_batches(std::int64_t items, int batch) const;
    struct Slice {
        std::int64_t first = 0, count = 0;
    };
    Slice shard(std::int64_t global_first, std::int64_t global_count) const;
    // The same for any rank of any world (the first `count % world` ranks take one item more).
    static Slice shard_of(int rank, int world, std::int64_t global_first, std::int64_t global_count);

    // Copies rank 0's values into every rank's tensors (weights and buffers at the start).
    void broadcast(const std::vector<torch::Tensor>& tensors);
    // Replaces every parameter's gradient by the sum over ranks of share * gradient, where share is this
    // rank's fraction of the global batch: with a loss that is a mean over the rank's items, the result is
    // the gradient of the mean over the global batch. Bucketed: one all-reduce per ~bucket_bytes. The first
    // call for a list of parameters makes their gradients slices of flat buckets allocated once (DDP's
    // gradient_as_bucket_view), so backward accumulates into the buckets and later calls reduce them in
    // place; zero_grad() keeps them (it zeroes in place); a gradient replaced or reset is copied back in.
    void reduce_gradients(const std::vector<torch::Tensor>& parameters, double share);
    // The same for every parameter an optimiser steps; broadcast() of a module's parameters and buffers.
    void reduce_gradients(torch::optim::Optimizer& optimizer, double share);
    void broadcast(const torch::nn::Module& module);
    // Element-wise sums over ranks (loss sums and counts), and rank 0's values everywhere.
    std::vector<double> sum(const std::vector<double>& values);
    std::vector<double> from_rank0(const std::vector<double>& values);
    // Element-wise maxima over ranks.
    std::vector<double> maximum(const std::vector<double>& values);
    // The largest |w - w0| over every rank and element, where w0 is rank 0's copy of the same tensors: 0 when
    // the replicas are identical, as data parallelism keeps them (a health check after training; 0 in a world
    // of one). Costs one broadcast of the tensors.
    double replica_difference(const std::vector<torch::Tensor>& tensors);
    // Gives each rank its own random stream from the shared one (dropout and sampling noise that must not
    // repeat across ranks); the data order, drawn before, stays shared. Nothing in a world of one.
    void split_random_streams();

    std::size_t bucket_bytes() const { return bucket_bytes_; }
    void set_bucket_bytes(std::size_t bytes) { bucket_bytes_ = bytes; }
    // Seconds spent in gradient all-reduce since the last call (benchmarks).
    double take_reduce_seconds();

    struct Group;            // the c10d process group and its store (data_parallel.cpp)
    struct GradientBuckets;  // persistent buckets of one parameter list (data_parallel.cpp)

private:
    GradientBuckets& buckets_for(const std::vector<torch::Tensor>& parameters);
    DataParallel() = default;
    int rank_ = 0, world_ = 1;
    std::size_t bucket_bytes_ = std::size_t(25) << 20;
    double reduce_seconds_ = 0;
    std::unique_ptr<Group> group_;
    std::vector<std::unique_ptr<GradientBuckets>> gradient_buckets_;
};

// The progress line after a distributed training: the replicas' largest weight difference from rank 0.
std::string replica_report(DataParallel& group, const std::vector<torch::Tensor>& weights);

}  // namespace quintet
