#include "core/formats/error.h"

namespace attnviz {

static std::string composeMessage(const std::string& file, const std::string& where, const std::string& what)
{
    std::string msg;
    if (!file.empty())
        msg += file + ": ";
    if (!where.empty())
        msg += where + ": ";
    return msg + what;
}

InputError::InputError(std::string file, std::string where, std::string what)
    : std::runtime_error(composeMessage(file, where, what)),
      file_(std::move(file)), where_(std::move(where)), detail_(std::move(what))
{
}

} // namespace attnviz
