// libFuzzer target for the NumPy reader (core/formats/npy.h): a zip input goes through readNpz (libzip, limits),
// anything else through readNpy as a numeric array and as a token array. InputError is the only
// acceptable failure; crashes, sanitizer reports, leaks and timeouts are bugs.
#include "core/formats/npy.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        if (size >= 2 && data[0] == 'P' && data[1] == 'K') {
            attnviz::readNpz(bytes, "fuzz.npz");
        } else {
            for (const char* name : {"encoder_states", "source_tokens"}) {
                try {
                    attnviz::ArrayFile out;
                    long long total = 0;
                    attnviz::readNpy(bytes, "fuzz.npy", name, attnviz::ArrayLimits(), out, total);
                } catch (const attnviz::InputError&) {
                }
            }
        }
    } catch (const attnviz::InputError&) {
    }
    return 0;
}
