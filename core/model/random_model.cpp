#include "core/model/random_model.h"

#include "core/formats/error.h"

#include <random>

namespace attnviz {

namespace {

Tokens makeVocab(int size, char prefix, bool chars)
{
    Tokens v{"<pad>", "<sos>", "<eos>", "<unk>"};
    for (int i = 4; i < size; ++i) {
        if (chars && i - 4 < 27)
            v.push_back(i - 4 == 26 ? std::string(" ") : std::string(1, static_cast<char>('a' + (i - 4))));
        else
            v.push_back(std::string(1, prefix) + std::to_string(i));
    }
    return v;
}

} // namespace

Model randomModel(const std::string& preset, const RandomModelOptions& o, std::uint64_t seed)
{
    if (o.sourceVocab < 4 || o.targetVocab < 4)
        throw ShapeError("randomModel: vocabularies need at least the 4 special tokens");
    Model m;
    m.architecture = preset;
    m.config = presetConfig(preset, o.hidden, o.embedding);  // throws for an unknown preset
    if (o.layers > 0) m.config.layers = o.layers;
    if (!o.cell.empty()) {
        std::optional<CellKind> k = cellKindFromId(o.cell);
        if (!k) throw ShapeError("randomModel: unknown cell \"" + o.cell + "\"");
        m.config.cell = *k;
    }
    if (o.score == "none") {
        m.config.score.reset();
    } else if (!o.score.empty()) {
        std::optional<ScoreKind> k = scoreKindFromId(o.score);
        if (!k) throw ShapeError("randomModel: unknown score \"" + o.score + "\"");
        m.config.score = *k;
    }
    if (o.attentionSize > 0) m.config.attentionSize = o.attentionSize;
    if (o.maxLen > 0) m.config.maxLen = o.maxLen;
    if (o.inputFeeding >= 0) m.config.inputFeeding = o.inputFeeding == 1;
    m.tokenizer = o.tokenizer;
    const bool chars = o.tokenizer == "char";
    m.source = Vocab(makeVocab(o.sourceVocab, 's', chars), "", "/vocab/source");
    m.target = Vocab(makeVocab(o.targetVocab, 't', chars), "", "/vocab/target");
    finalizeModel(m);

    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-o.scale, o.scale);
    for (WeightSlot& slot : weightSlots(m)) {
        if (slot.matrix) {
            slot.matrix->resize(slot.rows, slot.cols);
            for (Eigen::Index r = 0; r < slot.rows; ++r)  // row-major fill, like the file order
                for (Eigen::Index c = 0; c < slot.cols; ++c)
                    (*slot.matrix)(r, c) = u(rng);
        } else {
            slot.vector->resize(slot.rows);
            for (Eigen::Index i = 0; i < slot.rows; ++i)
                (*slot.vector)(i) = u(rng);
        }
    }
    return m;
}

} // namespace attnviz
