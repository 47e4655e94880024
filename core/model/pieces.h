#pragma once
// SentencePiece tokenization for typed text (SPEC §4 "Typed text"; Kudo & Richardson 2018, "SentencePiece:
// A simple and language independent subword tokenizer"). A model file carries the serialized SentencePiece
// models of its source and target side; PieceModel wraps one of them. The sentencepiece headers stay in
// pieces.cpp.
//
// Pieces are the strings SentencePiece uses: "▁" (U+2581) marks the start of a word ("▁red", "▁compr",
// "aremos"); characters the training data never had become byte pieces "<0xF0>" (byte fallback), so typed
// text never turns into <unk>.
#include "core/formats/utf8.h"  // invalidUtf8At, for the callers that validate typed text
#include "core/numeric/types.h"

#include <memory>
#include <string>

namespace attnviz {

// The word-start mark U+2581 in UTF-8.
inline constexpr const char* kWordStart = "\xE2\x96\x81";

class PieceModel {
public:
    // Loads a serialized SentencePiece model. Throws std::invalid_argument with the reason when `bytes`
    // is not a usable model (corrupt, truncated, no pieces).
    explicit PieceModel(std::string bytes);
    ~PieceModel();
    PieceModel(const PieceModel&) = delete;
    PieceModel& operator=(const PieceModel&) = delete;

    // Normalises (as trained: NFKC, whitespace) and splits `text` into pieces. `text` must be valid UTF-8.
    Tokens encode(const std::string& text) const;
    // Joins pieces back into text ("▁" → space, byte pieces → their bytes); inverse of encode() up to
    // normalisation.
    std::string decode(const Tokens& pieces) const;

    const std::string& bytes() const { return bytes_; }
    int size() const;                        // number of pieces
    const std::string& piece(int id) const;  // 0 ≤ id < size()
    // Control pieces (<pad>, <sos>, <eos>) and the unknown piece: not produced by encode() for text.
    bool isSpecial(int id) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string bytes_;
};

struct PieceTrainOptions {
    int vocabSize = 8000;    // pieces, including the 4 specials and the 256 byte pieces
    bool bpe = false;        // unigram language model (default) or BPE
    int threads = 2;
};
// Trains a SentencePiece model on `sentences` (one sentence each) and returns its serialized bytes. The
// special pieces are <pad> (id 0), <sos> (1), <eos> (2), <unk> (3), so a vocabulary made of the pieces in id
// order is a valid AttnViz vocabulary; byte fallback is on, digits are split. Throws std::invalid_argument
// with SentencePiece's reason (e.g. too few sentences for the requested size).
std::string trainPieceModel(const std::vector<std::string>& sentences, const PieceTrainOptions& options);

// Pieces for people: "▁red" → "red"; a continuation piece ("aremos") keeps its text; a byte piece "<0xC3>"
// stays as it is. Never shows the raw "▁".
std::string pieceLabel(const std::string& piece);
// True when the piece starts a new word ("▁red", "▁"); false for a continuation ("aremos", ".").
bool pieceStartsWord(const std::string& piece);

// Base64 (RFC 4648, with padding) — how JSON model files hold the SentencePiece models' bytes.
std::string base64Encode(const std::string& bytes);
// Throws std::invalid_argument naming the offset of the first character that is not base64.
std::string base64Decode(const std::string& text);

} // namespace attnviz
