#include "core/numeric/softmax.h"

#include <cmath>

namespace attnviz {

Vec softmax(const Eigen::Ref<const Vec>& e)
{
    if (e.size() == 0)
        return Vec();
    const double m = e.maxCoeff();
    Vec a = (e.array() - m).exp().matrix();
    a /= a.sum();  // the max entry contributes exp(0) = 1, so the sum is ≥ 1
    return a;
}

Vec logSoftmax(const Eigen::Ref<const Vec>& e)
{
    if (e.size() == 0)
        return Vec();
    const double m = e.maxCoeff();
    const double logSum = std::log((e.array() - m).exp().sum());
    return (e.array() - m - logSum).matrix();
}

} // namespace attnviz
