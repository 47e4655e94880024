#pragma once
// UTF-8 validation, for every place text enters: typed sentences, and the strings of JSON and CBOR documents
// (the JSON parser checks its input; CBOR text strings arrive unchecked).
#include <string>

namespace attnviz {

// The byte offset of the first invalid UTF-8 sequence in `text` (overlong forms, surrogates and code
// points above U+10FFFF count as invalid), or std::string::npos when all of it is valid.
std::size_t invalidUtf8At(const std::string& text);

} // namespace attnviz
