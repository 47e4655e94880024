#pragma once
// Arrays read from numerical tools' files (SPEC §5 "Hidden states from numerical tools"): NumPy .npz,
// .safetensors and torch.save's .pt. The readers (core/formats/npy.h, core/formats/safetensors.h,
// core/formats/torch_pickle.h) turn a file's bytes into named arrays of doubles; core/formats/array_file.h turns
// those into an Example.
//
// Limits, checked before anything large is allocated (ArrayLimits):
//   file size                              512 MiB    stat() before reading (checkRegularFile)
//   zip members                            10,000     the archive's directory
//   inflated bytes, all members read       1 GiB      from the zip directory AND counted while inflating:
//                                                     a member that inflates past its stated size is refused
//   one array dimension                    100,000    on the shape, before decoding
//   numbers in one array                   16 M       on the shape, before decoding
//   numbers in all arrays read             32 M       (256 MB as doubles)
// An example's trace is limited to 8 M numbers (core/formats/example.h), so no example that could be shown is
// refused by the two number limits; they keep a hostile file's memory bounded (about 0.5 GB at most).
//   NumPy header                           64 KiB
//   safetensors JSON header                16 MiB, nesting 32
//   .pt pickle (data.pkl)                  16 MiB, 100,000 values, nesting 64
// Only the arrays AttnViz uses are decoded (arrayNamesRead()); other members are skipped unread.
// Numbers are float16, bfloat16, float32 or float64 in either byte order; NaN and ±Inf are bad input.
#include "core/formats/error.h"

#include <string>
#include <map>
#include <vector>

namespace attnviz {

struct ArrayLimits {
    unsigned long long maxFileBytes = 512ull << 20;
    unsigned long long maxMembers = 10000;
    unsigned long long maxInflatedTotal = 1ull << 30;
    long long maxDim = 100000;
    long long maxElements = 16'000'000;
    long long maxTotalElements = 32'000'000;
    unsigned long long maxNpyHeader = 64u << 10;
    unsigned long long maxSafetensorsHeader = 16u << 20;
    unsigned long long maxPickleBytes = 16u << 20;
    long long maxPickleValues = 100000;
    int maxPickleDepth = 64;
};

// One array: its shape and its numbers in row-major (C) order.
struct NumArray {
    std::vector<long long> shape;
    std::vector<double> data;
};

// What a file holds that AttnViz uses: numeric arrays by name and token lists by name.
struct ArrayFile {
    std::map<std::string, NumArray> arrays;
    std::map<std::string, std::vector<std::string>> strings;
};

// encoder_states, decoder_states and the score parameters (W, W_q, W_k, v, b, W_loc, b_loc).
const std::vector<std::string>& numericArrayNames();
// source_tokens, target_tokens.
const std::vector<std::string>& tokenArrayNames();
bool isNumericArrayName(const std::string& name);
bool isTokenArrayName(const std::string& name);

enum class DType { F16, BF16, F32, F64 };
int dtypeSize(DType t);

// "(3, 4)" — a shape for messages.
std::string shapeText(const std::vector<long long>& shape);

// Checks every dimension (0 … maxDim) and the element count (≤ maxElements); returns the count.
// Throws InputError(file, name, …).
long long checkShape(const std::vector<long long>& shape, const std::string& file, const std::string& name, const ArrayLimits& limits);

// Gathers an array of `shape` from raw elements: element (i0, i1, …) is raw element
// offset + Σ i_k·strides[k]. `rawCount` elements of `type` are available at `raw`. Checks that every
// index stays inside the raw data and that every number is finite. Throws InputError(file, name, …).
NumArray gatherArray(const unsigned char* raw, unsigned long long rawCount, DType type, bool bigEndian,
                     const std::vector<long long>& shape, const std::vector<long long>& strides, long long offset,
                     const std::string& file, const std::string& name);

// Row-major (C order) element strides of a shape.
std::vector<long long> contiguousStrides(const std::vector<long long>& shape);

// Adds `count` numbers to a running total and refuses when it passes limits.maxTotalElements.
void countNumbers(long long& total, long long count, const std::string& file, const std::string& name, const ArrayLimits& limits);

} // namespace attnviz
