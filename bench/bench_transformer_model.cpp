#include "bench_transformer_model.h"

#include "core/train/train_graph.h"

#include <string>

namespace attnviz::bench {

Model transformerBenchModel()
{
    Model m;
    m.architecture = "transformer";
    m.config = presetConfig("transformer", 256, 256);  // d_model 256: 8 heads, ff 4 · 256
    m.config.encoderLayers = m.config.decoderLayers = 4;
    m.config.maxLen = 30;
    m.tokenizer = "whitespace";
    Tokens source{"<pad>", "<sos>", "<eos>", "<unk>"}, target = source;
    for (int i = 4; i < 8000; ++i) {
        source.push_back("s" + std::to_string(i));
        target.push_back("t" + std::to_string(i));
    }
    m.source = Vocab(source, "", "/vocab/source");
    m.target = Vocab(target, "", "/vocab/target");
    finalizeModel(m);
    paramsIntoModel(initParams(m, 2016), m);
    m.weights.transformer.outBias(m.target.eos()) = -1e4;  // never stops early
    return m;
}

} // namespace attnviz::bench
