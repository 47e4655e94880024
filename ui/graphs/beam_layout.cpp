#include "ui/graphs/beam_layout.h"

#include <algorithm>

namespace attnviz::ui {

namespace {
constexpr double kNodeW = 104, kNodeH = 32, kPitchX = 140, kPitchY = 40, kMargin = 16, kTop = 40;
}

BeamLayout layoutBeamTree(const BeamTree& tree)
{
    BeamLayout L;
    const std::size_t N = tree.nodes.size();
    L.nodes.resize(N);
    if (N == 0)
        return L;
    std::vector<std::vector<int>> children(N);
    int maxStep = 0;
    for (std::size_t k = 1; k < N; ++k) {
        const int parent = tree.nodes[k].parent;
        if (parent >= 0 && static_cast<std::size_t>(parent) < N)
            children[static_cast<std::size_t>(parent)].push_back(static_cast<int>(k));
        maxStep = std::max(maxStep, tree.nodes[k].step);
    }
    for (auto& c : children)
        std::stable_sort(c.begin(), c.end(), [&](int a, int b) {
            return tree.nodes[static_cast<std::size_t>(a)].sumLogProb > tree.nodes[static_cast<std::size_t>(b)].sumLogProb;
        });
    for (int t = 0; t <= maxStep; ++t)
        L.stepX.push_back(kMargin + t * kPitchX);
    // Iterative post-order: leaves take consecutive rows, parents sit between their first and last child.
    std::vector<double> y(N, 0);
    int row = 0;
    std::vector<std::pair<int, std::size_t>> stack{{0, 0}};
    while (!stack.empty()) {
        auto& [node, next] = stack.back();
        const auto& kids = children[static_cast<std::size_t>(node)];
        if (next < kids.size()) {
            const int child = kids[next++];
            stack.push_back({child, 0});
            continue;
        }
        y[static_cast<std::size_t>(node)] = kids.empty() ? kTop + row++ * kPitchY
                                                         : (y[static_cast<std::size_t>(kids.front())] + y[static_cast<std::size_t>(kids.back())]) / 2;
        stack.pop_back();
    }
    double right = 0, bottom = 0;
    for (std::size_t k = 0; k < N; ++k) {
        const int t = std::max(0, tree.nodes[k].step);
        L.nodes[k] = QRectF(L.stepX[static_cast<std::size_t>(std::min(t, maxStep))], y[k], kNodeW, kNodeH);
        right = std::max(right, L.nodes[k].right());
        bottom = std::max(bottom, L.nodes[k].bottom());
    }
    L.bounds = QRectF(0, 0, right + kMargin + 90, bottom + kMargin);
    return L;
}

int beamNodeAt(const BeamLayout& layout, const QPointF& scene)
{
    for (std::size_t k = 0; k < layout.nodes.size(); ++k)
        if (layout.nodes[k].contains(scene))
            return static_cast<int>(k);
    return -1;
}

std::vector<int> beamPath(const BeamTree& tree, int node)
{
    std::vector<int> path;
    for (int k = node; k >= 0 && static_cast<std::size_t>(k) < tree.nodes.size(); k = tree.nodes[static_cast<std::size_t>(k)].parent)
        path.push_back(k);
    std::reverse(path.begin(), path.end());
    return path;
}

int hypothesisThrough(const DecodeResult& result, int node)
{
    for (std::size_t h = 0; h < result.leaves.size(); ++h) {
        const std::vector<int> path = beamPath(result.tree, result.leaves[h]);
        if (std::find(path.begin(), path.end(), node) != path.end())
            return static_cast<int>(h);
    }
    return -1;
}

} // namespace attnviz::ui
