#pragma once
// A small reverse-mode automatic-differentiation tape over Eigen, used for training (issue 4).
//
// Every node holds a value matrix, batch-major (one example per row, e.g. B × d), and — after
// backward() — a gradient of the same shape. Operations append a node together with a closure that
// turns the node's gradient into gradients of its inputs; backward() runs those closures in reverse
// order of creation. Parameters are leaves bound by name to a ParamStore (the attnviz-model weight
// names, e.g. "decoder.l0.weight_ih"), so trained parameters are written straight into a model file.
//
// The operations themselves (linear, sigmoid, attention scores, cross-entropy, …) are free functions in
// tape_ops.h and tape_attention.h; each backward comment quotes the forward line it inverts.
#include "core/numeric/types.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace attnviz {

// Parameters by weight name. Vectors (biases, attention.v, …) are stored as (n × 1) matrices.
using ParamStore = std::map<std::string, Mat>;

// A handle to a tape node.
struct Var {
    int id = -1;
    bool valid() const { return id >= 0; }
};

class Tape {
public:
    // record = false builds values only (no closures, no gradients): used for decoding/validation.
    explicit Tape(bool record = true) : record_(record) {}
    Tape(const Tape&) = delete;
    Tape& operator=(const Tape&) = delete;

    bool recording() const { return record_; }

    // Matrix products in single precision (training speed): ad::linear multiplies float copies of its
    // operands (a parameter is converted once per tape) and hands back float64 values and gradients.
    // Off by default: gradient checks and inference stay float64 throughout.
    void setFloat32Products(bool on) { float32Products_ = on; }
    bool float32Products() const { return float32Products_; }
    // v's value in float; for a parameter converted on first use and kept for the tape's lifetime.
    const Eigen::MatrixXf& floatValue(Var v);
    // gradient(W) += gᵀ x, deferred to the end of the backward pass when W is a parameter: every step
    // of a recurrent layer contributes a rank-B product to the same weight, and one product over all
    // steps stacked, [g₁; g₂; …]ᵀ [x₁; x₂; …], costs a fraction of T separate ones that each read and
    // write the whole weight gradient. g: (R × O), x: (R × I), W: (O × I); float (float32 products).
    void addWeightGrad(Var W, Eigen::MatrixXf g, Eigen::MatrixXf x);

    // A leaf that needs no gradient.
    Var constant(Mat value);
    // A leaf referring to store.at(name) (not copied; the store must outlive the tape). The same name
    // gives the same node. Throws ShapeError when the name is missing.
    Var param(const ParamStore& store, const std::string& name);

    const Mat& value(Var v) const;
    // The gradient accumulated by backward(); an empty matrix when nothing reached the node.
    const Mat& grad(Var v) const { return nodes_[idx(v)].grad; }

    // Seeds d(loss)/d(loss) = seed for a 1 × 1 node and runs every closure in reverse order.
    void backward(Var loss, double seed = 1.0);
    // Seeds the gradient of any node v with `seed` (v's shape) and runs every closure from v down: the
    // backward pass of a graph whose loss is computed off the tape from v's value (the trainer's
    // vocabulary-parallel output layer, core/train/output_layer.h).
    void backwardFrom(Var v, const Mat& seed);
    // Adds the gradient of every parameter node into grads[name] (created as zeros when missing).
    void accumulateParamGrads(ParamStore& grads) const;
    // The same, moving the tape's gradient buffers out instead of copying them (the tape's parameter
    // gradients are empty afterwards). Training uses this: the tape is dropped after each batch.
    void takeParamGrads(ParamStore& grads);

    // --- for implementing operations ---
    // back(t, out, gradOut): out is the node's own value, gradOut its gradient.
    using Backward = std::function<void(Tape& t, const Mat& out, const Mat& gradOut)>;
    // Appends a node with `value` computed from `inputs`; `back` is kept only when recording and some
    // input needs a gradient.
    Var push(Mat value, std::initializer_list<Var> inputs, Backward back);
    Var push(Mat value, const std::vector<Var>& inputs, Backward back);
    bool needsGrad(Var v) const { return nodes_[idx(v)].needsGrad; }
    // The gradient buffer of an input, zero-initialised on first use. Only call when needsGrad(v).
    Mat& gradRef(Var v);
    // gradient(v) += g, where a first contribution is assigned instead of added to zeros (saves a pass
    // over large buffers such as the output layer's weight gradient). Only call when needsGrad(v).
    template <typename Expr>
    void addGrad(Var v, const Expr& g)
    {
        Mat& d = nodes_[idx(v)].grad;
        if (d.size() == 0)
            d.noalias() = g;
        else
            d.noalias() += g;
    }
    int size() const { return static_cast<int>(nodes_.size()); }

private:
    struct Node {
        Mat value;
        const Mat* ref = nullptr;  // parameters: the store's matrix
        Mat grad;
        Eigen::MatrixXf valueF;    // float copy (parameters under float32 products)
        bool needsGrad = false;
        Backward back;
    };
    std::size_t idx(Var v) const;
    void flushWeightGrads();

    bool record_;
    bool float32Products_ = false;
    struct Deferred {
        std::vector<Eigen::MatrixXf> g, x;
    };
    std::map<int, Deferred> deferred_;  // by parameter node
    std::vector<Node> nodes_;
    std::map<std::string, int> params_;
};

} // namespace attnviz
