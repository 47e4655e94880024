#pragma once
// Geometry of the beam-search tree (core/model/decoding.h BeamTree): one column per output step, children of a
// node ordered by their summed log-probability (best on top), every leaf on its own row, a parent centred
// on its children. Plain structs shared by the beam view, its export and tests.
#include "core/model/decoding.h"

#include <QRectF>

#include <vector>

namespace attnviz::ui {

struct BeamLayout {
    std::vector<QRectF> nodes;   // per tree node (scene coordinates)
    std::vector<double> stepX;   // left of column t (t = 0 … max step)
    QRectF bounds;
};

BeamLayout layoutBeamTree(const BeamTree& tree);
int beamNodeAt(const BeamLayout& layout, const QPointF& scene);  // -1 if none
// Node ids from the root to `node`.
std::vector<int> beamPath(const BeamTree& tree, int node);
// The best hypothesis (index into DecodeResult::hypotheses) whose path goes through `node`, or -1
// (a pruned branch, or a node no ended hypothesis passes).
int hypothesisThrough(const DecodeResult& result, int node);

} // namespace attnviz::ui
