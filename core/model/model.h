#pragma once
// attnviz-model files (SPEC §5) and the configuration of the one general encoder–decoder (SPEC §4).
// A preset is a set of defaults for ModelConfig plus a Topology; there is one code path for all.
#include "core/formats/json_io.h"
#include "core/model/inference.h"
#include "core/model/pieces.h"
#include "core/model/topology.h"
#include "core/model/transformer.h"
#include "core/model/vocab.h"
#include "core/numeric/cells.h"
#include "core/numeric/score_functions.h"
#include "core/numeric/types.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

// The file's "config" with the preset's defaults filled in (see core/model/model_conventions.md).
struct ModelConfig {
    CellKind cell = CellKind::Lstm;
    int hiddenSize = 0;          // H
    int embeddingSize = 0;       // E
    int layers = 1;              // L (encoder and decoder)
    std::optional<ScoreKind> score;  // none: no attention (seq2seq)
    int attentionSize = 0;       // da, additive only (default H)
    bool inputFeeding = false;   // luong
    int maxLen = 50;             // max output tokens; rows of W_loc; a transformer's longest source too
    bool lowercase = false;
    // transformer only (SPEC §4): d_model is hiddenSize (= embeddingSize), layers = decoderLayers, score =
    // scaled_dot (each head's q·k/√(d/h)); see Model::transformerConfig().
    int heads = 0;               // h
    int encoderLayers = 0;
    int decoderLayers = 0;
    int ffSize = 0;              // dim_feedforward; read from the weights when the file omits it
};

const std::vector<std::string>& allPresets();  // seq2seq, seq2seq_attention, bahdanau, luong, gnmt, transformer
bool isPreset(const std::string& id);
// How people name a preset: "Bahdanau 2015", "seq2seq + dot attention", …; the id itself for the transformer and
// for an id that is no preset.
std::string presetTitle(const std::string& id);
// Defaults of a preset for the given sizes (H, E), e.g. for randomModel(). Throws ShapeError for an unknown preset.
// transformer: d_model = hidden (embedding is ignored), 2 + 2 layers, ff_size 4·d_model, heads the largest of
// 8, 4, 2, 1 that divides d_model with at least 4 numbers per head.
ModelConfig presetConfig(const std::string& preset, int hidden, int embedding);

// A preset as a view that knows only its id and score function describes it (a trace records neither sizes, cell
// nor input feeding): the preset's defaults (sizes 1) with `score` where it names a score function (else the
// preset's own), and that configuration's topology. None for an id that is no preset.
struct PresetShape {
    ModelConfig config;
    Topology topology;
};
std::optional<PresetShape> presetShape(const std::string& preset, const std::string& score);

// Sizes derived from config + topology.
struct Dims {
    int H = 0, E = 0, L = 0, Vs = 0, Vt = 0;
    int keySize = 0;        // dk: size of the encoder states attention reads (2H for a 1-layer bidirectional encoder)
    int querySize = 0;      // dq = H
    int outputFeatures = 0; // columns of out.weight
    std::vector<int> encoderInputs, decoderInputs;  // I_k of each encoder layer (forward direction), decoder layer
    int encoderInput(int layer) const { return encoderInputs[static_cast<std::size_t>(layer)]; }
    int decoderInput(int layer) const { return decoderInputs[static_cast<std::size_t>(layer)]; }
    int size(InputPart part) const;  // E, H or dk (see InputPart)
    int size(const InputParts& parts) const;
};

struct ModelWeights {
    Mat encoderEmbedding;                // (V_s × E)
    Mat decoderEmbedding;                // (V_t × E)
    std::vector<RnnWeights> encoder;     // l0..l{L-1}
    RnnWeights encoderReverse;           // l0_reverse (bidirectional bottom only)
    std::vector<RnnWeights> decoder;     // l0..l{L-1}
    ScoreFunction attention;             // the score function and its parameters (attention.W, W_q, …)
    Mat bridgeWeight;                    // (H × H)   bahdanau
    Vec bridgeBias;                      // (H)
    Mat combineWeight;                   // (H × (dk + H)) luong W_c
    Mat outWeight;                       // (V_t × features)
    Vec outBias;                         // (V_t)
    TransformerWeights transformer;      // the transformer preset's weights (its own out.weight, …); empty otherwise
};

struct Model {
    std::string architecture;   // preset id
    ModelConfig config;
    Topology topology;
    Dims dims;
    Vocab source, target;
    std::string tokenizer;      // "whitespace" | "char" | "sentencepiece"
    // The SentencePiece models of each side (tokenizer "sentencepiece" only; shared, never changed).
    std::shared_ptr<const PieceModel> sourcePieces, targetPieces;
    ModelWeights weights;
    std::string file;           // where it was loaded from ("" in memory)
    std::string title;          // optional "title" of the file, for people
    std::vector<std::string> examples;  // optional "examples": source sentences to try (the window offers them)
    // The float32 copies decoding multiplies by (core/model/inference.h), made on first use; checked against the
    // weights on every use. Code that changes weights in place may call inference.reset().
    InferenceCache inference;

    TokenizerKind tokenizerKind() const;
    // Text → tokens with this model's tokenizer (and config "lowercase"); SentencePiece pieces where the
    // model carries them. Unknown tokens keep their surface form (the vocabulary maps them to <unk>).
    Tokens tokenizeSource(const std::string& text) const;
    Tokens tokenizeTarget(const std::string& text) const;
    // Tokens → text for display and plain output: pieces joined (SentencePiece), words joined by a space
    // (whitespace), characters concatenated (char).
    std::string detokenizeSource(const Tokens& tokens) const;
    std::string detokenizeTarget(const Tokens& tokens) const;
    const ScoreFunction& scoreFunction() const { return weights.attention; }  // meaningful when config.score is set
    bool hasAttention() const { return config.score.has_value(); }
    bool isTransformer() const { return architecture == "transformer"; }
    // The transformer engine's configuration (core/model/transformer.h) from config; meaningful for isTransformer().
    TransformerConfig transformerConfig() const;
};

// One weight the configuration needs: its file name, expected shape (cols < 0: a vector) and where
// it lives. The single list used by the loader, the writer, randomModel() and training.
struct WeightSlot {
    std::string name;
    Eigen::Index rows = 0, cols = -1;
    bool optional = false;
    Mat* matrix = nullptr;
    Vec* vector = nullptr;
};
// Sizes the layer lists of model.weights and lists every slot the (finalized) model needs, in file order.
// A transformer's slots are transformerWeightSlots() (core/model/transformer.h) into model.weights.transformer.
std::vector<WeightSlot> weightSlots(Model& model);
// Rounds every weight to the nearest float32 value (still stored as double). A CBOR file then holds each
// weight in 5 bytes instead of 9 (the writer uses single precision for numbers it represents exactly);
// the outputs change by about 1e-7 relative. Used to ship larger models (`attnviz convert --float32`).
void roundWeightsToFloat32(Model& model);

// A configuration that makes no sense for the preset; field() is the config key ("layers", "score", …).
class ConfigError : public ShapeError {
public:
    ConfigError(std::string field, const std::string& what) : ShapeError(what), field_(std::move(field)) {}
    const std::string& field() const { return field_; }

private:
    std::string field_;
};

Dims computeDims(const ModelConfig& config, const Topology& topology, int sourceVocab, int targetVocab);
// Throws ConfigError when the configuration makes no sense for the preset (naming the field).
void checkConfig(const std::string& preset, const ModelConfig& config, const Dims& dims);

// Validates everything (header, preset, config, vocab, tokenizer, every weight's presence and shape);
// throws InputError naming `file`, the JSON pointer and expected versus found.
Model modelFromJson(const json& doc, const std::string& file);
Model loadModel(const std::string& file);  // JSON, or CBOR when the name ends in .cbor
json modelToJson(const Model& model);
void saveModel(const Model& model, const std::string& file);  // atomic

// Fills topology and dims from architecture/config/vocab and checks the configuration (ShapeError).
void finalizeModel(Model& model);

} // namespace attnviz
