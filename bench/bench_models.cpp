#include "bench_models.h"

#include "core/model/random_model.h"

#include <cmath>

namespace attnviz::bench {

const std::vector<std::string>& benchModelNames()
{
    static const std::vector<std::string> names{"bahdanau", "luong", "gnmt"};
    return names;
}

Model benchModel(const std::string& name)
{
    RandomModelOptions o;
    o.embedding = 128;
    o.sourceVocab = o.targetVocab = 8000;
    o.scale = 0.1;
    o.maxLen = 30;
    if (name == "bahdanau") {
        o.hidden = 256;
        o.attentionSize = 256;
    } else if (name == "luong") {
        o.hidden = 256;
        o.layers = 2;
        o.score = "general";
    } else {
        o.hidden = 128;
        o.layers = 8;
        o.attentionSize = 128;
    }
    Model m = randomModel(name, o, 2016);
    for (WeightSlot& s : weightSlots(m)) {  // 4 decimals: the JSON text holds the exact doubles
        if (s.matrix) *s.matrix = (s.matrix->array() * 1e4).round() / 1e4;
        if (s.vector) *s.vector = (s.vector->array() * 1e4).round() / 1e4;
    }
    m.weights.outBias(m.target.eos()) = -1000.0;
    return m;
}

Tokens benchSentence()
{
    Tokens t;
    for (int i = 4; i < 34; ++i)
        t.push_back("s" + std::to_string(i));
    return t;
}

} // namespace attnviz::bench
