// libFuzzer target for the safetensors reader (core/formats/safetensors.h). InputError is the only acceptable failure.
#include "core/formats/safetensors.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    try {
        attnviz::readSafetensors(std::string(reinterpret_cast<const char*>(data), size), "fuzz.safetensors");
    } catch (const attnviz::InputError&) {
    }
    return 0;
}
