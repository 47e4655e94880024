#include "core/model/model.h"

#include "core/formats/error.h"

namespace attnviz {

namespace {

struct PresetName {
    const char* id;
    const char* title;
};
constexpr PresetName kPresets[] = {{"seq2seq", "seq2seq, no attention"}, {"seq2seq_attention", "seq2seq + dot attention"},
                                   {"bahdanau", "Bahdanau 2015"},        {"luong", "Luong 2015"},
                                   {"gnmt", "GNMT (Wu 2016)"},           {"transformer", "transformer"}};

} // namespace

const std::vector<std::string>& allPresets()
{
    static const std::vector<std::string> ids = [] {
        std::vector<std::string> v;
        for (const PresetName& p : kPresets)
            v.emplace_back(p.id);
        return v;
    }();
    return ids;
}

std::string presetTitle(const std::string& id)
{
    for (const PresetName& p : kPresets)
        if (id == p.id)
            return p.title;
    return id;
}

bool isPreset(const std::string& id)
{
    for (const std::string& p : allPresets())
        if (p == id)
            return true;
    return false;
}

namespace {

std::string presetList()
{
    std::string s;
    for (const std::string& p : allPresets())
        s += (s.empty() ? "" : ", ") + p;
    return s;
}

} // namespace

ModelConfig presetConfig(const std::string& preset, int hidden, int embedding)
{
    ModelConfig c;
    c.hiddenSize = hidden;
    c.embeddingSize = embedding;
    c.attentionSize = hidden;
    if (preset == "seq2seq") {
        c.cell = CellKind::Lstm;
    } else if (preset == "seq2seq_attention") {
        c.cell = CellKind::Lstm;
        c.score = ScoreKind::Dot;
    } else if (preset == "bahdanau") {
        c.cell = CellKind::Gru;
        c.score = ScoreKind::Additive;
    } else if (preset == "luong") {
        c.layers = 2;
        c.score = ScoreKind::General;
        c.inputFeeding = true;
    } else if (preset == "gnmt") {
        c.layers = 8;
        c.score = ScoreKind::Additive;
    } else if (preset == "transformer") {
        c.embeddingSize = hidden;
        c.score = ScoreKind::ScaledDot;  // each head: q·k/√(d/h)
        c.heads = 1;
        for (int h : {8, 4, 2})
            if (hidden % h == 0 && hidden / h >= 4) {
                c.heads = h;
                break;
            }
        c.encoderLayers = c.decoderLayers = c.layers = 2;
        c.ffSize = 4 * hidden;
    } else {
        throw ShapeError("unknown architecture \"" + preset + "\": expected one of " + presetList());
    }
    return c;
}

std::optional<PresetShape> presetShape(const std::string& preset, const std::string& score)
{
    if (!isPreset(preset))
        return std::nullopt;
    PresetShape s;
    s.config = presetConfig(preset, 1, 1);
    if (const std::optional<ScoreKind> k = scoreKindFromId(score))
        s.config.score = *k;
    s.topology = presetTopology(preset, s.config);
    return s;
}

int Dims::size(InputPart part) const
{
    switch (part) {
    case InputPart::Embedding: return E;
    case InputPart::Context: return keySize;
    case InputPart::Below:
    case InputPart::Attentional:
    case InputPart::Top: return H;
    }
    return 0;
}

int Dims::size(const InputParts& parts) const
{
    int n = 0;
    for (InputPart p : parts)
        n += size(p);
    return n;
}

Dims computeDims(const ModelConfig& config, const Topology& topology, int sourceVocab, int targetVocab)
{
    Dims d;
    if (config.heads > 0) {  // transformer: everything is d_model wide
        d.H = d.E = d.keySize = d.querySize = d.outputFeatures = config.hiddenSize;
        d.L = config.decoderLayers;
        d.Vs = sourceVocab;
        d.Vt = targetVocab;
        return d;
    }
    d.H = config.hiddenSize;
    d.E = config.embeddingSize;
    d.L = config.layers;
    d.Vs = sourceVocab;
    d.Vt = targetVocab;
    auto encoderOutput = [&](int layer) { return topology.encoderBidirectional(layer) ? 2 * d.H : d.H; };
    d.keySize = encoderOutput(d.L - 1);
    d.querySize = d.H;
    for (int k = 0; k < d.L; ++k) {
        d.encoderInputs.push_back(k == 0 ? d.E : encoderOutput(k - 1));
        d.decoderInputs.push_back(d.size(topology.decoderInput(k)));
    }
    d.outputFeatures = d.size(topology.outputInput());
    return d;
}

void checkConfig(const std::string& preset, const ModelConfig& c, const Dims& d)
{
    auto fail = [&](const std::string& field, const std::string& what) {
        throw ConfigError(field, preset + ": " + what);
    };
    if (preset == "transformer") {
        const std::pair<const char*, int> sizes[] = {{"d_model", c.hiddenSize}, {"heads", c.heads}, {"encoder_layers", c.encoderLayers},
                                                     {"decoder_layers", c.decoderLayers}, {"ff_size", c.ffSize}, {"max_len", c.maxLen}};
        for (const auto& [field, v] : sizes)
            if (v < 1)
                fail(field, std::string("expected a positive ") + field + ", found " + std::to_string(v));
        if (c.hiddenSize % c.heads != 0)
            fail("heads", "expected a number of heads that divides d_model " + std::to_string(c.hiddenSize) + " (each head gets d_model / heads numbers), found "
                              + std::to_string(c.heads));
        if (c.score != ScoreKind::ScaledDot)
            fail("score", "expected scaled_dot (every head scores q·k/√(d/h)), found " + (c.score ? "\"" + scoreId(*c.score) + "\"" : std::string("none")));
        if (c.inputFeeding)
            fail("input_feeding", "expected false (a transformer has no attentional state to feed), found true");
        return;
    }
    if (c.heads > 0)
        fail("heads", "expected no heads (" + preset + " is recurrent; heads belong to the transformer), found " + std::to_string(c.heads));
    if (preset == "seq2seq" && c.score)
        fail("score", "expected no score (seq2seq has no attention), found \"" + scoreId(*c.score) + "\"");
    if (preset != "seq2seq" && !c.score)
        fail("score", "expected a score function (" + preset + " uses attention), found none");
    if (preset == "bahdanau" && c.layers != 1)
        fail("layers", "expected 1 (bahdanau has one bidirectional encoder layer and one decoder layer), found " + std::to_string(c.layers));
    if (preset == "seq2seq_attention" && c.layers != 1)
        fail("layers", "expected 1 (seq2seq_attention is the one-layer model), found " + std::to_string(c.layers));
    if (preset == "bahdanau" && c.cell != CellKind::Gru)
        fail("cell", "expected \"gru\" (the bridge s_0 = tanh(W ←h_1 + b) initialises a GRU state), found \"" + cellId(c.cell) + "\"");
    if (preset == "gnmt" && c.cell != CellKind::Lstm)
        fail("cell", "expected \"lstm\" (GNMT stacks LSTMs), found \"" + cellId(c.cell) + "\"");
    if (preset == "gnmt" && c.layers < 2)
        fail("layers", "expected at least 2 (a bidirectional bottom layer and one above it), found " + std::to_string(c.layers));
    if (c.inputFeeding && preset != "luong")
        fail("input_feeding", "expected false (input feeding feeds Luong's attentional state, which " + preset + " does not have), found true");
    if (c.score) {
        const ScoreKind k = *c.score;
        if ((k == ScoreKind::Dot || k == ScoreKind::ScaledDot || k == ScoreKind::Cosine) && d.querySize != d.keySize)
            fail("score", "\"" + scoreId(k) + "\" needs the query and the encoder states to have the same size, found query size dq = "
                              + std::to_string(d.querySize) + " and encoder state size dk = " + std::to_string(d.keySize)
                              + " (use general, additive or location)");
        if (k == ScoreKind::Additive && c.attentionSize < 1)
            fail("attention_size", "expected a positive attention size da, found " + std::to_string(c.attentionSize));
    }
}

void finalizeModel(Model& m)
{
    if (!isPreset(m.architecture))
        throw ShapeError("unknown architecture \"" + m.architecture + "\": expected one of " + presetList());
    if (m.architecture == "transformer") {  // d_model is both sizes; the decoder's layers are "the" layers
        m.config.embeddingSize = m.config.hiddenSize;
        m.config.layers = m.config.decoderLayers;
    }
    m.topology = presetTopology(m.architecture, m.config);
    m.dims = computeDims(m.config, m.topology, m.source.size(), m.target.size());
    checkConfig(m.architecture, m.config, m.dims);
}

TransformerConfig Model::transformerConfig() const
{
    TransformerConfig t;
    t.dModel = config.hiddenSize;
    t.heads = config.heads;
    t.encoderLayers = config.encoderLayers;
    t.decoderLayers = config.decoderLayers;
    t.ffSize = config.ffSize;
    t.maxLen = config.maxLen;
    return t;
}

TokenizerKind Model::tokenizerKind() const
{
    return tokenizerFromId(tokenizer).value_or(TokenizerKind::Whitespace);
}

namespace {

Tokens tokenizeWith(const Model& m, const PieceModel* pieces, const std::string& text)
{
    if (m.tokenizerKind() != TokenizerKind::SentencePiece)
        return tokenize(text, m.tokenizerKind(), m.config.lowercase);
    if (!pieces)
        throw ShapeError("the model's tokenizer is sentencepiece but it carries no SentencePiece model");
    return pieces->encode(m.config.lowercase ? asciiLowercase(text) : text);
}

std::string detokenizeWith(const Model& m, const PieceModel* pieces, const Tokens& tokens)
{
    if (m.tokenizerKind() == TokenizerKind::SentencePiece && pieces)
        return pieces->decode(tokens);
    return detokenize(tokens, m.tokenizerKind());
}

} // namespace

Tokens Model::tokenizeSource(const std::string& text) const { return tokenizeWith(*this, sourcePieces.get(), text); }
Tokens Model::tokenizeTarget(const std::string& text) const { return tokenizeWith(*this, targetPieces.get(), text); }
std::string Model::detokenizeSource(const Tokens& t) const { return detokenizeWith(*this, sourcePieces.get(), t); }
std::string Model::detokenizeTarget(const Tokens& t) const { return detokenizeWith(*this, targetPieces.get(), t); }

void roundWeightsToFloat32(Model& model)
{
    auto round = [](double* x, Eigen::Index n) {
        for (Eigen::Index i = 0; i < n; ++i)
            x[i] = static_cast<double>(static_cast<float>(x[i]));
    };
    for (WeightSlot& slot : weightSlots(model)) {
        if (slot.matrix)
            round(slot.matrix->data(), slot.matrix->size());
        else
            round(slot.vector->data(), slot.vector->size());
    }
}

std::vector<WeightSlot> weightSlots(Model& model)
{
    model.inference.reset();  // the slots are handed out for writing: the float32 copies may go stale
    const Dims& d = model.dims;
    const ModelConfig& c = model.config;
    const Topology& t = model.topology;
    ModelWeights& w = model.weights;
    std::vector<WeightSlot> s;
    if (model.isTransformer()) {
        for (const TransformerSlot& t : transformerWeightSlots(w.transformer, model.transformerConfig(), d.Vs, d.Vt))
            s.push_back({t.name, t.rows, t.cols, false, t.matrix, t.vector});
        return s;
    }
    const Eigen::Index G = gateCount(c.cell) * d.H;
    auto mat = [&](std::string name, Eigen::Index r, Eigen::Index cols, Mat& m) { s.push_back({std::move(name), r, cols, false, &m, nullptr}); };
    auto vec = [&](std::string name, Eigen::Index n, Vec& v, bool opt = false) { s.push_back({std::move(name), n, -1, opt, nullptr, &v}); };
    auto rnn = [&](const std::string& prefix, Eigen::Index in, RnnWeights& r) {
        mat(prefix + ".weight_ih", G, in, r.weight_ih);
        mat(prefix + ".weight_hh", G, d.H, r.weight_hh);
        vec(prefix + ".bias_ih", G, r.bias_ih);
        vec(prefix + ".bias_hh", G, r.bias_hh);
    };
    w.encoder.resize(static_cast<std::size_t>(d.L));
    w.decoder.resize(static_cast<std::size_t>(d.L));

    mat("encoder.embedding", d.Vs, d.E, w.encoderEmbedding);
    mat("decoder.embedding", d.Vt, d.E, w.decoderEmbedding);
    for (int k = 0; k < d.L; ++k) {
        rnn("encoder.l" + std::to_string(k), d.encoderInput(k), w.encoder[static_cast<std::size_t>(k)]);
        if (t.encoderBidirectional(k))
            rnn("encoder.l0_reverse", d.E, w.encoderReverse);
    }
    for (int k = 0; k < d.L; ++k)
        rnn("decoder.l" + std::to_string(k), d.decoderInput(k), w.decoder[static_cast<std::size_t>(k)]);
    if (c.score) {
        if (w.attention.kind() != *c.score)
            w.attention = ScoreFunction(*c.score);
        ScoreParams& p = w.attention.params();
        switch (*c.score) {
        case ScoreKind::General: mat("attention.W", d.querySize, d.keySize, p.W); break;
        case ScoreKind::Additive:
            mat("attention.W_q", c.attentionSize, d.querySize, p.W_q);
            mat("attention.W_k", c.attentionSize, d.keySize, p.W_k);
            vec("attention.v", c.attentionSize, p.v);
            vec("attention.b", c.attentionSize, p.b, true);
            break;
        case ScoreKind::Location:
            mat("attention.W_loc", c.maxLen, d.querySize, p.W_loc);
            vec("attention.b_loc", c.maxLen, p.b_loc, true);
            break;
        default: break;
        }
    }
    if (t.init == DecoderInit::Bridge) {
        mat("bridge.weight", d.H, d.H, w.bridgeWeight);
        vec("bridge.bias", d.H, w.bridgeBias);
    }
    if (t.attentionalState)
        mat("combine.weight", d.H, d.keySize + d.H, w.combineWeight);
    mat("out.weight", d.Vt, d.outputFeatures, w.outWeight);
    vec("out.bias", d.Vt, w.outBias);
    return s;
}

} // namespace attnviz
