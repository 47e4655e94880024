// libFuzzer target for attnviz-timeline documents: parseDocument with timelineLimits() (as loadTimeline),
// timelineFromJson, then saving it again (timelineToJson, dump) and the entropy the loss panel shows.
#include "core/formats/json_io.h"
#include "core/formats/timeline.h"
#include "fuzz/fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace attnviz;
    const bool cbor = attnviz_fuzz::looksCbor(data, size);
    try {
        const Timeline timeline = timelineFromJson(parseDocument(attnviz_fuzz::bytesOf(data, size), cbor, "fuzz", timelineLimits()), "fuzz");
        (void)timelineToJson(timeline).dump();
        for (const TimelineSnapshot& s : timeline.snapshots)
            for (const Trace& t : s.traces)
                (void)meanAttentionEntropy(t);
    } catch (const InputError&) {
    }
    return 0;
}
