// libFuzzer target for the torch.save reader (core/formats/torch_pickle.h): a zip input goes through readTorchZip,
// anything else straight to the pickle interpreter (checkTorchPickle), where most of the logic is.
// InputError is the only acceptable failure.
#include "core/formats/torch_pickle.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        if (size >= 2 && data[0] == 'P' && data[1] == 'K')
            attnviz::readTorchZip(bytes, "fuzz.pt");
        else
            attnviz::checkTorchPickle(bytes, "fuzz.pt");
    } catch (const attnviz::InputError&) {
    }
    return 0;
}
