#pragma once
// Runs a call expected to reject bad input and keeps what the InputError said, so tests can assert
// the file, the JSON pointer and the message (a call that does not throw gives thrown == false).
#include "core/formats/error.h"

#include <string>

namespace attnviz_test {

struct Failure {
    bool thrown = false;
    std::string file, where, message;
};

template <typename F>
Failure inputFailure(F f)
{
    Failure out;
    try {
        f();
    } catch (const attnviz::InputError& e) {
        out = {true, e.file(), e.where(), e.what()};
    }
    return out;
}

} // namespace attnviz_test
