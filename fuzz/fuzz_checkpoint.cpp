// libFuzzer target for training checkpoints (core/train/checkpoint.h, attnviz train --resume): checkpointFromBytes,
// then what --resume does with one before training: an Optimizer restored from its parameters and Adam state.
// A checkpoint is always CBOR. InputError is the only acceptable failure.
#include "core/train/checkpoint.h"
#include "core/train/trainer.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace attnviz;
    try {
        Checkpoint c = checkpointFromBytes(attnviz_fuzz::bytesOf(data, size), "fuzz.ckpt");
        Optimizer opt(c.model, c.state.options);
        opt.restore(c.state.params, c.state.adam);
    } catch (const InputError&) {
    }
    return 0;
}
