#pragma once
// Streaming reader for large attnviz-model files: the document is parsed event by event (SAX) straight
// from the file; the numbers of every weight go into compact buffers instead of JSON values, so loading
// needs about the weights' bytes plus the largest tensor (a JSON DOM would need 3–5× that).
#include "core/formats/json_io.h"
#include "core/numeric/types.h"

#include <memory>
#include <string>
#include <vector>

namespace attnviz {

// The numbers of one weight as read, row-major, in chunks (freed as they are copied out).
struct CapturedTensor {
    int rank = 1;                 // 1: a flat array, 2: rows of numbers (plain nested form)
    long long rows = 0, cols = 0; // rank 2: rows × cols; rank 1: rows = count
    std::size_t count = 0;
    std::string pointer;          // where it was read (/weights/NAME or /weights/NAME/data): a marker in the DOM
                                  // counts only at that place, so {"$tensor": k} written in a file means nothing
    std::vector<std::unique_ptr<double[]>> chunks;
    static constexpr std::size_t kChunk = 1u << 16;

    void push(double x);
    // Copies into m (resized to rows × cols of the caller's choice, rows·cols == count), freeing chunks.
    void moveInto(Mat& m, Eigen::Index rows, Eigen::Index cols);
    void moveInto(Vec& v);
};

struct CapturedTensors {
    std::vector<CapturedTensor> tensors;
};

// Parses `file` (CBOR when it ends in .cbor) into a DOM in which the array under /weights/NAME (plain
// form) or /weights/NAME/data is replaced by {"$tensor": k}, k indexing `captured`. Checks the limits
// of modelLimits() and that every captured number is finite; throws InputError naming file and pointer.
json streamModelDocument(const std::string& file, CapturedTensors& captured);

} // namespace attnviz
