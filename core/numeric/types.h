#pragma once
// Numeric types of the engine. Everything is float64: attention numbers are shown to people and
// gradient checks need the precision. A matrix of vectors stores one vector per row (n × d).
#include <Eigen/Core>
#include <string>
#include <vector>

namespace attnviz {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;
using Tokens = std::vector<std::string>;

} // namespace attnviz
