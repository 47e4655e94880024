#pragma once
// Shared by the document fuzz targets (fuzz_model, fuzz_example, fuzz_trace, fuzz_timeline, fuzz_override).
// An input is CBOR when its first byte is ≥ 0x80 (a CBOR map or array, or a tag; no JSON document starts
// that way), JSON otherwise, so one corpus holds both encodings. InputError is the only acceptable
// failure: anything else thrown (a library exception, ShapeError, std::bad_alloc) escapes and libFuzzer
// reports it as a crash, as it does for sanitizer reports, leaks, timeouts and memory over -rss_limit_mb.
#include <cstddef>
#include <cstdint>
#include <string>

namespace attnviz_fuzz {

inline bool looksCbor(const std::uint8_t* data, std::size_t size)
{
    return size > 0 && data[0] >= 0x80;
}

inline std::string bytesOf(const std::uint8_t* data, std::size_t size)
{
    return std::string(reinterpret_cast<const char*>(data), size);
}

} // namespace attnviz_fuzz
