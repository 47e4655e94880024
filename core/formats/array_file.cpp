#include "core/formats/array_file.h"

#include "core/formats/json_io.h"
#include "core/formats/npy.h"
#include "core/formats/safetensors.h"
#include "core/formats/torch_pickle.h"
#include "core/formats/zip_reader.h"

#include <fstream>

namespace attnviz {

namespace {

std::string readAll(const std::string& path, unsigned long long size)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, "", "expected a readable file, found one that cannot be opened");
    std::string bytes(static_cast<std::size_t>(size), '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return bytes;
}

Mat toMat(const NumArray& a)
{
    return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(a.data.data(), a.shape[0], a.shape[1]);
}

Vec toVec(const NumArray& a)
{
    return Eigen::Map<const Vec>(a.data.data(), a.shape[0]);
}

const NumArray* find(const ArrayFile& f, const std::string& name, std::size_t rank, const std::string& file, const char* expected)
{
    const auto it = f.arrays.find(name);
    if (it == f.arrays.end())
        return nullptr;
    if (it->second.shape.size() != rank)
        throw InputError(file, name, std::string("expected a ") + (rank == 1 ? "1-D" : "2-D") + " array " + expected + ", found shape " + shapeText(it->second.shape));
    return &it->second;
}

} // namespace

FileKind detectFileKind(const std::string& path)
{
    const unsigned long long size = checkRegularFile(path, ArrayLimits().maxFileBytes, "an example, model, trace or array file");
    std::string head(16, '\0');
    {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw InputError(path, "", "expected a readable file, found one that cannot be opened");
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<std::size_t>(in.gcount()));
    }
    (void)size;
    if (looksLikeZip(head))
        return FileKind::Zip;
    const bool torchName = endsWith(path, ".pt") || endsWith(path, ".pth");
    if (torchName && !head.empty() && static_cast<unsigned char>(head[0]) == 0x80)
        throw InputError(path, "", "expected a torch.save zip archive, found a legacy pickle file (_use_new_zipfile_serialization=False): save it "
                                   "again with torch.save's default format");
    if (endsWith(path, ".npz") || torchName)
        throw InputError(path, "", "expected a zip archive (what np.savez and torch.save write), found a file that does not start like one");
    if (endsWith(path, ".safetensors") || looksLikeSafetensors(head))
        return FileKind::Safetensors;
    return FileKind::Document;
}

bool isArrayFile(FileKind kind)
{
    return kind != FileKind::Document;
}

ArrayFile loadArrayFile(const std::string& path, FileKind kind, const ArrayLimits& limits)
{
    const unsigned long long size = checkRegularFile(path, limits.maxFileBytes, "an array file");
    const std::string bytes = readAll(path, size);
    if (kind == FileKind::Safetensors)
        return readSafetensors(bytes, path, limits);
    if (kind == FileKind::Zip) {
        bool torch = false;
        {
            ZipReader zip(bytes, path, limits);
            for (const std::string& n : zip.names())
                torch = torch || (n.size() > 9 && n.compare(n.size() - 9, 9, "/data.pkl") == 0);
        }
        return torch ? readTorchZip(bytes, path, limits) : readNpz(bytes, path, limits);
    }
    throw InputError(path, "", "expected an .npz, .safetensors or .pt file, found a JSON or CBOR document");
}

Example exampleFromArrays(const ArrayFile& a, const std::string& file, std::optional<ScoreKind> kind)
{
    const NumArray* enc = find(a, "encoder_states", 2, file, "(n × dk): one encoder state per row");
    const NumArray* dec = find(a, "decoder_states", 2, file, "(m × dq): one decoder state per row");
    if (!enc)
        throw InputError(file, "encoder_states", "expected an array named encoder_states (n × dk), found none");
    if (!dec)
        throw InputError(file, "decoder_states", "expected an array named decoder_states (m × dq), found none");
    if (enc->shape[0] == 0 || enc->shape[1] == 0)
        throw InputError(file, "encoder_states", "expected at least one state of at least one number, found shape " + shapeText(enc->shape));
    if (dec->shape[0] == 0 || dec->shape[1] == 0)
        throw InputError(file, "decoder_states", "expected at least one state of at least one number, found shape " + shapeText(dec->shape));

    Example ex;
    ex.file = file;
    ex.encoderStates = toMat(*enc);
    ex.decoderStates = toMat(*dec);
    for (const char* name : {"W", "W_q", "W_k", "W_loc"}) {
        if (const NumArray* m = find(a, name, 2, file, "(a matrix)")) {
            Mat& into = std::string(name) == "W" ? ex.availableParams.W : std::string(name) == "W_q" ? ex.availableParams.W_q
                      : std::string(name) == "W_k" ? ex.availableParams.W_k : ex.availableParams.W_loc;
            into = toMat(*m);
        }
    }
    for (const char* name : {"v", "b", "b_loc"}) {
        if (const NumArray* m = find(a, name, 1, file, "(a vector)")) {
            Vec& into = std::string(name) == "v" ? ex.availableParams.v : std::string(name) == "b" ? ex.availableParams.b : ex.availableParams.b_loc;
            into = toVec(*m);
        }
    }
    if (auto it = a.strings.find("source_tokens"); it != a.strings.end()) {
        if (static_cast<long long>(it->second.size()) != enc->shape[0])
            throw InputError(file, "source_tokens", "expected " + std::to_string(enc->shape[0]) + " tokens (one per encoder state), found " + std::to_string(it->second.size()));
        ex.sourceTokens = it->second;
    }
    if (auto it = a.strings.find("target_tokens"); it != a.strings.end()) {
        if (static_cast<long long>(it->second.size()) != dec->shape[0])
            throw InputError(file, "target_tokens", "expected " + std::to_string(dec->shape[0]) + " tokens (one per decoder state), found " + std::to_string(it->second.size()));
        ex.targetTokens = it->second;
    }

    const ScoreParams& p = ex.availableParams;
    if (!kind) {
        if (ex.encoderStates.cols() == ex.decoderStates.cols()) kind = ScoreKind::Dot;
        else if (p.W.size()) kind = ScoreKind::General;
        else if (p.W_q.size() && p.W_k.size() && p.v.size()) kind = ScoreKind::Additive;
        else if (p.W_loc.size()) kind = ScoreKind::Location;
        else kind = ScoreKind::Dot;
    }
    for (const std::string& name : requiredScoreParams(*kind)) {
        const bool has = (name == "W" && p.W.size()) || (name == "W_q" && p.W_q.size()) || (name == "W_k" && p.W_k.size())
                         || (name == "v" && p.v.size()) || (name == "W_loc" && p.W_loc.size());
        if (!has)
            throw InputError(file, name, "score function \"" + scoreId(*kind) + "\" needs an array named " + name + ", found none in the file");
    }
    try {
        return withScore(ex, *kind);
    } catch (const InputError& e) {
        const std::string where = e.where() == "/score" ? "score " + scoreId(*kind) : e.where().substr(e.where().empty() ? 0 : 1);
        throw InputError(file, where, e.detail());
    }
}

Example loadExampleAny(const std::string& path, std::optional<ScoreKind> kind)
{
    const FileKind fk = detectFileKind(path);
    if (isArrayFile(fk))
        return exampleFromArrays(loadArrayFile(path, fk), path, kind);
    Example ex = loadExample(path);
    return kind ? withScore(ex, *kind) : ex;
}

} // namespace attnviz
