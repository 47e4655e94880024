#include "core/model/pieces.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <mutex>
#include <stdexcept>

namespace attnviz {

struct PieceModel::Impl {
    sentencepiece::SentencePieceProcessor sp;
};

PieceModel::PieceModel(std::string bytes) : impl_(std::make_unique<Impl>()), bytes_(std::move(bytes))
{
    if (bytes_.empty())
        throw std::invalid_argument("expected a SentencePiece model, found no bytes");
    const auto status = impl_->sp.LoadFromSerializedProto(bytes_);
    if (!status.ok())
        throw std::invalid_argument("expected a SentencePiece model, found bytes it cannot load (" + status.ToString() + ")");
    if (impl_->sp.GetPieceSize() < 1)
        throw std::invalid_argument("expected a SentencePiece model with pieces, found none");
    // A model with no piece for ordinary text cannot tokenize anything.
    bool anyNormal = false;
    for (int i = 0; i < impl_->sp.GetPieceSize() && !anyNormal; ++i)
        anyNormal = !isSpecial(i);
    if (!anyNormal)
        throw std::invalid_argument("expected a SentencePiece model with text pieces, found only special pieces");
}

PieceModel::~PieceModel() = default;

Tokens PieceModel::encode(const std::string& text) const
{
    Tokens pieces;
    const auto status = impl_->sp.Encode(text, &pieces);
    if (!status.ok())
        throw std::invalid_argument("SentencePiece could not split the text (" + status.ToString() + ")");
    return pieces;
}

std::string PieceModel::decode(const Tokens& pieces) const
{
    std::string text;
    const auto status = impl_->sp.Decode(pieces, &text);
    if (!status.ok())
        throw std::invalid_argument("SentencePiece could not join the pieces (" + status.ToString() + ")");
    return text;
}

int PieceModel::size() const
{
    return impl_->sp.GetPieceSize();
}

const std::string& PieceModel::piece(int id) const
{
    return impl_->sp.IdToPiece(id);
}

bool PieceModel::isSpecial(int id) const
{
    return impl_->sp.IsControl(id) || impl_->sp.IsUnknown(id) || impl_->sp.IsUnused(id);
}

namespace {

class VectorIterator : public sentencepiece::SentenceIterator {
public:
    explicit VectorIterator(const std::vector<std::string>& v) : v_(v) {}
    bool done() const override { return i_ >= v_.size(); }
    void Next() override { ++i_; }
    const std::string& value() const override { return v_[i_]; }
    sentencepiece::util::Status status() const override { return {}; }

private:
    const std::vector<std::string>& v_;
    std::size_t i_ = 0;
};

} // namespace

std::string trainPieceModel(const std::vector<std::string>& sentences, const PieceTrainOptions& o)
{
    if (sentences.empty())
        throw std::invalid_argument("expected sentences to learn pieces from, found none");
    if (o.vocabSize < 300)
        throw std::invalid_argument("expected at least 300 pieces (4 special and 256 byte pieces are included), found "
                                    + std::to_string(o.vocabSize));
    const std::string args = std::string("--model_type=") + (o.bpe ? "bpe" : "unigram")
        + " --vocab_size=" + std::to_string(o.vocabSize) + " --character_coverage=0.9999 --byte_fallback=true"
        + " --split_digits=true --pad_id=0 --bos_id=1 --eos_id=2 --unk_id=3 --pad_piece=<pad> --bos_piece=<sos>"
          " --eos_piece=<eos> --unk_piece=<unk> --hard_vocab_limit=false --minloglevel=2"
          " --max_sentence_length=8192 --num_threads="
        + std::to_string(std::max(1, o.threads));
    VectorIterator it(sentences);
    std::string bytes;
    static std::mutex trainMutex;  // SentencePiece's trainer keeps global flags
    std::lock_guard<std::mutex> lock(trainMutex);
    const auto status = sentencepiece::SentencePieceTrainer::Train(args, &it, &bytes);
    if (!status.ok())
        throw std::invalid_argument("SentencePiece could not learn pieces (" + status.ToString() + ")");
    return bytes;
}

bool pieceStartsWord(const std::string& piece)
{
    return piece.rfind(kWordStart, 0) == 0;
}

std::string pieceLabel(const std::string& piece)
{
    if (pieceStartsWord(piece)) {
        std::string rest = piece.substr(3);
        return rest.empty() ? std::string("\xE2\x90\xA3") : rest;  // a lone word start: "␣"
    }
    return piece;
}

namespace {
const char* const kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}

std::string base64Encode(const std::string& bytes)
{
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8)
                           | static_cast<unsigned char>(bytes[i + 2]);
        out += kBase64[(v >> 18) & 63];
        out += kBase64[(v >> 12) & 63];
        out += kBase64[(v >> 6) & 63];
        out += kBase64[v & 63];
    }
    if (i < bytes.size()) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kBase64[(v >> 18) & 63];
        out += kBase64[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? kBase64[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string base64Decode(const std::string& text)
{
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.size() % 4 != 0)
        throw std::invalid_argument("expected base64 text (a multiple of 4 characters), found " + std::to_string(text.size())
                                    + " characters");
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = text[i + static_cast<std::size_t>(k)];
            if (c == '=' && i + 4 == text.size() && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            v[k] = value(c);
            if (v[k] < 0 || pad)
                throw std::invalid_argument("expected base64 text, found a character that is not base64 at offset "
                                            + std::to_string(i + static_cast<std::size_t>(k)));
        }
        const unsigned w = (static_cast<unsigned>(v[0]) << 18) | (static_cast<unsigned>(v[1]) << 12)
                           | (static_cast<unsigned>(v[2]) << 6) | static_cast<unsigned>(v[3]);
        out += static_cast<char>((w >> 16) & 0xFF);
        if (pad < 2) out += static_cast<char>((w >> 8) & 0xFF);
        if (pad < 1) out += static_cast<char>(w & 0xFF);
    }
    return out;
}

} // namespace attnviz
