#pragma once
// The conv stacks the VAE-NN's VAEs and the CNN nets share, run on one 32 x 128 block at a time on the CPU
// (generation is batch 1), on weights re-laid out once into the order each loop reads them:
//   encoder  Conv(1->64, k4 s4) ReLU, Conv(64->128, k4 s4) ReLU, Conv(128->256, k(2,8) s(2,8)) ReLU -> [256]
//   decoder  [256] -> ConvT(256->128, k(2,8)) ReLU, ConvT(128->64, k4) ReLU, ConvT(64->1, k4) -> raw [32 x 128]
// Each conv may be followed by a per-channel affine (a BatchNorm in eval mode), folded into its weights.
// Two exact shortcuts (not approximations) make it cheap on the sparse blocks generation feeds back:
// - encoder: a 4 x 4 patch without notes gives conv1 output relu(b1), and a 16 x 16 region without notes (one
//   conv2 position) a constant conv2 vector whose conv3 contribution is summed in advance, so only the
//   patches and regions with notes are computed;
// - every layer after a ReLU skips the input channels that are 0 (their weight rows are never read).
// On x86-64 with GCC the kernels are also compiled for AVX-512 + FMA and picked at run time.
#include <torch/torch.h>

#include <cstddef>
#include <vector>

namespace quintet {

// One conv (or transposed conv) as torch stores it, and an optional affine per output channel applied
// after it: out = scale * conv(x) + shift (BatchNorm in eval mode: scale = gamma / sqrt(var + eps),
// shift = beta - mean * scale). An undefined scale means none. CPU float tensors.
struct ConvLayer {
    torch::Tensor weight, bias, scale, shift;
};

// One block of memory for packed weights, on transparent huge pages where the kernel offers them (a step
// reads megabytes of weights spread over thousands of 4 KB pages, more than the TLB holds).
class WeightArena {
public:
    explicit WeightArena(std::size_t floats);
    torch::Tensor take(std::vector<std::int64_t> shape);  // uninitialised, 64-byte aligned
    torch::Tensor copy(const torch::Tensor& t);           // t: CPU float

private:
    torch::Tensor all_;
    std::int64_t used_ = 0;
};

class BlockEncoder {
public:
    static std::size_t arena_floats();  // what one encoder takes in a WeightArena
    // conv1 [64, 1, 4, 4], conv2 [128, 64, 4, 4], conv3 [256, 128, 2, 8] (shapes checked by the caller).
    BlockEncoder(WeightArena& arena, const ConvLayer& conv1, const ConvLayer& conv2, const ConvLayer& conv3);
    // block [32 * 128] (row-major steps x pitches) -> features [256], after the last ReLU.
    void features(const float* block, float* out) const;
    // Two blocks through this encoder, its weights read once for both (the same values as two calls).
    void features(const float* block_a, const float* block_b, float* out_a, float* out_b) const;

private:
    torch::Tensor w1_, b1_, c1_;    // conv1 [16 cells][64]; c1 = relu(b1), the output of a patch without notes
    torch::Tensor w2_, pre2_, c2_;  // conv2 in panels of 16 outputs; pre2 = a region without notes, before the ReLU
    torch::Tensor w3_, base3_;      // conv3 [16 regions][128][256]; base3 = an empty block, before the ReLU
};

class BlockDecoder {
public:
    static std::size_t arena_floats();
    // deconv1 [256, 128, 2, 8], deconv2 [128, 64, 4, 4], deconv3 [64, 1, 4, 4] (no affine after deconv3).
    BlockDecoder(WeightArena& arena, const ConvLayer& deconv1, const ConvLayer& deconv2, const ConvLayer& deconv3);
    // h [256] (after a ReLU: the zeros are skipped) -> raw block [32 * 128] (no output activation).
    void decode(const float* h, float* block) const;

private:
    torch::Tensor wd1_, bd1_;  // deconv1 as stored, [256][128 x 16 regions]; bias per column
    torch::Tensor wd2_, bd2_;  // deconv2 in panels [64][128][16 patches]; bias per column
    torch::Tensor wd3_, bd3_;  // deconv3 as stored, [64][16 cells]
};

// y[0..out) = bias + x W for W [in][out] row-major, skipping the inputs that are exactly 0.
void affine_skip_zeros(int in, int out, const float* x, const float* w, const float* bias, float* y);
void relu_in_place(int n, float* x);

}  // namespace quintet
