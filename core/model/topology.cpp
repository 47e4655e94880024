#include "core/model/topology.h"

#include "core/model/model.h"

#include <algorithm>

namespace attnviz {

bool InputParts::has(InputPart p) const
{
    return std::find(begin(), end(), p) != end();
}

InputParts Topology::decoderInput(int layer) const
{
    InputParts in;
    in.add(layer == 0 ? InputPart::Embedding : InputPart::Below);
    if (layer == 0 && inputFeeding)
        in.add(InputPart::Attentional);
    if (queriesPrevious() && (contextToEveryLayer || (layer == 0 && contextToBottomInput)))
        in.add(InputPart::Context);
    return in;
}

InputParts Topology::outputInput() const
{
    InputParts in;
    if (attentionalState) {
        in.add(InputPart::Attentional);
        return in;
    }
    in.add(InputPart::Top);
    if (outputHasContext)
        in.add(InputPart::Context);
    if (outputHasEmbedding)
        in.add(InputPart::Embedding);
    return in;
}

Topology presetTopology(const std::string& preset, const ModelConfig& config)
{
    Topology t;
    if (preset == "seq2seq_attention") {
        t.query = QuerySource::CurrentTop;       // h_t queries; logits = W [h_t; c_t] + b
        t.outputHasContext = true;
    } else if (preset == "bahdanau") {
        t.bidirectionalBottom = true;            // h̄_j = [→h_j; ←h_j]
        t.init = DecoderInit::Bridge;            // s_0 = tanh(W ←h_1 + b)
        t.query = QuerySource::PreviousTop;      // s_{i-1} queries
        t.contextToBottomInput = true;           // s_i = GRU([E y_{i-1}; c_i], s_{i-1})
        t.outputHasContext = true;               // logits = W [s_i; c_i; E y_{i-1}] + b
        t.outputHasEmbedding = true;
    } else if (preset == "luong") {
        t.query = QuerySource::CurrentTop;       // h_t queries
        t.attentionalState = true;               // h̃_t = tanh(W_c [c_t; h_t]); logits = W h̃_t + b
    } else if (preset == "gnmt") {
        t.bidirectionalBottom = true;
        t.residualFrom = 2;                      // "from layer 3 on" (0-based index 2)
        t.init = DecoderInit::Zero;
        t.query = QuerySource::PreviousBottom;   // y¹_{i-1} queries
        t.contextToBottomInput = true;
        t.contextToEveryLayer = true;            // [y^{k}_i; a_i] into every layer
    } else if (preset == "transformer") {
        t.recurrent = false;
    }
    // Without a score function there is no context to place and no attentional state to form.
    t.attention = !t.recurrent || config.score.has_value();  // a transformer always attends
    t.contextToBottomInput = t.contextToBottomInput && t.attention;
    t.contextToEveryLayer = t.contextToEveryLayer && t.attention;
    t.attentionalState = t.attentionalState && t.attention;
    t.outputHasContext = t.outputHasContext && t.attention;
    t.inputFeeding = t.attentionalState && config.inputFeeding;
    return t;
}

} // namespace attnviz
