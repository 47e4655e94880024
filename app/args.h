#pragma once
// A small command-line parser for the headless commands (SPEC §6). Errors are exceptions with a
// message for stderr; the caller exits with status 2.
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace attnviz::app {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ArgSpec {
    std::set<std::string> valueOptions;  // e.g. "--score", "-o"
    std::set<std::string> flags;         // e.g. "--json"
    std::set<std::string> repeatable;    // value options that may be given more than once (e.g. "--probe"); others: the last wins
    std::size_t minPositional = 0;
    std::size_t maxPositional = 0;
    std::string usage;                   // one line, shown on error
};

class Args {
public:
    Args(const std::vector<std::string>& argv, const ArgSpec& spec);

    const std::vector<std::string>& positional() const { return positional_; }
    bool has(const std::string& name) const;
    std::string value(const std::string& name, const std::string& fallback = {}) const;
    // Every value of a repeatable option, in order (empty when absent).
    std::vector<std::string> values(const std::string& name) const;
    // Integer option within [lo, hi]; UsageError names the option otherwise.
    long long integer(const std::string& name, long long fallback, long long lo, long long hi) const;
    double number(const std::string& name, double fallback, double lo, double hi) const;

private:
    std::vector<std::string> positional_;
    std::map<std::string, std::string> values_;
    std::map<std::string, std::vector<std::string>> repeated_;
    std::set<std::string> flags_;
    std::string usage_;
};

// --precision float32|float64 of the decoding commands (issue 17): the id, checked; `fallback` when absent.
// UsageError for anything else.
std::string precisionOption(const Args& args, const std::string& fallback = "float32");

} // namespace attnviz::app
