#pragma once
// attnviz-override documents (SPEC §5) — the "what if it had looked there?" of what-if decoding (SPEC §4):
// at chosen decoder steps the softmax weights are replaced by given weights divided by their sum.
#include "core/formats/json_io.h"
#include "core/numeric/types.h"

#include <string>
#include <vector>

namespace attnviz {

struct AttentionOverride {
    int t = 1;          // decoder step, counts from 1
    Vec weights;        // one per source token (piece), ≥ 0, finite, positive sum; divided by the sum when applied
    std::string where;  // JSON pointer of the entry in its file ("" when made in memory), for messages
};

// Validates the document: header, "steps" an array of {"t", "weights"}, t an integer ≥ 1 and not repeated,
// weights finite and ≥ 0 with a positive sum. The count of weights is checked against the sentence when
// decoding (it depends on the input). Throws InputError naming `file` and the JSON pointer.
std::vector<AttentionOverride> overridesFromJson(const json& doc, const std::string& file);
std::vector<AttentionOverride> loadOverrides(const std::string& file);  // JSON, or CBOR for *.cbor
json overridesToJson(const std::vector<AttentionOverride>& overrides);

// "" when the weights are usable, else what is wrong ("expected a finite weight ≥ 0 for source token 3, found -1").
std::string overrideWeightsProblem(const Eigen::Ref<const Vec>& weights);

} // namespace attnviz
