#include "core/formats/model_stream.h"

#include "core/formats/error.h"

#include <cmath>
#include <cstdio>
#include <sys/stat.h>

namespace attnviz {

namespace {

// Chunk sizes grow from 16 numbers to kChunk (16, 32, …, 65,536, then 65,536 each): a one-number weight costs
// 128 bytes, not 512 KB. (Fixed chunks of kChunk made a 3 MB file of 200,000 one-number weights take 900 MB
// and 18 s before its unknown weights were refused; under AddressSanitizer each chunk is an mmap.)
constexpr std::size_t kFirstChunk = 16;
constexpr std::size_t kGrowingChunks = 13;  // 16 << 12 == kChunk

std::size_t chunkSize(std::size_t i)
{
    return i < kGrowingChunks ? kFirstChunk << i : CapturedTensor::kChunk;
}
// Numbers held by the first n chunks.
std::size_t chunksCapacity(std::size_t n)
{
    if (n <= kGrowingChunks)
        return kFirstChunk * ((std::size_t{1} << n) - 1);
    return kFirstChunk * ((std::size_t{1} << kGrowingChunks) - 1) + (n - kGrowingChunks) * CapturedTensor::kChunk;
}

} // namespace

void CapturedTensor::push(double x)
{
    static_assert((kFirstChunk << (kGrowingChunks - 1)) == kChunk, "the growing chunks end at kChunk");
    if (count == chunksCapacity(chunks.size()))
        chunks.emplace_back(new double[chunkSize(chunks.size())]);
    chunks.back()[count - chunksCapacity(chunks.size() - 1)] = x;
    ++count;
}

void CapturedTensor::moveInto(Mat& m, Eigen::Index r, Eigen::Index c)
{
    m.resize(r, c);
    std::size_t i = 0;
    for (std::size_t ci = 0; ci < chunks.size(); ++ci) {
        const std::size_t n = std::min(chunkSize(ci), count - i);
        for (std::size_t k = 0; k < n; ++k, ++i)
            m(static_cast<Eigen::Index>(i) / c, static_cast<Eigen::Index>(i) % c) = chunks[ci][k];  // row-major file order
        chunks[ci].reset();
    }
    chunks.clear();
}

void CapturedTensor::moveInto(Vec& v)
{
    v.resize(static_cast<Eigen::Index>(count));
    std::size_t i = 0;
    for (std::size_t ci = 0; ci < chunks.size(); ++ci) {
        const std::size_t n = std::min(chunkSize(ci), count - i);
        for (std::size_t k = 0; k < n; ++k, ++i)
            v(static_cast<Eigen::Index>(i)) = chunks[ci][k];
        chunks[ci].reset();
    }
    chunks.clear();
}

namespace {

// Builds the DOM for everything but weight numbers, which go to CapturedTensors.
class ModelSax : public nlohmann::json_sax<json> {
public:
    ModelSax(json& root, CapturedTensors& captured, const ReadLimits& limits, std::string format)
        : dom_(root, false), captured_(captured), limits_(limits), format_(std::move(format)) {}

    bool null() override { return capturing() ? bad("null") : scalar() && dom_.null(); }
    bool boolean(bool v) override { return capturing() ? bad(v ? "true" : "false") : scalar() && dom_.boolean(v); }
    bool number_integer(number_integer_t v) override { return capturing() ? number(static_cast<double>(v)) : scalar() && dom_.number_integer(v); }
    bool number_unsigned(number_unsigned_t v) override { return capturing() ? number(static_cast<double>(v)) : scalar() && dom_.number_unsigned(v); }
    bool number_float(number_float_t v, const string_t& s) override { return capturing() ? number(v) : scalar() && dom_.number_float(v, s); }
    bool string(string_t& v) override { return capturing() ? bad("a string") : scalar() && dom_.string(v); }
    bool binary(binary_t& v) override { return capturing() ? bad("binary data") : scalar() && dom_.binary(v); }
    bool key(string_t& k) override { frames_.back().key = k; return dom_.key(k); }

    bool start_object(std::size_t n) override
    {
        if (capturing()) return bad("an object");
        if (!enter()) return false;
        frames_.push_back({false, "", 0});
        return dom_.start_object(n);
    }
    bool end_object() override
    {
        --depth_;
        frames_.pop_back();
        valueDone();
        return dom_.end_object();
    }
    bool start_array(std::size_t n) override
    {
        if (capturing()) {
            if (depthIn_ != 1 || (cur().rank == 1 && cur().count != 0))
                return bad("an array (expected a number, or rows of numbers)");
            ++depthIn_;
            cur().rank = 2;
            rowLen_ = 0;
            return true;
        }
        if (!enter()) return false;
        if (weightArray()) {  // /weights/NAME or /weights/NAME/data: numbers go to a buffer
            capPtr_ = pointer();
            captured_.tensors.emplace_back();
            captured_.tensors.back().pointer = capPtr_;
            depthIn_ = 1;
            string_t key = tensorKey();
            return dom_.start_object(1) && dom_.key(key) && dom_.number_unsigned(captured_.tensors.size() - 1) && dom_.end_object();
        }
        frames_.push_back({true, "", 0});
        return dom_.start_array(n);
    }
    bool end_array() override
    {
        if (capturing()) {
            CapturedTensor& t = cur();
            if (depthIn_ == 2) {  // a row ended
                if (t.rows == 0) t.cols = rowLen_;
                else if (rowLen_ != t.cols)
                    return fail(capPtr_ + "/" + std::to_string(t.rows), "expected " + std::to_string(t.cols)
                                                                          + " numbers (rows must have equal length), found " + std::to_string(rowLen_));
                ++t.rows;
            } else if (t.rank == 1) {
                t.rows = static_cast<long long>(t.count);
            }
            --depthIn_;
            if (depthIn_ == 0) {
                --depth_;
                valueDone();
            }
            return true;
        }
        --depth_;
        frames_.pop_back();
        valueDone();
        return dom_.end_array();
    }

    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override
    {
        if (error_.empty()) {
            std::string what = ex.what();
            if (auto close = what.find("] "); what.rfind("[json.exception", 0) == 0 && close != std::string::npos)
                what = what.substr(close + 2);
            error_ = "expected valid " + format_ + ", found " + what;
        }
        return false;
    }

    const std::string& error() const { return error_; }
    const std::string& errorPointer() const { return errorPtr_; }
    static const std::string& tensorKey()
    {
        static const std::string k = "$tensor";
        return k;
    }

private:
    struct Frame {
        bool array;
        std::string key;
        std::size_t index;
    };

    bool capturing() const { return depthIn_ > 0; }
    CapturedTensor& cur() { return captured_.tensors.back(); }

    bool enter()
    {
        if (++depth_ > limits_.maxDepth)
            return fail("", "expected nesting of at most " + std::to_string(limits_.maxDepth) + " levels, found deeper nesting");
        return true;
    }
    bool scalar()
    {
        valueDone();
        return true;
    }
    void valueDone()
    {
        if (!frames_.empty() && frames_.back().array)
            ++frames_.back().index;
    }
    // JSON pointer of the value being started.
    std::string pointer() const
    {
        std::string p;
        for (const Frame& f : frames_)
            p = f.array ? childPointer(p, f.index) : childPointer(p, f.key);
        return p;
    }
    bool weightArray() const
    {
        if (frames_.size() < 2 || frames_[0].array || frames_[0].key != "weights" || frames_[1].array)
            return false;
        return frames_.size() == 2 || (frames_.size() == 3 && !frames_[2].array && frames_[2].key == "data");
    }
    bool number(double x)
    {
        CapturedTensor& t = cur();
        if (depthIn_ == 1 && t.rank == 2)
            return bad("a number (expected a row of numbers)");
        const std::size_t index = depthIn_ == 2 ? static_cast<std::size_t>(rowLen_) : t.count;
        if (!std::isfinite(x)) {
            std::string p = capPtr_;
            if (depthIn_ == 2) p = childPointer(p, static_cast<std::size_t>(t.rows));
            return fail(childPointer(p, index), "expected a finite number, found " + std::string(std::isnan(x) ? "NaN" : "Infinity"));
        }
        if (t.count >= static_cast<std::size_t>(limits_.maxElements))
            return fail(capPtr_, "expected at most " + std::to_string(limits_.maxElements) + " elements, found more");
        t.push(x);
        if (depthIn_ == 2) ++rowLen_;
        return true;
    }
    bool bad(const std::string& found)
    {
        return fail(capPtr_, "expected a tensor of numbers, found " + found + " inside it");
    }
    bool fail(const std::string& ptr, const std::string& what)
    {
        if (error_.empty()) {
            error_ = what;
            errorPtr_ = ptr;
        }
        return false;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    CapturedTensors& captured_;
    ReadLimits limits_;
    std::vector<Frame> frames_;
    int depth_ = 0;
    int depthIn_ = 0;     // nesting inside a captured tensor (0: not capturing)
    long long rowLen_ = 0;
    std::string capPtr_;
    std::string format_;
    std::string error_, errorPtr_;
};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

} // namespace

json streamModelDocument(const std::string& file, CapturedTensors& captured)
{
    const ReadLimits limits = modelLimits();
    checkRegularFile(file, limits.maxBytes, "a JSON or CBOR document");
    std::unique_ptr<std::FILE, FileCloser> f(std::fopen(file.c_str(), "rb"));
    if (!f)
        throw InputError(file, "", "expected a readable file, found one that cannot be opened");
    const bool cbor = endsWith(file, ".cbor");
    json root;
    ModelSax sax(root, captured, limits, cbor ? "CBOR" : "JSON");
    bool ok = false;
    try {
        ok = json::sax_parse(f.get(), &sax, cbor ? json::input_format_t::cbor : json::input_format_t::json, true);
    } catch (const std::exception& e) {
        throw InputError(file, "", std::string("expected valid ") + (cbor ? "CBOR" : "JSON") + ", found an error: " + e.what());
    }
    if (!ok)
        throw InputError(file, sax.errorPointer(), sax.error().empty() ? std::string("expected a valid document, found a malformed one") : sax.error());
    return root;
}

} // namespace attnviz
