// Reading and writing attnviz-model documents (SPEC §5). Every failure names the file, the JSON
// pointer and expected versus found; nothing is returned unless the whole model validated.
#include "core/formats/error.h"
#include "core/formats/model_stream.h"
#include "core/model/model.h"

#include <set>

namespace attnviz {

namespace {

std::string shapeText(Eigen::Index rows, Eigen::Index cols)
{
    return cols < 0 ? "[" + std::to_string(rows) + "]" : "[" + std::to_string(rows) + ", " + std::to_string(cols) + "]";
}

// Shape of a tensor document without reading its numbers: {"shape": [...]} or nested arrays.
std::string foundShape(const json& j)
{
    if (j.is_object() && j.contains("shape"))
        return j["shape"].dump();
    if (j.is_array()) {
        if (!j.empty() && j[0].is_array())
            return "[" + std::to_string(j.size()) + ", " + std::to_string(j[0].size()) + "]";
        return "[" + std::to_string(j.size()) + "]";
    }
    return describeJson(j);
}

int positiveInt(const JsonReader& r, const json& cfg, const std::string& key, long long hi, std::optional<int> fallback)
{
    const std::string ptr = childPointer("/config", key);
    const json* v = r.optional(cfg, key);
    if (!v) {
        if (!fallback)
            r.fail(ptr, "expected a positive integer (no default for this field), found it missing");
        return *fallback;
    }
    return static_cast<int>(r.integer(*v, ptr, 1, hi));
}

// The bytes of an embedded SentencePiece model: a CBOR byte string, or base64 text (JSON files).
std::string pieceBytes(const JsonReader& r, const json& j, const std::string& ptr)
{
    if (j.is_binary())
        return std::string(j.get_binary().begin(), j.get_binary().end());
    if (!j.is_string())
        r.fail(ptr, "expected the SentencePiece model as base64 text or CBOR bytes, found " + describeJson(j));
    try {
        return base64Decode(j.get<std::string>());
    } catch (const std::invalid_argument& e) {
        r.fail(ptr, e.what());
    }
}

// Loads one side's SentencePiece model and checks that the vocabulary holds every piece it can produce.
std::shared_ptr<const PieceModel> readPieceModel(const JsonReader& r, const json& tok, const std::string& side, const Vocab& vocab)
{
    const std::string ptr = "/tokenizer/" + side;
    const json& j = r.require(tok, "/tokenizer", side);
    std::shared_ptr<const PieceModel> pm;
    try {
        pm = std::make_shared<const PieceModel>(pieceBytes(r, j, ptr));
    } catch (const std::invalid_argument& e) {
        r.fail(ptr, e.what());
    }
    for (int id = 0; id < pm->size(); ++id)
        if (!pm->isSpecial(id) && !vocab.contains(pm->piece(id)))
            r.fail(ptr, "expected every piece of the SentencePiece " + side + " model in /vocab/" + side + ", found \""
                            + printable(pm->piece(id)) + "\" (piece " + std::to_string(id) + ") missing from it");
    return pm;
}

// "whitespace" | "char" | {"type": "sentencepiece", "source": bytes, "target": bytes}
void readTokenizer(const JsonReader& r, const json& v, Model& m)
{
    if (v.is_object()) {
        const std::string type = r.string(r.require(v, "/tokenizer", "type"), "/tokenizer/type");
        if (type != "sentencepiece")
            r.fail("/tokenizer/type", "expected \"sentencepiece\", found \"" + printable(type) + "\"");
        m.tokenizer = type;
        m.sourcePieces = readPieceModel(r, v, "source", m.source);
        m.targetPieces = readPieceModel(r, v, "target", m.target);
        return;
    }
    m.tokenizer = r.string(v, "/tokenizer");
    if (m.tokenizer == "sentencepiece")
        r.fail("/tokenizer", "expected {\"type\": \"sentencepiece\", \"source\": …, \"target\": …} with the SentencePiece models, "
                             "found only the name");
    if (!tokenizerFromId(m.tokenizer))
        r.fail("/tokenizer", "expected \"whitespace\", \"char\" or a sentencepiece object, found \"" + printable(m.tokenizer) + "\"");
}

} // namespace

namespace {

// {"$tensor": k} placed by streamModelDocument at `ptr`, or nullptr. The same object written in a file is not
// a marker: the captured tensor must have been read at exactly this place.
CapturedTensor* capturedAt(const json& j, CapturedTensors* captured, const std::string& ptr)
{
    if (!captured || !j.is_object() || j.size() != 1 || !j.contains("$tensor") || !j["$tensor"].is_number_unsigned())
        return nullptr;
    const std::size_t k = j["$tensor"].get<std::size_t>();
    if (k >= captured->tensors.size() || captured->tensors[k].pointer != ptr)
        return nullptr;
    return &captured->tensors[k];
}

// The number of rows of the weight `name` as written (a nested array, {"shape": […]}, or streamed), if it is there.
std::optional<long long> weightRows(const json& weights, const std::string& name, CapturedTensors* captured)
{
    auto it = weights.find(name);
    if (it == weights.end())
        return std::nullopt;
    const json& t = *it;
    if (const CapturedTensor* c = capturedAt(t, captured, childPointer("/weights", name)))
        return c->rank == 2 ? std::optional<long long>(c->rows) : std::nullopt;
    if (t.is_object() && t.contains("shape") && t["shape"].is_array() && t["shape"].size() == 2 && t["shape"][0].is_number_integer())
        return t["shape"][0].get<long long>();
    if (t.is_array() && !t.empty() && t[0].is_array())
        return static_cast<long long>(t.size());
    return std::nullopt;
}

// Reads one weight into its slot from the DOM or from the streamed numbers; checks rank and shape.
void readWeight(const JsonReader& r, WeightSlot& slot, const json& t, const std::string& ptr, CapturedTensors* captured)
{
    const std::string mismatch = "expected " + slot.name + " of shape " + shapeText(slot.rows, slot.cols) + ", found shape ";
    const bool wantMatrix = slot.matrix != nullptr;
    if (CapturedTensor* c = capturedAt(t, captured, ptr)) {  // plain (nested) array
        if ((c->rank == 2) != wantMatrix)
            r.fail(ptr, mismatch + (c->rank == 2 ? shapeText(c->rows, c->cols) : shapeText(c->rows, -1)));
        if (c->rows != slot.rows || (wantMatrix && c->cols != slot.cols))
            r.fail(ptr, mismatch + (wantMatrix ? shapeText(c->rows, c->cols) : shapeText(c->rows, -1)));
        if (wantMatrix) c->moveInto(*slot.matrix, slot.rows, slot.cols);
        else c->moveInto(*slot.vector);
        return;
    }
    if (t.is_object() && t.contains("data")) {
        if (CapturedTensor* c = capturedAt(t["data"], captured, childPointer(ptr, "data"))) {  // {"shape": [...], "data": [...]}
            const json& shape = r.require(t, ptr, "shape");
            const std::string sp = childPointer(ptr, "shape");
            if (!shape.is_array() || shape.empty() || shape.size() > 2)
                r.fail(sp, "expected 1 or 2 dimensions, found " + describeJson(shape));
            std::vector<long long> dims;
            for (std::size_t i = 0; i < shape.size(); ++i)
                dims.push_back(r.integer(shape[i], childPointer(sp, i), 0, r.limits().maxDim));
            const long long n = dims.size() == 1 ? dims[0] : dims[0] * dims[1];
            if (c->rank != 1 || static_cast<long long>(c->count) != n)
                r.fail(childPointer(ptr, "data"), "expected " + std::to_string(n) + " numbers for shape " + shape.dump() + ", found "
                                                      + (c->rank == 1 ? std::to_string(c->count) : "rows of numbers"));
            const bool isMatrix = dims.size() == 2;
            if (isMatrix != wantMatrix || dims[0] != slot.rows || (isMatrix && dims[1] != slot.cols))
                r.fail(ptr, mismatch + shape.dump());
            if (wantMatrix) c->moveInto(*slot.matrix, slot.rows, slot.cols);
            else c->moveInto(*slot.vector);
            return;
        }
    }
    if (wantMatrix) {
        if (t.is_array() && !t.empty() && !t[0].is_array())
            r.fail(ptr, mismatch + foundShape(t));
        *slot.matrix = r.matrix(t, ptr);
        if (slot.matrix->rows() != slot.rows || slot.matrix->cols() != slot.cols)
            r.fail(ptr, mismatch + shapeText(slot.matrix->rows(), slot.matrix->cols()));
    } else {
        if ((t.is_object() && t.contains("shape") && t["shape"].is_array() && t["shape"].size() != 1)
            || (t.is_array() && !t.empty() && t[0].is_array()))
            r.fail(ptr, mismatch + foundShape(t));
        *slot.vector = r.vector(t, ptr);
        if (slot.vector->size() != slot.rows)
            r.fail(ptr, mismatch + shapeText(slot.vector->size(), -1));
    }
}

// The transformer's "config" (SPEC §4): d_model, heads, encoder_layers, decoder_layers, ff_size (read from the
// weights when omitted; a contradicting value is bad input), max_len (default 50), lowercase. Keys of the
// recurrent presets are refused rather than ignored, since they would silently mean nothing.
ModelConfig readTransformerConfig(const JsonReader& r, const json& doc, const json& cfg, CapturedTensors* captured)
{
    for (const char* key : {"hidden_size", "embedding_size", "layers", "cell", "score", "attention_size", "input_feeding"})
        if (cfg.contains(key))
            r.fail(childPointer("/config", key), std::string("expected only d_model, heads, encoder_layers, decoder_layers, ff_size, max_len "
                                                             "and lowercase in a transformer's config, found ") + key);
    ModelConfig c = presetConfig("transformer", positiveInt(r, cfg, "d_model", 100000, std::nullopt), 0);
    c.heads = positiveInt(r, cfg, "heads", 4096, std::nullopt);
    c.encoderLayers = positiveInt(r, cfg, "encoder_layers", 64, std::nullopt);
    c.decoderLayers = positiveInt(r, cfg, "decoder_layers", 64, std::nullopt);
    c.maxLen = positiveInt(r, cfg, "max_len", 100000, c.maxLen);
    std::optional<int> fromWeights;
    if (const json* weights = r.optional(doc, "weights"); weights && weights->is_object())
        fromWeights = transformerFfSizeFromWeights([&](const std::string& name) { return weightRows(*weights, name, captured); });
    if (cfg.contains("ff_size")) {
        c.ffSize = positiveInt(r, cfg, "ff_size", 1'000'000, std::nullopt);
        if (fromWeights && *fromWeights != c.ffSize)
            r.fail("/config/ff_size", "expected the feed-forward size of the weights, " + std::to_string(*fromWeights) + " (the rows of "
                                          + transformerFfSizeWeightName() + "), found " + std::to_string(c.ffSize));
    } else {
        if (!fromWeights)
            r.fail("/config/ff_size", "expected a positive integer or the weight " + transformerFfSizeWeightName()
                                          + " to read it from, found neither");
        c.ffSize = *fromWeights;
    }
    return c;
}

// The "config" of a recurrent preset, with the preset's defaults for absent keys.
ModelConfig readRecurrentConfig(const JsonReader& r, const json& doc, const json& cfg, const std::string& preset, CapturedTensors* captured)
{
    ModelConfig c = presetConfig(preset, positiveInt(r, cfg, "hidden_size", 100000, std::nullopt),
                                 positiveInt(r, cfg, "embedding_size", 100000, std::nullopt));
    if (const json* v = r.optional(cfg, "cell")) {
        const std::string id = r.string(*v, "/config/cell");
        std::optional<CellKind> k = cellKindFromId(id);
        if (!k) r.fail("/config/cell", "expected \"gru\" or \"lstm\", found \"" + id + "\"");
        c.cell = *k;
    }
    c.layers = positiveInt(r, cfg, "layers", 64, c.layers);
    c.maxLen = positiveInt(r, cfg, "max_len", 100000, c.maxLen);
    c.attentionSize = positiveInt(r, cfg, "attention_size", 100000, c.attentionSize);
    if (cfg.contains("score")) {
        const json& v = cfg["score"];
        if (v.is_null()) {
            c.score.reset();
        } else {
            const std::string id = r.string(v, "/config/score");
            std::optional<ScoreKind> k = scoreKindFromId(id);
            if (!k) {
                std::string ids;
                for (const std::string& s : allScoreIds()) ids += (ids.empty() ? "" : ", ") + s;
                r.fail("/config/score", "expected one of " + ids + ", found \"" + id + "\"");
            }
            c.score = *k;
        }
    }
    // Sizes the weights determine (SPEC §5): read from them when the config omits them; a config value that
    // contradicts them is caught below, where every weight's shape is checked against the config.
    if (const json* weights = r.optional(doc, "weights"); weights && weights->is_object()) {
        if (!cfg.contains("attention_size"))
            if (auto rows = weightRows(*weights, "attention.W_q", captured)) c.attentionSize = static_cast<int>(std::clamp<long long>(*rows, 1, 100000));
        if (!cfg.contains("max_len"))
            if (auto rows = weightRows(*weights, "attention.W_loc", captured)) c.maxLen = static_cast<int>(std::clamp<long long>(*rows, 1, 100000));
    }
    if (const json* v = r.optional(cfg, "input_feeding")) c.inputFeeding = r.boolean(*v, "/config/input_feeding");
    return c;
}

Model modelFromDocument(const json& doc, const std::string& file, CapturedTensors* captured)
{
    JsonReader r(file, modelLimits());
    r.checkHeader(doc, "attnviz-model");
    Model m;
    m.file = file;
    m.architecture = r.string(r.require(doc, "", "architecture"), "/architecture");
    if (!isPreset(m.architecture)) {
        std::string ids;
        for (const std::string& p : allPresets()) ids += (ids.empty() ? "" : ", ") + p;
        r.fail("/architecture", "expected one of " + ids + ", found \"" + m.architecture + "\"");
    }

    // config, with the preset's defaults for absent keys
    const json& cfg = r.require(doc, "", "config");
    if (!cfg.is_object())
        r.fail("/config", "expected an object, found " + describeJson(cfg));
    const bool transformer = m.isTransformer();
    ModelConfig c = transformer ? readTransformerConfig(r, doc, cfg, captured) : readRecurrentConfig(r, doc, cfg, m.architecture, captured);
    if (const json* v = r.optional(cfg, "lowercase")) c.lowercase = r.boolean(*v, "/config/lowercase");
    m.config = c;

    // vocabularies and tokenizer
    const json& vocab = r.require(doc, "", "vocab");
    m.source = Vocab(r.strings(r.require(vocab, "/vocab", "source"), "/vocab/source"), file, "/vocab/source");
    m.target = Vocab(r.strings(r.require(vocab, "/vocab", "target"), "/vocab/target"), file, "/vocab/target");
    m.tokenizer = "whitespace";
    if (const json* v = r.optional(doc, "tokenizer"))
        readTokenizer(r, *v, m);

    if (const json* v = r.optional(doc, "title")) m.title = r.string(*v, "/title");
    if (const json* v = r.optional(doc, "examples")) m.examples = r.strings(*v, "/examples");

    try {
        finalizeModel(m);
    } catch (const ConfigError& e) {
        r.fail(childPointer("/config", e.field()), e.what());
    }

    // every weight: present, right shape, finite; nothing unexpected
    const json& weights = r.require(doc, "", "weights");
    if (!weights.is_object())
        r.fail("/weights", "expected an object of named tensors, found " + describeJson(weights));
    std::set<std::string> known;
    for (WeightSlot& slot : weightSlots(m)) {
        known.insert(slot.name);
        const std::string ptr = childPointer("/weights", slot.name);
        const json* t = r.optional(weights, slot.name);
        if (!t) {
            if (slot.optional) continue;
            r.fail(ptr, "expected the weight " + slot.name + " of shape " + shapeText(slot.rows, slot.cols) + " (" + m.architecture
                            + (transformer ? std::string() : ", " + cellId(c.cell)) + "), found it missing");
        }
        readWeight(r, slot, *t, ptr, captured);
    }
    for (auto it = weights.begin(); it != weights.end(); ++it)
        if (!known.count(it.key()))
            r.fail(childPointer("/weights", it.key()), "expected only the weights " + m.architecture + " with this config uses, found "
                                                           + it.key() + " (misspelt, or a different architecture/score?)");
    return m;
}

} // namespace

Model modelFromJson(const json& doc, const std::string& file)
{
    return modelFromDocument(doc, file, nullptr);
}

Model loadModel(const std::string& file)
{
    CapturedTensors captured;
    const json doc = streamModelDocument(file, captured);
    return modelFromDocument(doc, file, &captured);
}

namespace {

json tokenizerJson(const Model& model)
{
    if (model.tokenizerKind() != TokenizerKind::SentencePiece)
        return model.tokenizer;
    if (!model.sourcePieces || !model.targetPieces)
        throw ShapeError("a sentencepiece model must carry its SentencePiece models");
    return json{{"type", "sentencepiece"}, {"source", base64Encode(model.sourcePieces->bytes())},
                {"target", base64Encode(model.targetPieces->bytes())}};
}

} // namespace

json modelToJson(const Model& model)
{
    Model& mm = const_cast<Model&>(model);  // weightSlots hands out pointers; nothing is changed here
    const ModelConfig& c = model.config;
    json cfg;
    if (model.isTransformer()) {
        cfg = json{{"d_model", c.hiddenSize}, {"heads", c.heads}, {"encoder_layers", c.encoderLayers}, {"decoder_layers", c.decoderLayers},
                   {"ff_size", c.ffSize}, {"max_len", c.maxLen}, {"lowercase", c.lowercase}};
    } else {
        cfg = json{{"cell", cellId(c.cell)}, {"hidden_size", c.hiddenSize}, {"embedding_size", c.embeddingSize},
                   {"layers", c.layers}, {"max_len", c.maxLen}, {"lowercase", c.lowercase}};
        cfg["score"] = c.score ? json(scoreId(*c.score)) : json(nullptr);
        if (c.score == ScoreKind::Additive)
            cfg["attention_size"] = c.attentionSize;
        if (model.topology.attentionalState)  // input feeding feeds the attentional state (luong)
            cfg["input_feeding"] = c.inputFeeding;
    }
    json weights = json::object();
    for (const WeightSlot& slot : weightSlots(mm)) {
        if (slot.matrix) {
            weights[slot.name] = toTensorJson(*slot.matrix);
        } else if (slot.vector->size() != 0 || !slot.optional) {
            weights[slot.name] = json{{"shape", {slot.vector->size()}}, {"data", toJson(*slot.vector)}};
        }
    }
    json doc{{"format", "attnviz-model"}, {"version", 1}, {"architecture", model.architecture}, {"config", cfg},
             {"vocab", {{"source", model.source.tokens()}, {"target", model.target.tokens()}}},
             {"tokenizer", tokenizerJson(model)}, {"weights", std::move(weights)}};
    if (!model.title.empty())
        doc["title"] = model.title;
    if (!model.examples.empty())
        doc["examples"] = model.examples;
    return doc;
}

void saveModel(const Model& model, const std::string& file)
{
    saveDocument(file, modelToJson(model));
}

} // namespace attnviz
