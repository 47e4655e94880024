#include "core/formats/attention_override.h"

#include "core/formats/error.h"

#include <cmath>
#include <set>
#include <sstream>

namespace attnviz {

std::string overrideWeightsProblem(const Eigen::Ref<const Vec>& weights)
{
    if (weights.size() == 0)
        return "expected at least one weight, found none";
    double sum = 0.0;
    for (Eigen::Index j = 0; j < weights.size(); ++j) {
        if (!std::isfinite(weights(j)) || weights(j) < 0.0) {
            std::ostringstream o;
            o << "expected a finite weight ≥ 0 for source token " << j + 1 << ", found " << weights(j);
            return o.str();
        }
        sum += weights(j);
    }
    if (!(sum > 0.0) || !std::isfinite(sum))
        return "expected weights with a positive sum (they are divided by it), found a sum of " + std::to_string(sum);
    return {};
}

std::vector<AttentionOverride> overridesFromJson(const json& doc, const std::string& file)
{
    JsonReader r(file, exampleLimits());
    r.checkHeader(doc, "attnviz-override");
    const json& steps = r.require(doc, "", "steps");
    if (!steps.is_array() || steps.empty())
        r.fail("/steps", "expected a non-empty array of {\"t\": step, \"weights\": [...]}, found " + describeJson(steps));
    std::vector<AttentionOverride> out;
    std::set<int> seen;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const std::string p = childPointer("/steps", i);
        if (!steps[i].is_object())
            r.fail(p, "expected an object {\"t\": step, \"weights\": [...]}, found " + describeJson(steps[i]));
        AttentionOverride o;
        o.where = p;
        o.t = static_cast<int>(r.integer(r.require(steps[i], p, "t"), childPointer(p, "t"), 1, 1'000'000));
        if (!seen.insert(o.t).second)
            r.fail(childPointer(p, "t"), "expected each step once, found step " + std::to_string(o.t) + " again");
        o.weights = r.vector(r.require(steps[i], p, "weights"), childPointer(p, "weights"));
        if (const std::string problem = overrideWeightsProblem(o.weights); !problem.empty())
            r.fail(childPointer(p, "weights"), problem);
        out.push_back(std::move(o));
    }
    return out;
}

std::vector<AttentionOverride> loadOverrides(const std::string& file)
{
    return overridesFromJson(loadDocument(file, exampleLimits()), file);
}

json overridesToJson(const std::vector<AttentionOverride>& overrides)
{
    json steps = json::array();
    for (const AttentionOverride& o : overrides)
        steps.push_back(json{{"t", o.t}, {"weights", toJson(o.weights)}});
    return json{{"format", "attnviz-override"}, {"version", 1}, {"steps", std::move(steps)}};
}

} // namespace attnviz
