#include "systems/request_options.hpp"

#include "util/error.hpp"

namespace quintet {

OptionTable train_request_options(TrainRequest& r) {
    OptionTable t;
    t.push_back(path_option("--corpus", "training store (quintet corpus build / demo)", r.corpus));
    t.back().required = true;
    t.push_back(path_option("--out", "run directory to write", r.run_dir));
    t.back().required = true;
    t.push_back(text_option("--device", "cpu, cuda or cuda:N", r.device));
    t.push_back(seed_option("--seed", "random seed (data order, samples, initial weights)", r.seed));
    t.push_back(flag_option("--resume", "continue from the run directory's last checkpoint", r.resume));
    t.push_back(flag_option("--quiet", "no progress output", r.quiet));
    t.push_back(flag_option("--distributed", "data-parallel rank of a job torchrun started (MASTER_ADDR, MASTER_PORT, "
                                             "RANK, WORLD_SIZE, LOCAL_RANK); docs/distributed.md", r.distributed));
    t.push_back(int_option("--nproc", "start this many data-parallel ranks on this machine (each --batch items a step)", r.nproc));
    t.push_back(int_option("--dist-timeout", "seconds before a distributed job gives up on a missing or silent rank",
                           r.distributed_timeout));
    return t;
}

OptionTable sample_request_options(SampleRequest& r, std::string& device) {
    OptionTable t;
    // The upper bound keeps one request's memory bounded (10000 bars is over 5 hours at 120 bpm).
    t.push_back(ranged(int_option("--bars", "length in 4/4 bars (rounded up to the system's unit)", r.bars), 1, 10000));
    t.push_back(seed_option("--seed", "random seed: the same seed gives the same MIDI bytes", r.seed));
    t.push_back(ranged(double_option("--tempo", "bpm", r.tempo), 1, 1000));
    t.push_back(path_option("--prime", "a .mid or .npz whose music opens the song; the system continues it", r.prime));
    t.push_back(text_option("--device", "cpu, cuda or cuda:N", device));
    return t;
}

void check_sample_request(const SampleRequest& r) {
    if (r.bars < 1) throw UsageError("--bars must be at least 1");
    if (!(r.tempo >= 1 && r.tempo <= 1000)) throw UsageError("--tempo must be between 1 and 1000 bpm");
}

}  // namespace quintet
