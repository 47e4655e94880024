#pragma once
// The general encoder–decoder of SPEC §4 as a differentiable graph on a Tape (core/train/tape.h), batched and
// padding-aware, for training. One code path for all five presets: cell type, layer count, bidirectional
// bottom layer, residual connections, attention score, which state queries and where the context goes
// are configuration (see core/model/model_conventions.md for every weight name and dimension).
//
// The transformer preset is not recurrent: teacherForcedFeatures, teacherForcedLoss, teacherForcedProbs,
// greedyDecode and initParams hand a transformer model to core/train/transformer_train.h (whole sequences at once).
//
// Batch layout: B sentences; the source is padded to n positions, the target to T steps. Padded source
// positions leave the encoder state unchanged (the backward direction starts at each sentence's last
// real token) and get attention weight 0; padded target steps have loss weight 0.
#include "core/model/model.h"
#include "core/train/tape.h"

#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

// Parameters of a model by weight name, from weightSlots(model) (core/model/model.h): vectors become (n × 1).
// Optional slots that the model leaves empty are left out.
ParamStore paramsFromModel(Model& model);
// Writes every parameter of `params` whose name is a slot of the model into the model's weights.
// Throws ShapeError for a shape that does not match the slot.
void paramsIntoModel(const ParamStore& params, Model& model);
// Uniform(−r, r) for every slot of the (finalized) model, optional ones included, with r = 1/√H
// (PyTorch's RNN default). The same seed gives the same parameters.
ParamStore initParams(Model& model, std::uint64_t seed);

// One sentence pair as ids (no <sos>/<eos>; the graph adds them).
struct PairIds {
    std::vector<int> src, tgt;
};
struct SpecialIds {
    int pad = 0, sos = 1, eos = 2;
};

struct Batch {
    int B = 0, n = 0, T = 0;                 // sentences, source positions, target steps (incl. <eos>)
    std::vector<std::vector<int>> src;      // n × B ids (time-major), <pad> after the end
    Mat srcMask;                            // B × n, 1 for real tokens
    std::vector<std::vector<int>> tgtIn;    // T × B: <sos> y₁ … (decoder inputs)
    std::vector<std::vector<int>> tgtOut;   // T × B: y₁ … <eos> (targets)
    std::vector<Vec> tgtMask;               // T × (B), 1 where tgtOut is a real token or <eos>
    long long targetTokens = 0;             // Σ tgtMask
};
// Pads pairs[first, first + count) into a batch. Source sentences must not be empty.
Batch makeBatch(const std::vector<PairIds>& pairs, std::size_t first, std::size_t count, const SpecialIds& ids);

// Runs the encoder and then the decoder one step at a time on a tape.
class GraphDecoder {
public:
    // Builds the encoder of `batch` (only src and srcMask are used) and the decoder's initial state.
    // The model supplies configuration, topology and sizes; its weights are not used (params are).
    GraphDecoder(Tape& tape, const ParamStore& params, const Model& model, const Batch& batch);
    // One decoder step with previous tokens prev (B); returns logits (B × V_t).
    Var step(const std::vector<int>& prev);
    // The same step up to the output layer's input (the features that W_out multiplies): (B × I).
    Var stepFeatures(const std::vector<int>& prev);
    // Attention weights (B × n) of the last step; invalid for seq2seq.
    Var lastWeights() const { return weights_; }
    Var keys() const { return keys_; }

private:
    struct Rnn {
        Var wih, whh, bih, bhh;
    };
    struct State {
        Var h, c;
    };
    Rnn rnn(const std::string& prefix);
    State cell(const Rnn& w, Var x, const State& s);
    State zero();
    std::vector<Var> runDirection(const std::vector<Var>& xs, const std::string& prefix, bool reverse, State& last);
    void encode(const Batch& batch);
    Var attend(Var query);

    Tape& t_;
    const ParamStore& p_;
    const Model& m_;
    int B_ = 0, n_ = 0;
    Mat mask_;
    Var keys_, preKeys_, weights_;
    std::vector<State> state_;  // per decoder layer
    Var feed_;                  // h̃_{t−1} (luong input feeding)
};

// Σ over real target tokens of −log p(y_t | …), teacher forced: (1 × 1) on the tape. The output layer
// runs once over all steps (ad::linearCrossEntropySum); float32Output computes it in single precision
// (training speed), false keeps everything float64 (gradient checks).
Var teacherForcedLoss(Tape& tape, const ParamStore& params, const Model& model, const Batch& batch,
                      bool float32Output = false);
// The teacher-forced graph up to the output layer: the features of every step stacked (T·B × I, row
// t·B + b), with the targets and weights (1 for real tokens, 0 for <pad>) of those rows. What
// teacherForcedLoss feeds ad::linearCrossEntropySum; the trainer feeds it to outputLayerLoss instead.
struct TeacherForcedFeatures {
    Var x;
    std::vector<int> targets;
    Vec weights;
};
TeacherForcedFeatures teacherForcedFeatures(Tape& tape, const ParamStore& params, const Model& model, const Batch& batch);
// Per-step output distributions (T matrices of B × V_t), teacher forced, without recording gradients.
std::vector<Mat> teacherForcedProbs(const ParamStore& params, const Model& model, const Batch& batch);
// Greedy decoding of the batch's sources: argmax tokens until <eos> (left out of the result) or
// the config's max_len tokens.
std::vector<std::vector<int>> greedyDecode(const ParamStore& params, const Model& model, const Batch& batch,
                                           const SpecialIds& ids);

} // namespace attnviz
