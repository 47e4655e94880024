#pragma once
// What distinguishes the recurrent presets (SPEC §4), resolved for one configuration: the one description of the
// general encoder–decoder. Every walk of it asks this description and derives nothing from the preset id:
// inference (encoder_decoder.cpp, batch_step.cpp), training (core/train/train_graph.cpp), the sizes and the
// weight list (model.cpp, inference.cpp), the architecture drawing (architecture_graph.cpp) and the step view's
// words (ui/step/step_text.cpp). A decision about the structure is made in presetTopology(), once.
#include <array>
#include <cstddef>
#include <string>

namespace attnviz {

struct ModelConfig;

// Where the query comes from: s_{i−1} (bahdanau), the current top output h_t (seq2seq_attention, luong), the
// bottom layer's previous output y¹_{i−1} (gnmt).
enum class QuerySource { PreviousTop, CurrentTop, PreviousBottom };
// The decoder's s_0: the encoder layers' final states, tanh(W_bridge ←h_1 + b) (bahdanau), or zero (gnmt).
enum class DecoderInit { EncoderFinal, Bridge, Zero };

// One piece of a concatenated input vector. Sizes: Embedding E (E y_{t−1}), Below H (the output of the layer
// below), Attentional H (h̃: Luong's attentional state), Context dk (c), Top H (the top decoder output).
enum class InputPart { Embedding, Below, Attentional, Context, Top };

// The pieces of one input, in the order of its weight's columns (at most three).
struct InputParts {
    std::array<InputPart, 3> parts{};
    int count = 0;
    const InputPart* begin() const { return parts.data(); }
    const InputPart* end() const { return parts.data() + count; }
    void add(InputPart p) { parts[static_cast<std::size_t>(count++)] = p; }
    bool has(InputPart p) const;
};

// A default Topology is the plain encoder–decoder without attention (seq2seq).
struct Topology {
    bool recurrent = true;              // false: the transformer, which none of the rest describes
    bool bidirectionalBottom = false;   // encoder layer 0 reads both ways, outputs [→h; ←h]
    int residualFrom = -1;              // layers k ≥ residualFrom (k ≥ 1) add their input to their output (-1: never)
    DecoderInit init = DecoderInit::EncoderFinal;
    bool attention = false;             // a score function is configured (always for the transformer); without it nothing below about attention holds
    QuerySource query = QuerySource::CurrentTop;
    bool contextToBottomInput = false;  // decoder layer 0 input gets [E y; c]
    bool contextToEveryLayer = false;   // every decoder layer input gets the context (gnmt)
    bool attentionalState = false;      // Luong h̃ = tanh(W_c [c; h]) feeds the output
    bool inputFeeding = false;          // h̃_{t−1} joins decoder layer 0's input (config input_feeding, luong)
    bool outputHasContext = false;      // output layer reads [h; c] (seq2seq_attention, bahdanau)
    bool outputHasEmbedding = false;    // output layer reads E y_{i-1} too (bahdanau)

    // Encoder layer `layer` reads both ways.
    bool encoderBidirectional(int layer) const { return layer == 0 && bidirectionalBottom; }
    // Layer `layer` (encoder and decoder alike) adds its input to its output: out_k = RNN_k(in_k) + in_k. Never
    // layer 0, which reads the embeddings.
    bool residual(int layer) const { return residualFrom >= 0 && layer >= residualFrom && layer >= 1; }
    // Attention runs before the decoder layers, queried by a state of the previous step (queryLayer), and its
    // context can enter the layers; or after them, queried by the current top output.
    bool queriesPrevious() const { return attention && query != QuerySource::CurrentTop; }
    bool queriesCurrent() const { return attention && query == QuerySource::CurrentTop; }
    // The decoder layer whose previous state queries (queriesPrevious): the bottom one or the top one of `layers`.
    int queryLayer(int layers) const { return query == QuerySource::PreviousBottom ? 0 : layers - 1; }
    // The input of decoder layer `layer`: [E y_{t−1}; h̃_{t−1}; c] at the bottom, [y^k; c] above, with the parts
    // this topology uses. The context only where attention ran before the layers.
    InputParts decoderInput(int layer) const;
    // The input of the output layer (out.weight's columns): h̃ (attentionalState) or [h; c; E y_{t−1}] with the parts
    // this topology uses.
    InputParts outputInput() const;
};

// The topology of a preset (allPresets(), core/model/model.h) for a configuration: attention as config.score
// says, input feeding as config.inputFeeding says where there is an attentional state to feed.
Topology presetTopology(const std::string& preset, const ModelConfig& config);

} // namespace attnviz
