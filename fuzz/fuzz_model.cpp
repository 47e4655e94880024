// libFuzzer target for attnviz-model documents, both ways a model is read:
//   - loadModel(file): the streaming SAX reader (core/formats/model_stream.h) that the command line uses, from a
//     file (CBOR when the name ends in .cbor), so the input is written to a scratch file first;
//   - modelFromJson(parseDocument(...)) with modelLimits(): the in-memory path.
// A model that loads is saved again (modelToJson + dump) and translates a one-word sentence with at most
// 8 output tokens, so weights of the wrong shape, left unset or aliased show up as crashes or sanitizer reports.
#include "core/formats/json_io.h"
#include "core/model/decoding.h"
#include "core/model/model.h"
#include "fuzz/fuzz_common.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

std::string scratchDir;

void removeScratch()
{
    std::remove((scratchDir + "/m.cbor").c_str());
    std::remove((scratchDir + "/m.json").c_str());
    ::rmdir(scratchDir.c_str());
}

std::string scratchFile(bool cbor)
{
    if (scratchDir.empty()) {
        char tmpl[] = "/tmp/attnviz-fuzz-model-XXXXXX";
        if (!::mkdtemp(tmpl))
            std::abort();
        scratchDir = tmpl;
        std::atexit(removeScratch);
    }
    return scratchDir + (cbor ? "/m.cbor" : "/m.json");
}

void exercise(const attnviz::Model& model)
{
    (void)attnviz::modelToJson(model).dump();
    attnviz::DecodeOptions options;
    options.maxLen = 8;
    try {
        (void)attnviz::translate(model, "a", options);
    } catch (const attnviz::InputError&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const bool cbor = attnviz_fuzz::looksCbor(data, size);
    const std::string bytes = attnviz_fuzz::bytesOf(data, size);
    const std::string file = scratchFile(cbor);
    if (std::FILE* f = std::fopen(file.c_str(), "wb")) {
        const bool written = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
        if (std::fclose(f) != 0 || !written)
            std::abort();
    } else {
        std::abort();
    }
    try {
        exercise(attnviz::loadModel(file));
    } catch (const attnviz::InputError&) {
    }
    try {
        exercise(attnviz::modelFromJson(attnviz::parseDocument(bytes, cbor, "fuzz", attnviz::modelLimits()), "fuzz"));
    } catch (const attnviz::InputError&) {
    }
    return 0;
}
