#include "core/formats/npy.h"

#include "core/formats/json_io.h"
#include "core/formats/utf8.h"
#include "core/formats/zip_reader.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>

namespace attnviz {

namespace {

struct NpyHeader {
    std::string descr;
    bool fortran = false;
    std::vector<long long> shape;
};

// A parser for the one Python literal NumPy writes: a dict of str keys to a str, a bool or a tuple of ints.
class HeaderParser {
public:
    HeaderParser(const std::string& text, const std::string& file, const std::string& name) : s_(text), file_(file), name_(name) {}

    NpyHeader parse()
    {
        NpyHeader h;
        bool descr = false, fortran = false, shape = false;
        expect('{');
        while (true) {
            skipSpace();
            if (peek() == '}') { ++i_; break; }
            const std::string key = str();
            expect(':');
            skipSpace();
            if (key == "descr") {
                if (peek() != '\'' && peek() != '"')
                    fail("expected 'descr' to be a dtype string such as '<f8', found a structured dtype (save plain float arrays)");
                h.descr = str();
                descr = true;
            } else if (key == "fortran_order") {
                h.fortran = word();
                fortran = true;
            } else if (key == "shape") {
                h.shape = tuple();
                shape = true;
            } else {
                fail("expected the keys 'descr', 'fortran_order' and 'shape' in the NumPy header, found '" + printable(key) + "'");
            }
            skipSpace();
            if (peek() == ',') { ++i_; continue; }
            expect('}');
            break;
        }
        if (!descr || !fortran || !shape)
            fail("expected a NumPy header with 'descr', 'fortran_order' and 'shape', found one without them");
        return h;
    }

private:
    [[noreturn]] void fail(const std::string& what) const { throw InputError(file_, name_, what); }
    char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
    void skipSpace() { while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_; }
    void expect(char c)
    {
        skipSpace();
        if (peek() != c)
            fail(std::string("expected '") + c + "' in the NumPy header at byte " + std::to_string(i_) + ", found "
                 + (i_ < s_.size() ? "'" + printable(std::string(1, s_[i_])) + "'" : std::string("its end")));
        ++i_;
    }
    std::string str()
    {
        skipSpace();
        const char q = peek();
        if (q != '\'' && q != '"')
            fail("expected a quoted string in the NumPy header at byte " + std::to_string(i_) + ", found something else");
        const std::size_t end = s_.find(q, i_ + 1);
        if (end == std::string::npos)
            fail("expected a closing quote in the NumPy header, found its end");
        std::string out = s_.substr(i_ + 1, end - i_ - 1);
        i_ = end + 1;
        return out;
    }
    bool word()
    {
        if (s_.compare(i_, 4, "True") == 0) { i_ += 4; return true; }
        if (s_.compare(i_, 5, "False") == 0) { i_ += 5; return false; }
        fail("expected True or False for 'fortran_order', found something else");
    }
    std::vector<long long> tuple()
    {
        expect('(');
        std::vector<long long> out;
        while (true) {
            skipSpace();
            if (peek() == ')') { ++i_; break; }
            if (!std::isdigit(static_cast<unsigned char>(peek())))
                fail("expected a tuple of non-negative integers for 'shape', found something else at byte " + std::to_string(i_));
            long long v = 0;
            while (std::isdigit(static_cast<unsigned char>(peek()))) {
                v = v * 10 + (s_[i_++] - '0');
                if (v > (1LL << 40))
                    fail("expected shape dimensions of a sensible size, found one over 2^40");
            }
            if (peek() == 'L') ++i_;  // Python 2 long
            out.push_back(v);
            if (out.size() > 8)
                fail("expected at most 2 dimensions, found a shape of more than 8");
            skipSpace();
            if (peek() == ',') { ++i_; continue; }
            expect(')');
            break;
        }
        return out;
    }

    const std::string& s_;
    std::string file_, name_;
    std::size_t i_ = 0;
};

void appendUtf8(std::string& out, std::uint32_t c)
{
    if (c < 0x80) out += static_cast<char>(c);
    else if (c < 0x800) { out += static_cast<char>(0xC0 | (c >> 6)); out += static_cast<char>(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) { out += static_cast<char>(0xE0 | (c >> 12)); out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)); out += static_cast<char>(0x80 | (c & 0x3F)); }
    else { out += static_cast<char>(0xF0 | (c >> 18)); out += static_cast<char>(0x80 | ((c >> 12) & 0x3F)); out += static_cast<char>(0x80 | ((c >> 6) & 0x3F)); out += static_cast<char>(0x80 | (c & 0x3F)); }
}

} // namespace

void readNpy(const std::string& bytes, const std::string& file, const std::string& name, const ArrayLimits& limits,
             ArrayFile& out, long long& totalNumbers)
{
    if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
        throw InputError(file, name, "expected a NumPy array (starting \\x93NUMPY), found " + std::to_string(bytes.size()) + " bytes of something else");
    const auto* u = reinterpret_cast<const unsigned char*>(bytes.data());
    const int major = u[6];
    std::size_t headerLen = 0, start = 0;
    if (major == 1) {
        headerLen = static_cast<std::size_t>(u[8] | (u[9] << 8));
        start = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12)
            throw InputError(file, name, "expected a NumPy 2.0 header length, found the end of the array");
        headerLen = static_cast<std::size_t>(u[8]) | (static_cast<std::size_t>(u[9]) << 8) | (static_cast<std::size_t>(u[10]) << 16) | (static_cast<std::size_t>(u[11]) << 24);
        start = 12;
    } else {
        throw InputError(file, name, "expected NumPy format version 1, 2 or 3, found " + std::to_string(major));
    }
    if (headerLen > limits.maxNpyHeader || headerLen > bytes.size() - start)
        throw InputError(file, name, "expected a NumPy header of at most " + std::to_string(std::min<std::size_t>(limits.maxNpyHeader, bytes.size() - start))
                                         + " bytes, found a stated length of " + std::to_string(headerLen));
    const std::string text = bytes.substr(start, headerLen);
    const NpyHeader h = HeaderParser(text, file, name).parse();
    const std::size_t dataStart = start + headerLen;

    // descr: byte order, kind, item size ("<f8", ">f4", "|S5", "<U7").
    const std::string& d = h.descr;
    if (d.size() < 2 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
        throw InputError(file, name, "expected a dtype such as '<f8', found '" + printable(d) + "'");
    const bool big = d[0] == '>';
    const char kind = d[1];
    long long itemSize = 0;
    for (std::size_t i = 2; i < d.size(); ++i) {
        if (!std::isdigit(static_cast<unsigned char>(d[i])) || itemSize > 1000000)
            throw InputError(file, name, "expected a dtype such as '<f8', found '" + printable(d) + "'");
        itemSize = itemSize * 10 + (d[i] - '0');
    }
    const std::string found = "found dtype '" + printable(d) + "'";
    if (kind == 'i' || kind == 'u' || kind == 'b' || kind == '?')
        throw InputError(file, name, "expected float16, float32 or float64 numbers, " + found + " (an integer or boolean dtype: convert with .astype(np.float32))");
    if (kind == 'O')
        throw InputError(file, name, "expected float16, float32 or float64 numbers or strings, " + found + " (an object dtype: pickled Python objects are never loaded)");

    if (isTokenArrayName(name)) {
        if (kind != 'U' && kind != 'S')
            throw InputError(file, name, "expected a NumPy string array (dtype '<U…' or '|S…'), " + found);
        if (h.shape.size() != 1)
            throw InputError(file, name, "expected a 1-D array of tokens, found shape " + shapeText(h.shape));
        const long long n = checkShape(h.shape, file, name, limits);
        const long long unit = kind == 'U' ? 4 : 1;
        const unsigned long long need = static_cast<unsigned long long>(n) * static_cast<unsigned long long>(itemSize) * static_cast<unsigned long long>(unit);
        if (need > bytes.size() - dataStart)
            throw InputError(file, name, "expected " + std::to_string(need) + " bytes of data for shape " + shapeText(h.shape) + ", found "
                                             + std::to_string(bytes.size() - dataStart));
        std::vector<std::string> tokens;
        const unsigned char* p = u + dataStart;
        for (long long t = 0; t < n; ++t) {
            std::string tok;
            if (kind == 'S') {
                tok.assign(reinterpret_cast<const char*>(p), static_cast<std::size_t>(itemSize));
                p += itemSize;
                tok.erase(tok.find_last_not_of('\0') + 1);
                if (invalidUtf8At(tok) != std::string::npos)
                    throw InputError(file, name, "expected UTF-8 tokens, found invalid UTF-8 in token " + std::to_string(t + 1));
            } else {
                std::vector<std::uint32_t> cps;
                for (long long c = 0; c < itemSize; ++c, p += 4)
                    cps.push_back(big ? (std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3])
                                      : (std::uint32_t(p[3]) << 24 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[1]) << 8 | p[0]));
                while (!cps.empty() && cps.back() == 0)
                    cps.pop_back();
                for (std::uint32_t c : cps) {
                    if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
                        throw InputError(file, name, "expected Unicode tokens, found the code point " + std::to_string(c) + " in token " + std::to_string(t + 1));
                    appendUtf8(tok, c);
                }
            }
            tokens.push_back(std::move(tok));
        }
        out.strings[name] = std::move(tokens);
        return;
    }

    if (kind != 'f' || (itemSize != 2 && itemSize != 4 && itemSize != 8))
        throw InputError(file, name, "expected float16, float32 or float64 numbers, " + found);
    const DType type = itemSize == 2 ? DType::F16 : itemSize == 4 ? DType::F32 : DType::F64;
    const long long count = checkShape(h.shape, file, name, limits);
    countNumbers(totalNumbers, count, file, name, limits);
    const unsigned long long have = (bytes.size() - dataStart) / static_cast<unsigned long long>(itemSize);
    if (static_cast<unsigned long long>(count) > have)
        throw InputError(file, name, "expected " + std::to_string(count) + " numbers (" + std::to_string(count * itemSize) + " bytes) for shape "
                                         + shapeText(h.shape) + ", found " + std::to_string(bytes.size() - dataStart) + " bytes");
    std::vector<long long> strides;
    if (h.fortran) {  // column-major: the first index varies fastest
        strides.assign(h.shape.size(), 1);
        for (std::size_t k = 1; k < h.shape.size(); ++k)
            strides[k] = strides[k - 1] * std::max<long long>(h.shape[k - 1], 1);
    } else {
        strides = contiguousStrides(h.shape);
    }
    out.arrays[name] = gatherArray(u + dataStart, have, type, big, h.shape, strides, 0, file, name);
}

ArrayFile readNpz(const std::string& bytes, const std::string& file, const ArrayLimits& limits)
{
    ZipReader zip(bytes, file, limits);
    ArrayFile out;
    long long total = 0;
    for (const std::string& member : zip.names()) {
        if (member.size() < 4 || member.compare(member.size() - 4, 4, ".npy") != 0)
            continue;
        const std::string name = member.substr(0, member.size() - 4);
        if (!isNumericArrayName(name) && !isTokenArrayName(name))
            continue;
        if (out.arrays.count(name) || out.strings.count(name))
            throw InputError(file, name, "expected one array of this name, found two");
        readNpy(zip.read(member, name), file, name, limits, out, total);
    }
    return out;
}

} // namespace attnviz
