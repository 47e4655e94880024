#include "core/model/vocab.h"

#include "core/formats/error.h"
#include "core/formats/json_io.h"
#include "core/model/merge_words.h"

namespace attnviz {

std::optional<TokenizerKind> tokenizerFromId(const std::string& id)
{
    if (id == "whitespace") return TokenizerKind::Whitespace;
    if (id == "char") return TokenizerKind::Char;
    if (id == "sentencepiece") return TokenizerKind::SentencePiece;
    return std::nullopt;
}

std::string tokenizerId(TokenizerKind kind)
{
    switch (kind) {
    case TokenizerKind::Char: return "char";
    case TokenizerKind::SentencePiece: return "sentencepiece";
    case TokenizerKind::Whitespace: break;
    }
    return "whitespace";
}

namespace {

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// Length in bytes of the UTF-8 sequence starting with byte c (1 for stray continuation bytes).
std::size_t utf8Length(unsigned char c)
{
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

} // namespace

Tokens tokenize(const std::string& sentence, TokenizerKind kind, bool lowercase)
{
    Tokens out;
    if (kind == TokenizerKind::SentencePiece)
        throw ShapeError("tokenize: SentencePiece needs the model's pieces (Model::tokenizeSource)");
    if (kind == TokenizerKind::Char) {
        for (std::size_t i = 0; i < sentence.size();) {
            std::size_t len = std::min(utf8Length(static_cast<unsigned char>(sentence[i])), sentence.size() - i);
            std::string ch = sentence.substr(i, len);
            if (lowercase && len == 1)
                ch[0] = asciiLower(ch[0]);
            out.push_back(std::move(ch));
            i += len;
        }
        return out;
    }
    std::string word;
    for (char c : sentence) {
        if (isSpace(c)) {
            if (!word.empty())
                out.push_back(std::move(word));
            word.clear();
        } else {
            word += lowercase ? asciiLower(c) : c;
        }
    }
    if (!word.empty())
        out.push_back(std::move(word));
    return out;
}

std::string asciiLowercase(std::string text)
{
    for (char& c : text)
        c = asciiLower(c);
    return text;
}

std::string detokenize(const Tokens& tokens, TokenizerKind kind)
{
    std::string s;
    if (kind == TokenizerKind::SentencePiece)  // without the model: "▁" → space, byte pieces → bytes
        return joinPieces(tokens);
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        if (i && kind == TokenizerKind::Whitespace)
            s += ' ';
        s += tokens[i];
    }
    return s;
}

Vocab::Vocab(Tokens tokens, const std::string& file, const std::string& ptr) : tokens_(std::move(tokens))
{
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
        auto [it, inserted] = index_.emplace(tokens_[i], static_cast<int>(i));
        if (!inserted)
            throw InputError(file, childPointer(ptr, i), "expected each token once, found \"" + tokens_[i]
                                                           + "\" again (first at index " + std::to_string(it->second) + ")");
    }
    auto special = [&](const char* name) {
        auto it = index_.find(name);
        if (it == index_.end())
            throw InputError(file, ptr, std::string("expected the special token \"") + name
                                            + "\" in the vocabulary (it needs <pad>, <sos>, <eos>, <unk>), found it missing");
        return it->second;
    };
    pad_ = special("<pad>");
    sos_ = special("<sos>");
    eos_ = special("<eos>");
    unk_ = special("<unk>");
}

int Vocab::id(const std::string& token) const
{
    auto it = index_.find(token);
    return it == index_.end() ? unk_ : it->second;
}

std::vector<int> Vocab::ids(const Tokens& tokens) const
{
    std::vector<int> out;
    out.reserve(tokens.size());
    for (const std::string& t : tokens)
        out.push_back(id(t));
    return out;
}

} // namespace attnviz
