#pragma once
// How numbers are written for people (tables, labels, the CLI). Files keep full precision.
#include "core/numeric/types.h"

#include <string>

namespace attnviz {

// Fixed notation with at most `decimals` decimals, trailing zeros trimmed: 15, 0.5, 0.1235, 0 (never "-0").
std::string formatNumber(double x, int decimals = 4);
// "[5, 0, 1]"; vectors longer than maxShown are cut as "[1, 2, 3, …, 9] (d = 256)".
std::string formatVector(const Eigen::Ref<const Vec>& v, int decimals = 4, Eigen::Index maxShown = 8);

} // namespace attnviz
