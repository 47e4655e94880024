// libFuzzer target for the one loading path (core/formats/any_file.h): the input is written to a scratch file
// (named .npz when it starts like a zip, .cbor when it looks like CBOR, .json otherwise) and loaded with
// loadAnyFile, which sniffs the "format" with a SAX pass and hands the file to the example, model
// (streaming), trace or timeline reader. InputError is the only acceptable failure.
#include "core/formats/any_file.h"
#include "core/formats/error.h"
#include "fuzz/fuzz_common.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

std::string scratchDir;

void removeScratch()
{
    for (const char* name : {"/f.npz", "/f.cbor", "/f.json"})
        std::remove((scratchDir + name).c_str());
    ::rmdir(scratchDir.c_str());
}

std::string scratchFile(const char* name)
{
    if (scratchDir.empty()) {
        char tmpl[] = "/tmp/attnviz-fuzz-any-XXXXXX";
        if (!::mkdtemp(tmpl))
            std::abort();
        scratchDir = tmpl;
        std::atexit(removeScratch);
    }
    return scratchDir + name;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const bool zip = size >= 2 && data[0] == 'P' && data[1] == 'K';
    const std::string file = scratchFile(zip ? "/f.npz" : attnviz_fuzz::looksCbor(data, size) ? "/f.cbor" : "/f.json");
    const std::string bytes = attnviz_fuzz::bytesOf(data, size);
    std::FILE* f = std::fopen(file.c_str(), "wb");
    if (!f)
        std::abort();
    const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    if (std::fclose(f) != 0 || !written)
        std::abort();
    try {
        (void)attnviz::loadAnyFile(file);
    } catch (const attnviz::InputError&) {
    }
    return 0;
}
