#pragma once
// Errors are values the caller can show: every bad-input problem names the file, the place in it
// (a JSON pointer such as /weights/decoder.l0.weight_ih) and what was expected versus found.
#include <stdexcept>
#include <string>

namespace attnviz {

class InputError : public std::runtime_error {
public:
    // file: the path as the user gave it (may be empty for in-memory documents);
    // where: a JSON pointer ("" for the whole document); what: "expected …, found …".
    InputError(std::string file, std::string where, std::string what);

    const std::string& file() const { return file_; }
    const std::string& where() const { return where_; }
    const std::string& detail() const { return detail_; }

private:
    std::string file_, where_, detail_;
};

// Thrown by engine functions given arguments that violate a documented constraint
// (e.g. dot attention with dq != dk). The message names the function and both values.
class ShapeError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Finite inputs whose computation is not finite (a score or context overflows): the numbers' fault, not the
// caller's. Decoding retries a float32 overflow in float64 and turns one there into an InputError on the model.
class NumericError : public ShapeError {
public:
    using ShapeError::ShapeError;
};

} // namespace attnviz
