#include "app/args.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace attnviz::app {

Args::Args(const std::vector<std::string>& argv, const ArgSpec& spec) : usage_(spec.usage)
{
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && (std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.'))) {
            std::string name = a, inlineValue;
            bool hasInline = false;
            if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
                name = a.substr(0, eq);
                inlineValue = a.substr(eq + 1);
                hasInline = true;
            }
            if (spec.flags.count(name)) {
                if (hasInline)
                    throw UsageError("option " + name + " takes no value\nusage: " + usage_);
                flags_.insert(name);
            } else if (spec.valueOptions.count(name)) {
                if (hasInline) {
                    values_[name] = inlineValue;
                } else {
                    if (i + 1 >= argv.size())
                        throw UsageError("option " + name + " needs a value\nusage: " + usage_);
                    values_[name] = argv[++i];
                }
                if (spec.repeatable.count(name))
                    repeated_[name].push_back(values_[name]);
            } else {
                throw UsageError("unknown option " + name + "\nusage: " + usage_);
            }
        } else {
            positional_.push_back(a);
        }
    }
    if (positional_.size() < spec.minPositional)
        throw UsageError("missing argument\nusage: " + usage_);
    if (positional_.size() > spec.maxPositional)
        throw UsageError("unexpected argument \"" + positional_[spec.maxPositional] + "\"\nusage: " + usage_);
}

bool Args::has(const std::string& name) const
{
    return flags_.count(name) > 0 || values_.count(name) > 0;
}

std::string Args::value(const std::string& name, const std::string& fallback) const
{
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> Args::values(const std::string& name) const
{
    auto it = repeated_.find(name);
    return it == repeated_.end() ? std::vector<std::string>{} : it->second;
}

long long Args::integer(const std::string& name, long long fallback, long long lo, long long hi) const
{
    auto it = values_.find(name);
    if (it == values_.end())
        return fallback;
    const std::string& s = it->second;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || errno != 0 || v < lo || v > hi)
        throw UsageError("option " + name + ": expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi)
                         + ", found \"" + s + "\"");
    return v;
}

double Args::number(const std::string& name, double fallback, double lo, double hi) const
{
    auto it = values_.find(name);
    if (it == values_.end())
        return fallback;
    const std::string& s = it->second;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !std::isfinite(v) || v < lo || v > hi)
        throw UsageError("option " + name + ": expected a number from " + std::to_string(lo) + " to " + std::to_string(hi)
                         + ", found \"" + s + "\"");
    return v;
}

std::string precisionOption(const Args& args, const std::string& fallback)
{
    const std::string id = args.value("--precision", fallback);
    if (id != "float32" && id != "float64")
        throw UsageError("--precision: expected float32 or float64, found \"" + id + "\"");
    return id;
}

} // namespace attnviz::app
