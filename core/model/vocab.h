#pragma once
// Vocabularies and tokenizers (SPEC §4): a list of tokens with the four special tokens <pad>, <sos>,
// <eos>, <unk> anywhere in it, looked up by name.
#include "core/numeric/types.h"

#include <optional>
#include <string>
#include <unordered_map>

namespace attnviz {

// SentencePiece: pieces from a SentencePiece model the model file carries (core/model/pieces.h); tokenize() and
// detokenize() below cannot do that without the model: use Model::tokenizeSource() and friends.
enum class TokenizerKind { Whitespace, Char, SentencePiece };

std::optional<TokenizerKind> tokenizerFromId(const std::string& id);  // "whitespace", "char", "sentencepiece"
std::string tokenizerId(TokenizerKind kind);

// Splits a sentence into tokens. Whitespace: runs of spaces/tabs/newlines separate words (ASCII
// folding to lower case when `lowercase`). Char: every UTF-8 character is a token, spaces included
// (`lowercase` folds ASCII letters). No <sos>/<eos> are added. Throws ShapeError for SentencePiece.
Tokens tokenize(const std::string& sentence, TokenizerKind kind, bool lowercase = false);
// ASCII letters folded to lower case (the config's "lowercase"; other bytes unchanged).
std::string asciiLowercase(std::string text);
// Inverse for display: tokens joined by one space (whitespace) or nothing (char).
std::string detokenize(const Tokens& tokens, TokenizerKind kind);

class Vocab {
public:
    Vocab() = default;
    // Throws InputError(file, ptr, …) when a special token is missing or a token appears twice.
    Vocab(Tokens tokens, const std::string& file, const std::string& ptr);

    int size() const { return static_cast<int>(tokens_.size()); }
    const Tokens& tokens() const { return tokens_; }
    const std::string& token(int id) const { return tokens_.at(static_cast<std::size_t>(id)); }
    // The id of `token`, or the <unk> id when it is not in the vocabulary.
    int id(const std::string& token) const;
    bool contains(const std::string& token) const { return index_.count(token) != 0; }
    std::vector<int> ids(const Tokens& tokens) const;

    int pad() const { return pad_; }
    int sos() const { return sos_; }
    int eos() const { return eos_; }
    int unk() const { return unk_; }

private:
    Tokens tokens_;
    std::unordered_map<std::string, int> index_;
    int pad_ = -1, sos_ = -1, eos_ = -1, unk_ = -1;
};

} // namespace attnviz
