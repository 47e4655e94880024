#pragma once
// .safetensors files: an 8-byte little-endian header length N, N bytes of JSON header, then raw data.
// The header maps each tensor name to {"dtype": "F32", "shape": [n, d], "data_offsets": [begin, end]}
// (offsets relative to the data); "__metadata__" maps strings to strings. Accepted dtypes: F16, BF16,
// F32, F64 (little-endian, row-major). Token lists: JSON lists of strings stored as the metadata values
// "source_tokens" / "target_tokens". Limits: core/formats/array_types.h (header 16 MiB, nesting 32).
#include "core/formats/array_types.h"

#include <string>

namespace attnviz {

// The arrays AttnViz uses from a safetensors file held in memory. Throws InputError(file, name, …).
ArrayFile readSafetensors(const std::string& bytes, const std::string& file, const ArrayLimits& limits = {});

// True when `bytes` starts with a plausible header length followed by '{'.
bool looksLikeSafetensors(const std::string& bytes);

} // namespace attnviz
