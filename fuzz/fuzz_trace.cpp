// libFuzzer target for attnviz-trace documents: parseDocument with modelLimits() (as the window and
// `attnviz export` read them), traceFromJson, then saving it again (traceToJson, dump).
#include "core/formats/json_io.h"
#include "core/formats/trace.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace attnviz;
    const bool cbor = attnviz_fuzz::looksCbor(data, size);
    try {
        const Trace trace = traceFromJson(parseDocument(attnviz_fuzz::bytesOf(data, size), cbor, "fuzz", modelLimits()), "fuzz");
        (void)traceToJson(trace).dump();
    } catch (const InputError&) {
    }
    return 0;
}
