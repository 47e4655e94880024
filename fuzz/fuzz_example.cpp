// libFuzzer target for attnviz-example documents: parseDocument with exampleLimits(), exampleFromJson, then
// what the window does with an example: the trace (exampleTrace), every other score function (withScore)
// and saving it again (exampleToJson, traceToJson, dump).
#include "core/formats/example.h"
#include "core/formats/json_io.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace attnviz;
    const bool cbor = attnviz_fuzz::looksCbor(data, size);
    try {
        const Example ex = exampleFromJson(parseDocument(attnviz_fuzz::bytesOf(data, size), cbor, "fuzz", exampleLimits()), "fuzz");
        (void)traceToJson(exampleTrace(ex)).dump();
        (void)exampleToJson(ex).dump();
        for (ScoreKind kind : {ScoreKind::Dot, ScoreKind::ScaledDot, ScoreKind::General, ScoreKind::Additive, ScoreKind::Cosine,
                               ScoreKind::Location}) {
            try {
                (void)exampleTrace(withScore(ex, kind));
            } catch (const InputError&) {
            }
        }
    } catch (const InputError&) {
    }
    return 0;
}
