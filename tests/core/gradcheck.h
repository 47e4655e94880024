#pragma once
// Finite-difference gradient checking for the training tape (tests only).
#include "core/train/tape.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <string>

namespace attnviz::test {

// Central differences in float64: (f(θ + h) − f(θ − h)) / 2h.
constexpr double kFiniteStep = 1e-4;  // smaller steps lose more to rounding than they gain
// Largest accepted |analytic − numeric| / max(|analytic| + |numeric|, kGradFloor).
constexpr double kGradTolerance = 1e-6;
constexpr double kGradFloor = 1e-3;  // below this, absolute differences of ~1e-10 are rounding noise

struct GradCheckResult {
    double maxRelDiff = 0.0;
    std::string worst;  // "name[r,c] analytic vs numeric"
    int checked = 0;
};

// loss(params) builds a scalar on a fresh recording tape. Checks `perTensor` random entries of every
// parameter tensor (all entries when the tensor is smaller), seeded.
inline GradCheckResult gradCheck(ParamStore params, const std::function<Var(Tape&, const ParamStore&)>& loss,
                                 int perTensor, unsigned seed)
{
    ParamStore grads;
    {
        Tape t;
        Var l = loss(t, params);
        t.backward(l);
        t.accumulateParamGrads(grads);
    }
    auto value = [&](const ParamStore& p) {
        Tape t(false);
        return t.value(loss(t, p))(0, 0);
    };
    std::mt19937 rng(seed);
    GradCheckResult res;
    for (auto& [name, m] : params) {
        const Eigen::Index size = m.size();
        const int count = static_cast<int>(std::min<Eigen::Index>(size, perTensor));
        for (int k = 0; k < count; ++k) {
            const Eigen::Index i = size <= perTensor ? k : static_cast<Eigen::Index>(rng() % static_cast<unsigned>(size));
            const Eigen::Index r = i % m.rows(), c = i / m.rows();
            const double orig = m(r, c);
            m(r, c) = orig + kFiniteStep;
            const double up = value(params);
            m(r, c) = orig - kFiniteStep;
            const double down = value(params);
            m(r, c) = orig;
            const double numeric = (up - down) / (2 * kFiniteStep);
            const double analytic = grads.count(name) ? grads.at(name)(r, c) : 0.0;
            const double rel = std::abs(analytic - numeric) / std::max(std::abs(analytic) + std::abs(numeric), kGradFloor);
            ++res.checked;
            if (rel > res.maxRelDiff || res.worst.empty()) {
                res.maxRelDiff = std::max(res.maxRelDiff, rel);
                if (rel >= res.maxRelDiff)
                    res.worst = name + "[" + std::to_string(r) + "," + std::to_string(c) + "] " + std::to_string(analytic)
                                + " vs " + std::to_string(numeric);
            }
        }
    }
    return res;
}

} // namespace attnviz::test
