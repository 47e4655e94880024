#pragma once
// Reading and writing AttnViz documents (JSON or CBOR, SPEC §5) with validation that names the file,
// the JSON pointer and what was expected versus found. Limits are checked before anything large is
// allocated, so a hostile file never causes a deep recursion, a hang or a huge allocation:
//
//   limit                         examples (exampleLimits)   models (modelLimits)
//   file size                     16 MiB                     512 MiB      checked with stat() before reading
//   nesting of arrays/objects     32 levels                  32 levels    the parser stops at level 33
//   one tensor dimension          100,000 rows/columns       1,000,000    checked on the shape, before allocating
//   numbers in one tensor         4,000,000                  64,000,000   checked on the shape, before allocating
//
// Syntax errors, NaN/Infinity and numbers that overflow (1e999) are reported with the JSON pointer
// of the value being read. Examples add one more limit (core/formats/example.h): the trace they produce.
#include "core/formats/error.h"
#include "core/numeric/types.h"

#include <nlohmann/json.hpp>
#include <cstddef>
#include <string>
#include <vector>

namespace attnviz {

using json = nlohmann::json;

struct ReadLimits {
    std::size_t maxBytes = 16u << 20;      // whole file
    int maxDepth = 32;                     // nesting of arrays/objects
    long long maxDim = 100000;             // any single tensor dimension
    long long maxElements = 4'000'000;     // elements of one tensor
};

// Limits for hand-written example documents: 16 MiB, depth 32, at most 100,000 rows or columns and
// 4 million numbers per tensor.
ReadLimits exampleLimits();
// Limits for model files: 512 MiB, depth 32, at most 1,000,000 rows/columns and 64 million numbers per tensor.
ReadLimits modelLimits();

// Reads `file` as CBOR when it ends in ".cbor", as JSON otherwise. Throws InputError for a missing or
// unreadable file, a file over the byte limit, nesting over the depth limit or a syntax error.
json loadDocument(const std::string& file, const ReadLimits& limits);
// Parses an in-memory document (used by tests and by loadDocument). `name` is used in messages.
json parseDocument(const std::string& bytes, bool cbor, const std::string& name, const ReadLimits& limits);

// Writes atomically: to a temporary file in the same folder, then renamed over `file`. CBOR when the
// name ends in ".cbor", dumpReadable() JSON otherwise. Throws std::runtime_error naming the file on failure.
void saveDocument(const std::string& file, const json& doc);

bool endsWith(const std::string& s, const std::string& suffix);

// Every file reader starts here (issue 18): `file` must exist and be a regular file (a directory, FIFO,
// device or socket is refused with a message saying which: those could block or never end) of at most
// maxBytes bytes, and not empty. `what` names what was expected ("a JSON or CBOR document", "a text file").
// Returns the size. Throws InputError(file, "", …).
unsigned long long checkRegularFile(const std::string& file, unsigned long long maxBytes, const std::string& what);

// "a string \"abc\"", "null", "an array of 3 elements", "an object", "the number 2.5" — for "found …".
std::string describeJson(const json& j);
// A string made safe for a one-line message: control characters escaped, cut after maxChars with "…".
std::string printable(const std::string& s, std::size_t maxChars = 40);
// JSON text for people: objects one key a line, arrays of numbers/strings on one line (a vector or a
// matrix row), arrays of arrays one element a line. Numbers keep full precision (round-trip exact).
std::string dumpReadable(const json& doc, int indent = 1);
// The order dumpReadable() writes an object's keys in: those of "format", "version", "title", "type",
// "architecture", "t", "token" that it has, in that order, then the rest sorted. Linear in the keys:
// `comparisons`, when given, receives how many key comparisons it made (at most 7 a key).
std::vector<std::string> readableKeyOrder(const json& object, std::size_t* comparisons = nullptr);
// ptr + "/" + key with JSON-pointer escaping (~0, ~1).
std::string childPointer(const std::string& ptr, const std::string& key);
std::string childPointer(const std::string& ptr, std::size_t index);

// Validating accessors bound to one file. Each failure throws InputError(file, pointer, "expected …, found …").
class JsonReader {
public:
    JsonReader(std::string file, ReadLimits limits) : file_(std::move(file)), limits_(limits) {}

    [[noreturn]] void fail(const std::string& ptr, const std::string& what) const;
    const std::string& file() const { return file_; }
    const ReadLimits& limits() const { return limits_; }

    // Checks "format" and "version": 1.
    void checkHeader(const json& doc, const std::string& format) const;
    const json& require(const json& obj, const std::string& ptr, const std::string& key) const;
    const json* optional(const json& obj, const std::string& key) const;

    std::string string(const json& j, const std::string& ptr) const;
    double number(const json& j, const std::string& ptr) const;  // finite
    long long integer(const json& j, const std::string& ptr, long long lo, long long hi) const;
    bool boolean(const json& j, const std::string& ptr) const;
    Tokens strings(const json& j, const std::string& ptr) const;

    // A tensor is {"shape": [...], "data": [row-major numbers]} or a plain (nested) array.
    // matrix(): 2-D (rows × cols); vector(): 1-D. Numbers must be finite; shapes within limits, checked
    // before allocating. Shape entries are integers; 2.0 counts as 2 (CBOR writers may emit floats),
    // 2.5, -1, "2" and 1e9 are bad input.
    Mat matrix(const json& j, const std::string& ptr) const;
    Vec vector(const json& j, const std::string& ptr) const;

private:
    std::vector<long long> shapeOf(const json& j, const std::string& ptr, std::size_t rank) const;
    std::string file_;
    ReadLimits limits_;
};

// Tensor writers matching the reader: a vector as a plain array, a matrix as nested rows.
json toJson(const Vec& v);
json toJson(const Mat& m);
// Compact {"shape","data"} form, used for model weights.
json toTensorJson(const Mat& m);

} // namespace attnviz
