#include "core/formats/json_io.h"

#include "core/formats/safe_write.h"
#include "core/formats/utf8.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace attnviz {

ReadLimits exampleLimits()
{
    return ReadLimits{};
}

ReadLimits modelLimits()
{
    ReadLimits l;
    l.maxBytes = 512u << 20;
    l.maxDim = 1'000'000;
    l.maxElements = 64'000'000;
    return l;
}

bool endsWith(const std::string& s, const std::string& suffix)
{
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

namespace {

// SAX handler that builds the DOM but stops at the depth limit, so neither parsing nor destroying a
// 10,000-level document recurses deeply (nlohmann's JSON parser is iterative; its CBOR reader recurses
// once per level, and stops as soon as this handler returns false). It also tracks the JSON pointer of
// the value being read, so syntax errors, non-finite numbers and too-deep nesting name the place.
class LimitedSax : public nlohmann::json_sax<json> {
public:
    LimitedSax(json& root, int maxDepth) : dom_(root, false), maxDepth_(maxDepth) {}

    bool null() override { return scalar(dom_.null()); }
    bool boolean(bool v) override { return scalar(dom_.boolean(v)); }
    bool number_integer(number_integer_t v) override { return scalar(dom_.number_integer(v)); }
    bool number_unsigned(number_unsigned_t v) override { return scalar(dom_.number_unsigned(v)); }
    bool number_float(number_float_t v, const string_t& s) override { return scalar(dom_.number_float(v, s)); }
    bool string(string_t& v) override { return scalar(dom_.string(v)); }
    bool binary(binary_t& v) override { return scalar(dom_.binary(v)); }
    bool start_object(std::size_t n) override { return enter(false) && dom_.start_object(n); }
    bool key(string_t& k) override
    {
        path_.back().key = k;
        path_.back().hasKey = true;
        return dom_.key(k);
    }
    bool end_object() override { return leave() && dom_.end_object(); }
    bool start_array(std::size_t n) override { return enter(true) && dom_.start_array(n); }
    bool end_array() override { return leave() && dom_.end_array(); }
    bool parse_error(std::size_t, const std::string& lastToken, const nlohmann::detail::exception& ex) override
    {
        errorPointer_ = pointer();
        std::string what = ex.what();
        // Drop the "[json.exception.parse_error.101] " prefix: people need the rest.
        if (auto close = what.find("] "); what.rfind("[json.exception", 0) == 0 && close != std::string::npos)
            what = what.substr(close + 2);
        // The token that failed, without the separators and spaces read before it.
        std::string token = lastToken;
        if (const std::size_t sep = token.find_last_of(" \t\r\n,:[{"); sep != std::string::npos)
            token = token.substr(sep + 1);
        if (ex.id == 406) {  // number overflow: 1e999 and friends
            nonFinite_ = "expected a finite number, found " + token;
        } else if (token.rfind("N", 0) == 0 || token.rfind("I", 0) == 0 || token.rfind("-I", 0) == 0 || token.rfind("na", 0) == 0
                   || token.rfind("in", 0) == 0 || token.rfind("-i", 0) == 0) {
            nonFinite_ = "expected a finite number, found " + std::string(token[0] == '-' ? "-" : "")
                         + (token[0] == 'N' || token[0] == 'n' ? "NaN" : "Infinity") + " (not allowed in AttnViz files)";
        }
        error_ = what;
        return false;
    }

    bool tooDeep() const { return tooDeep_; }
    const std::string& error() const { return error_; }
    const std::string& nonFinite() const { return nonFinite_; }
    const std::string& errorPointer() const { return errorPointer_; }

private:
    struct Frame {
        bool array = false;
        std::size_t index = 0;  // arrays: index of the element being read
        bool hasKey = false;    // objects: a key was read and its value is being read
        std::string key;
    };

    // JSON pointer of the value being read (or of the innermost container between values).
    std::string pointer() const
    {
        std::string p;
        for (const Frame& f : path_) {
            if (f.array)
                p = childPointer(p, f.index);
            else if (f.hasKey)
                p = childPointer(p, f.key);
        }
        return p;
    }
    // A value inside the innermost container is complete: move on to the next element or key.
    void advance()
    {
        if (path_.empty())
            return;
        if (path_.back().array)
            ++path_.back().index;
        else
            path_.back().hasKey = false;
    }
    bool scalar(bool ok)
    {
        advance();
        return ok;
    }
    bool enter(bool array)
    {
        if (static_cast<int>(path_.size()) >= maxDepth_) {
            errorPointer_ = pointer();
            tooDeep_ = true;
            return false;
        }
        Frame f;
        f.array = array;
        path_.push_back(std::move(f));
        return true;
    }
    bool leave()
    {
        if (!path_.empty())
            path_.pop_back();
        advance();
        return true;
    }

    nlohmann::detail::json_sax_dom_parser<json> dom_;
    int maxDepth_;
    std::vector<Frame> path_;
    bool tooDeep_ = false;
    std::string error_, nonFinite_, errorPointer_;
};

} // namespace

json parseDocument(const std::string& bytes, bool cbor, const std::string& name, const ReadLimits& limits)
{
    const char* kind = cbor ? "CBOR" : "JSON";
    if (bytes.size() > limits.maxBytes)
        throw InputError(name, "", "expected a document of at most " + std::to_string(limits.maxBytes >> 20)
                                       + " MiB, found " + std::to_string(bytes.size()) + " bytes");
    if (bytes.empty())
        throw InputError(name, "", std::string("expected a ") + kind + " document, found an empty file");
    json root;
    LimitedSax sax(root, limits.maxDepth);
    bool ok = false;
    try {
        ok = cbor ? json::sax_parse(bytes, &sax, json::input_format_t::cbor, true)
                  : json::sax_parse(bytes, &sax, json::input_format_t::json, true);
    } catch (const std::exception& e) {  // e.g. an absurd CBOR length ("excessive array size")
        std::string what = e.what();
        if (auto close = what.find("] "); what.rfind("[json.exception", 0) == 0 && close != std::string::npos)
            what = what.substr(close + 2);
        throw InputError(name, sax.errorPointer(), std::string("expected valid ") + kind + ", found an error: " + what);
    }
    if (sax.tooDeep())
        throw InputError(name, sax.errorPointer(), "expected nesting of at most " + std::to_string(limits.maxDepth)
                                                       + " levels of arrays/objects, found deeper nesting");
    if (!ok) {
        if (!sax.nonFinite().empty())
            throw InputError(name, sax.errorPointer(), sax.nonFinite());
        std::string err = sax.error().empty() ? std::string("a malformed document") : sax.error();
        throw InputError(name, sax.errorPointer().empty() ? std::string("/") : sax.errorPointer(),
                         std::string("expected valid ") + kind + ", found " + err);
    }
    return root;
}

unsigned long long checkRegularFile(const std::string& file, unsigned long long maxBytes, const std::string& what)
{
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        throw InputError(file, "", "expected " + what + ", found no such file");
    const char* kind = S_ISDIR(st.st_mode) ? "a directory" : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                     : S_ISCHR(st.st_mode) ? "a character device" : S_ISBLK(st.st_mode) ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket" : nullptr;
    if (kind || !S_ISREG(st.st_mode))  // these could block or never end
        throw InputError(file, "", "expected " + what + " (a regular file), found " + (kind ? kind : "something else"));
    const auto size = static_cast<unsigned long long>(st.st_size);
    if (size > maxBytes)
        throw InputError(file, "", "expected " + what + " of at most " + std::to_string(maxBytes >> 20) + " MiB, found "
                                       + std::to_string(size) + " bytes");
    if (size == 0)
        throw InputError(file, "", "expected " + what + ", found an empty file");
    return size;
}

json loadDocument(const std::string& file, const ReadLimits& limits)
{
    const unsigned long long size = checkRegularFile(file, limits.maxBytes, "a JSON or CBOR document");
    std::ifstream in(file, std::ios::binary);
    if (!in)
        throw InputError(file, "", "expected a readable file, found one that cannot be opened");
    std::string bytes;
    bytes.resize(static_cast<std::size_t>(size));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return parseDocument(bytes, endsWith(file, ".cbor"), file, limits);
}

namespace {

bool isScalar(const json& j)
{
    return !j.is_array() && !j.is_object();
}

bool allScalars(const json& a)
{
    for (const json& e : a)
        if (!isScalar(e))
            return false;
    return true;
}

void dumpReadableTo(const json& j, int indent, int level, std::string& out)
{
    const std::string pad(static_cast<std::size_t>(indent * (level + 1)), ' ');
    const std::string close(static_cast<std::size_t>(indent * level), ' ');
    if (j.is_array()) {
        if (j.empty() || allScalars(j)) {  // a vector or a row: one line
            out += '[';
            for (std::size_t i = 0; i < j.size(); ++i)
                out += (i ? ", " : "") + j[i].dump();
            out += ']';
            return;
        }
        out += "[\n";
        for (std::size_t i = 0; i < j.size(); ++i) {
            out += pad;
            dumpReadableTo(j[i], indent, level + 1, out);
            out += i + 1 < j.size() ? ",\n" : "\n";
        }
        out += close + ']';
        return;
    }
    if (j.is_object()) {
        if (j.empty()) {
            out += "{}";
            return;
        }
        const std::vector<std::string> keys = readableKeyOrder(j);
        out += "{\n";
        for (std::size_t i = 0; i < keys.size(); ++i) {
            out += pad + json(keys[i]).dump() + ": ";
            dumpReadableTo(j.at(keys[i]), indent, level + 1, out);
            out += i + 1 < keys.size() ? ",\n" : "\n";
        }
        out += close + '}';
        return;
    }
    out += j.dump();
}

} // namespace

std::vector<std::string> readableKeyOrder(const json& object, std::size_t* comparisons)
{
    // The header and identifying keys first, so a person sees what the document is; the rest sorted (the
    // object's own order). Each key is compared with these seven names only, not with the keys listed so far
    // (that was O(n²): over a minute for an object of 200,000 keys).
    static const char* const first[] = {"format", "version", "title", "type", "architecture", "t", "token"};
    std::size_t compared = 0;
    std::vector<std::string> keys;
    keys.reserve(object.size());
    for (const char* k : first)
        if (object.contains(k))
            keys.emplace_back(k);
    for (auto it = object.begin(); it != object.end(); ++it) {
        bool isFirst = false;
        for (const char* k : first) {
            ++compared;
            if (it.key() == k) {
                isFirst = true;
                break;
            }
        }
        if (!isFirst)
            keys.push_back(it.key());
    }
    if (comparisons)
        *comparisons = compared;
    return keys;
}

std::string dumpReadable(const json& doc, int indent)
{
    std::string out;
    dumpReadableTo(doc, indent, 0, out);
    return out;
}

void saveDocument(const std::string& file, const json& doc)
{
    std::string bytes;
    if (endsWith(file, ".cbor")) {
        std::vector<std::uint8_t> v = json::to_cbor(doc);
        bytes.assign(v.begin(), v.end());
    } else {
        bytes = dumpReadable(doc) + "\n";
    }
    const std::string target = writeTarget(file);
    struct stat existing {};
    const bool exists = ::stat(target.c_str(), &existing) == 0;
    const std::string tmp = target + ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::runtime_error(file + ": cannot write (cannot create " + tmp + ")");
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.flush();
        if (!out) {
            out.close();
            std::remove(tmp.c_str());
            throw std::runtime_error(file + ": cannot write (disk full or I/O error)");
        }
    }
    if (exists)  // the new file keeps the old one's mode (a 0600 model stays private)
        ::chmod(tmp.c_str(), existing.st_mode & 07777);
    if (std::rename(tmp.c_str(), target.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error(file + ": cannot write (rename failed)");
    }
}

std::string writeTarget(const std::string& file)
{
    struct stat st {};
    std::string target = file;
    if (::lstat(file.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        // A symbolic link is written through: its target is replaced, the link stays.
        char* resolved = ::realpath(file.c_str(), nullptr);
        if (!resolved)
            throw std::runtime_error(file + ": cannot write (a symbolic link whose target does not exist)");
        target = resolved;
        std::free(resolved);
    }
    if (::stat(target.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode))
            throw std::runtime_error(file + ": cannot write (a directory)");
        if (!S_ISREG(st.st_mode))
            throw std::runtime_error(file + ": cannot write (not a regular file: a device, FIFO or socket)");
        if ((st.st_mode & 0222) == 0)  // checked by mode, so that root does not silently replace it either
            throw std::runtime_error(file + ": cannot write (the file is read-only; refusing to replace it)");
    }
    return target;
}

std::string describeJson(const json& j)
{
    switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return j.get<bool>() ? "true" : "false";
    case json::value_t::string: return "the string \"" + printable(j.get<std::string>()) + "\"";
    case json::value_t::array: return "an array of " + std::to_string(j.size()) + (j.size() == 1 ? " element" : " elements");
    case json::value_t::object: return "an object";
    case json::value_t::number_float: {
        double d = j.get<double>();
        if (std::isnan(d)) return "NaN";
        if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
        std::ostringstream os;
        os << "the number " << d;
        return os.str();
    }
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "the number " + j.dump();
    case json::value_t::binary: return "binary data";
    case json::value_t::discarded: return "nothing";
    }
    return "an unknown value";
}

std::string printable(const std::string& s, std::size_t maxChars)
{
    std::string out;
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if ((c & 0xC0) != 0x80 && ++chars > maxChars) {
            out += "…";
            break;
        }
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        } else out += static_cast<char>(c);
    }
    return out;
}

std::string childPointer(const std::string& ptr, const std::string& key)
{
    std::string escaped;
    for (char c : key) {
        if (c == '~') escaped += "~0";
        else if (c == '/') escaped += "~1";
        else escaped += c;
    }
    return ptr + "/" + escaped;
}

std::string childPointer(const std::string& ptr, std::size_t index)
{
    return ptr + "/" + std::to_string(index);
}

void JsonReader::fail(const std::string& ptr, const std::string& what) const
{
    throw InputError(file_, ptr.empty() ? std::string("/") : ptr, what);
}

void JsonReader::checkHeader(const json& doc, const std::string& format) const
{
    if (!doc.is_object())
        fail("", "expected a JSON object with \"format\": \"" + format + "\", found " + describeJson(doc));
    const json& f = require(doc, "", "format");
    if (!f.is_string() || f.get<std::string>() != format)
        fail("/format", "expected the string \"" + format + "\", found " + describeJson(f));
    const json& v = require(doc, "", "version");
    if (!v.is_number())
        fail("/version", "expected the number 1, found " + describeJson(v));
    if (v.get<double>() != 1.0)  // 1 and 1.0 are the same number; anything else is another version
        fail("/version", "expected version 1, found version " + v.dump() + " (made by a newer AttnViz?)");
}

const json& JsonReader::require(const json& obj, const std::string& ptr, const std::string& key) const
{
    if (!obj.is_object())
        fail(ptr, "expected an object with \"" + key + "\", found " + describeJson(obj));
    auto it = obj.find(key);
    if (it == obj.end())
        fail(childPointer(ptr, key), "expected this field, found it missing");
    return *it;
}

const json* JsonReader::optional(const json& obj, const std::string& key) const
{
    if (!obj.is_object())
        return nullptr;
    auto it = obj.find(key);
    return it == obj.end() || it->is_null() ? nullptr : &*it;
}

std::string JsonReader::string(const json& j, const std::string& ptr) const
{
    if (!j.is_string())
        fail(ptr, "expected a string, found " + describeJson(j));
    std::string s = j.get<std::string>();
    if (const std::size_t bad = invalidUtf8At(s); bad != std::string::npos)  // CBOR text is not checked by the parser
        fail(ptr, "expected UTF-8 text, found an invalid byte at byte " + std::to_string(bad + 1) + " of the string");
    return s;
}

double JsonReader::number(const json& j, const std::string& ptr) const
{
    if (!j.is_number())
        fail(ptr, "expected a number, found " + describeJson(j));
    double d = j.get<double>();
    if (!std::isfinite(d))
        fail(ptr, "expected a finite number, found " + describeJson(j));
    return d;
}

long long JsonReader::integer(const json& j, const std::string& ptr, long long lo, long long hi) const
{
    const std::string range = "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    if (j.is_number_integer() || j.is_number_unsigned()) {
        if (j.is_number_unsigned() && j.get<unsigned long long>() > static_cast<unsigned long long>(hi))
            fail(ptr, "expected " + range + ", found " + j.dump());
        long long v = j.get<long long>();
        if (v < lo || v > hi)
            fail(ptr, "expected " + range + ", found " + j.dump());
        return v;
    }
    if (j.is_number_float()) {
        double d = j.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && d >= static_cast<double>(lo) && d <= static_cast<double>(hi))
            return static_cast<long long>(d);
    }
    fail(ptr, "expected " + range + ", found " + describeJson(j));
}

bool JsonReader::boolean(const json& j, const std::string& ptr) const
{
    if (!j.is_boolean())
        fail(ptr, "expected true or false, found " + describeJson(j));
    return j.get<bool>();
}

Tokens JsonReader::strings(const json& j, const std::string& ptr) const
{
    if (!j.is_array())
        fail(ptr, "expected an array of strings, found " + describeJson(j));
    if (static_cast<long long>(j.size()) > limits_.maxDim)  // the per-dimension limit holds for lists of strings too
        fail(ptr, "expected at most " + std::to_string(limits_.maxDim) + " strings, found " + std::to_string(j.size()));
    Tokens out;
    out.reserve(j.size());
    for (std::size_t i = 0; i < j.size(); ++i)
        out.push_back(string(j[i], childPointer(ptr, i)));
    return out;
}

std::vector<long long> JsonReader::shapeOf(const json& j, const std::string& ptr, std::size_t rank) const
{
    const std::string want = rank == 1 ? "a vector (an array of numbers or {\"shape\": [n], \"data\": [...]})"
                                       : "a matrix (an array of equal-length rows or {\"shape\": [rows, cols], \"data\": [...]})";
    std::vector<long long> shape;
    if (j.is_object()) {
        const json& s = require(j, ptr, "shape");
        require(j, ptr, "data");
        const std::string sp = childPointer(ptr, "shape");
        if (!s.is_array() || s.size() != rank)
            fail(sp, "expected " + std::to_string(rank) + (rank == 1 ? " dimension" : " dimensions") + ", found " + describeJson(s));
        long long elements = 1;
        for (std::size_t i = 0; i < rank; ++i) {
            long long d = integer(s[i], childPointer(sp, i), 0, limits_.maxDim);
            shape.push_back(d);
            elements *= d;
            if (elements > limits_.maxElements)
                fail(sp, "expected at most " + std::to_string(limits_.maxElements) + " elements, found a larger shape " + s.dump());
        }
        return shape;
    }
    if (!j.is_array())
        fail(ptr, "expected " + want + ", found " + describeJson(j));
    shape.push_back(static_cast<long long>(j.size()));
    if (rank == 2) {
        if (j.empty())
            shape.push_back(0);
        else if (!j[0].is_array())
            fail(childPointer(ptr, std::size_t{0}), "expected a row (an array of numbers), found " + describeJson(j[0]));
        else
            shape.push_back(static_cast<long long>(j[0].size()));
    }
    long long elements = 1;
    for (long long d : shape) {
        if (d > limits_.maxDim)
            fail(ptr, "expected at most " + std::to_string(limits_.maxDim) + " entries per dimension, found " + std::to_string(d));
        elements *= d;
    }
    if (elements > limits_.maxElements)
        fail(ptr, "expected at most " + std::to_string(limits_.maxElements) + " elements, found " + std::to_string(elements));
    return shape;
}

Mat JsonReader::matrix(const json& j, const std::string& ptr) const
{
    std::vector<long long> shape = shapeOf(j, ptr, 2);
    const auto rows = static_cast<Eigen::Index>(shape[0]);
    const auto cols = static_cast<Eigen::Index>(shape[1]);
    if (j.is_object()) {
        const json& data = j["data"];
        const std::string dp = childPointer(ptr, "data");
        if (!data.is_array())
            fail(dp, "expected an array of numbers, found " + describeJson(data));
        if (static_cast<long long>(data.size()) != shape[0] * shape[1])
            fail(dp, "expected " + std::to_string(shape[0] * shape[1]) + " numbers for shape [" + std::to_string(shape[0]) + ", "
                         + std::to_string(shape[1]) + "], found " + std::to_string(data.size()));
        Mat m(rows, cols);
        for (Eigen::Index r = 0; r < rows; ++r)
            for (Eigen::Index c = 0; c < cols; ++c) {
                const std::size_t k = static_cast<std::size_t>(r * cols + c);
                m(r, c) = number(data[k], childPointer(dp, k));
            }
        return m;
    }
    Mat m(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r) {
        const json& row = j[static_cast<std::size_t>(r)];
        const std::string rp = childPointer(ptr, static_cast<std::size_t>(r));
        if (!row.is_array())
            fail(rp, "expected a row of " + std::to_string(cols) + " numbers, found " + describeJson(row));
        if (static_cast<Eigen::Index>(row.size()) != cols)
            fail(rp, "expected " + std::to_string(cols) + " numbers (rows must have equal length), found " + std::to_string(row.size()));
        for (Eigen::Index c = 0; c < cols; ++c)
            m(r, c) = number(row[static_cast<std::size_t>(c)], childPointer(rp, static_cast<std::size_t>(c)));
    }
    return m;
}

Vec JsonReader::vector(const json& j, const std::string& ptr) const
{
    std::vector<long long> shape = shapeOf(j, ptr, 1);
    const auto n = static_cast<Eigen::Index>(shape[0]);
    const json& data = j.is_object() ? j["data"] : j;
    const std::string dp = j.is_object() ? childPointer(ptr, "data") : ptr;
    if (!data.is_array())
        fail(dp, "expected an array of numbers, found " + describeJson(data));
    if (static_cast<Eigen::Index>(data.size()) != n)
        fail(dp, "expected " + std::to_string(n) + " numbers for shape [" + std::to_string(n) + "], found " + std::to_string(data.size()));
    Vec v(n);
    for (Eigen::Index i = 0; i < n; ++i)
        v(i) = number(data[static_cast<std::size_t>(i)], childPointer(dp, static_cast<std::size_t>(i)));
    return v;
}

json toJson(const Vec& v)
{
    json a = json::array();
    for (Eigen::Index i = 0; i < v.size(); ++i)
        a.push_back(v(i));
    return a;
}

json toJson(const Mat& m)
{
    json a = json::array();
    for (Eigen::Index r = 0; r < m.rows(); ++r) {
        json row = json::array();
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            row.push_back(m(r, c));
        a.push_back(std::move(row));
    }
    return a;
}

json toTensorJson(const Mat& m)
{
    json data = json::array();
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            data.push_back(m(r, c));
    return json{{"shape", {m.rows(), m.cols()}}, {"data", std::move(data)}};
}

} // namespace attnviz
