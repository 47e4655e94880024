#pragma once
// The small random transformer the head tests share (tst_heads, tst_heads_view, tst_step_renderer): d_model 8 in
// 2 heads of 4, 2 + 2 layers, vocabularies 14 → 16, max_len 8. Its trace over `source` ("s4 s7 …" tokens).
#include "core/model/decoding.h"
#include "core/model/random_model.h"

#include <cstdint>

namespace attnviz_test {

inline attnviz::Trace smallTransformerTrace(const attnviz::Tokens& source, std::uint64_t seed = 5, double scale = 0.9)
{
    attnviz::RandomModelOptions o;
    o.hidden = 8;  // d_model 8, 2 heads
    o.sourceVocab = 14;
    o.targetVocab = 16;
    o.maxLen = 8;
    o.scale = scale;
    const attnviz::Model m = attnviz::randomModel("transformer", o, seed);
    return attnviz::translateTokens(m, source).best;
}

} // namespace attnviz_test
