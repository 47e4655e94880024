#include "core/formats/format.h"

#include <cmath>
#include <cstdio>

namespace attnviz {

std::string formatNumber(double x, int decimals)
{
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    decimals = decimals < 0 ? 0 : (decimals > 17 ? 17 : decimals);
    char buf[64];
    if (std::fabs(x) >= 1e15) {
        std::snprintf(buf, sizeof buf, "%.*e", decimals, x);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%.*f", decimals, x);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
    return s;
}

std::string formatVector(const Eigen::Ref<const Vec>& v, int decimals, Eigen::Index maxShown)
{
    std::string s = "[";
    const Eigen::Index n = v.size();
    if (maxShown < 2)
        maxShown = 2;  // room for the first and the last entry
    const bool cut = n > maxShown;
    const Eigen::Index head = cut ? maxShown - 1 : n;
    for (Eigen::Index i = 0; i < head; ++i) {
        if (i) s += ", ";
        s += formatNumber(v(i), decimals);
    }
    if (cut)
        s += ", …, " + formatNumber(v(n - 1), decimals) + "] (d = " + std::to_string(n) + ")";
    else
        s += "]";
    return s;
}

} // namespace attnviz
