#pragma once
// The transformer preset (SPEC §4) as a differentiable graph for training: teacher forcing over whole target
// sequences at once — what transformerDecodeSequence (core/model/transformer.h) computes for one sentence, for a
// padded batch on a Tape, dropout off. Every projection, feed-forward layer, norm and the output layer run
// over all tokens of the batch in one product (ad ops of core/train/tape_transformer.h); attention runs per
// sentence and head with the padding of the source masked and the decoder's self-attention causal.
// train_graph.h's teacherForcedFeatures / teacherForcedLoss / teacherForcedProbs / greedyDecode / initParams
// call these for a transformer model, so the trainer needs no second code path.
#include "core/train/train_graph.h"

#include <cstdint>
#include <vector>

namespace attnviz {

// The decoder output after the final decoder norm for every target position (B·T × d, row b·T + t), with
// targets (tgtOut) and weights (1 for real tokens and <eos>, 0 for <pad>) of those rows. Throws ShapeError
// for a source or a target (with <eos>) longer than the config's max_len.
TeacherForcedFeatures transformerTeacherForcedFeatures(Tape& tape, const ParamStore& params, const Model& model,
                                                       const Batch& batch);

// Greedy decoding of each source of the batch with the inference engine (cached keys and values), the
// weights taken from params: argmax over the target vocabulary until <eos> (left out) or max_len tokens.
std::vector<std::vector<int>> transformerGreedyDecode(const ParamStore& params, const Model& model, const Batch& batch,
                                                      const SpecialIds& ids);

// Initial parameters, seeded and the same on every platform: Xavier-uniform matrices (as
// nn.Transformer._reset_parameters; in_proj_weight as one 3d × d matrix), zero biases, LayerNorm γ = 1 and
// β = 0, embeddings uniform with standard deviation d^−½ (so E[x]·√d has unit variance, like the positions),
// out.weight Xavier-uniform.
ParamStore transformerInitParams(Model& model, std::uint64_t seed);

// The model's transformer weights from params (every transformer slot must be present).
TransformerWeights transformerWeightsFromParams(const ParamStore& params, const Model& model);

} // namespace attnviz
