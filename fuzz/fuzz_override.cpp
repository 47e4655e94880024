// libFuzzer target for attnviz-override documents (what-if attention weights): parseDocument with
// exampleLimits() (as loadOverrides), overridesFromJson, then saving them again (overridesToJson, dump).
#include "core/formats/attention_override.h"
#include "core/formats/json_io.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace attnviz;
    const bool cbor = attnviz_fuzz::looksCbor(data, size);
    try {
        const auto overrides = overridesFromJson(parseDocument(attnviz_fuzz::bytesOf(data, size), cbor, "fuzz", exampleLimits()), "fuzz");
        (void)overridesToJson(overrides).dump();
    } catch (const InputError&) {
    }
    return 0;
}
