#include "core/train/tape.h"

#include "core/formats/error.h"

namespace attnviz {

std::size_t Tape::idx(Var v) const
{
    if (v.id < 0 || v.id >= size())
        throw ShapeError("tape: invalid variable " + std::to_string(v.id));
    return static_cast<std::size_t>(v.id);
}

Var Tape::constant(Mat value)
{
    Node n;
    n.value = std::move(value);
    nodes_.push_back(std::move(n));
    return Var{size() - 1};
}

Var Tape::param(const ParamStore& store, const std::string& name)
{
    if (auto it = params_.find(name); it != params_.end())
        return Var{it->second};
    auto it = store.find(name);
    if (it == store.end())
        throw ShapeError("tape: no parameter named \"" + name + "\"");
    Node n;
    n.ref = &it->second;
    n.needsGrad = record_;
    nodes_.push_back(std::move(n));
    params_[name] = size() - 1;
    return Var{size() - 1};
}

const Mat& Tape::value(Var v) const
{
    const Node& n = nodes_[idx(v)];
    return n.ref ? *n.ref : n.value;
}

const Eigen::MatrixXf& Tape::floatValue(Var v)
{
    Node& n = nodes_[idx(v)];
    if (n.valueF.size() == 0) {
        const Mat& val = n.ref ? *n.ref : n.value;
        n.valueF = val.cast<float>();
    }
    return n.valueF;
}

void Tape::addWeightGrad(Var W, Eigen::MatrixXf g, Eigen::MatrixXf x)
{
    Node& n = nodes_[idx(W)];
    if (!n.ref) {  // not a parameter: now
        Eigen::MatrixXf dW(g.cols(), x.cols());
        dW.noalias() = g.transpose() * x;
        addGrad(W, dW.cast<double>());
        return;
    }
    Deferred& d = deferred_[W.id];
    d.g.push_back(std::move(g));
    d.x.push_back(std::move(x));
}

void Tape::flushWeightGrads()
{
    for (auto& [id, d] : deferred_) {
        // dW = Σ_k g_kᵀ x_k = Gᵀ X with G, X the g_k, x_k stacked by rows
        Eigen::Index rows = 0;
        for (const Eigen::MatrixXf& g : d.g)
            rows += g.rows();
        const Eigen::Index O = d.g[0].cols(), I = d.x[0].cols();
        Eigen::MatrixXf G(rows, O), X(rows, I);
        Eigen::Index r = 0;
        for (std::size_t k = 0; k < d.g.size(); ++k) {
            G.middleRows(r, d.g[k].rows()) = d.g[k];
            X.middleRows(r, d.x[k].rows()) = d.x[k];
            r += d.g[k].rows();
        }
        Eigen::MatrixXf dW(O, I);
        dW.noalias() = G.transpose() * X;
        addGrad(Var{id}, dW.cast<double>());
    }
    deferred_.clear();
}

Var Tape::push(Mat value, const std::vector<Var>& inputs, Backward back)
{
    Node n;
    n.value = std::move(value);
    if (record_) {
        for (Var in : inputs)
            n.needsGrad = n.needsGrad || nodes_[idx(in)].needsGrad;
        if (n.needsGrad)
            n.back = std::move(back);
    }
    nodes_.push_back(std::move(n));
    return Var{size() - 1};
}

Var Tape::push(Mat value, std::initializer_list<Var> inputs, Backward back)
{
    return push(std::move(value), std::vector<Var>(inputs), std::move(back));
}

Mat& Tape::gradRef(Var v)
{
    Node& n = nodes_[idx(v)];
    if (n.grad.size() == 0) {
        const Mat& val = n.ref ? *n.ref : n.value;
        n.grad = Mat::Zero(val.rows(), val.cols());
    }
    return n.grad;
}

void Tape::backward(Var loss, double seed)
{
    if (!record_)
        throw ShapeError("tape: backward() on a tape that does not record");
    const Mat& l = value(loss);
    if (l.rows() != 1 || l.cols() != 1)
        throw ShapeError("tape: backward() needs a 1 × 1 loss, found " + std::to_string(l.rows()) + " × "
                         + std::to_string(l.cols()));
    if (!nodes_[idx(loss)].needsGrad)
        return;
    gradRef(loss)(0, 0) += seed;
    for (int i = loss.id; i >= 0; --i) {
        Node& n = nodes_[static_cast<std::size_t>(i)];
        if (n.back && n.grad.size() != 0)
            n.back(*this, n.ref ? *n.ref : n.value, n.grad);
    }
    flushWeightGrads();
}

void Tape::backwardFrom(Var v, const Mat& seed)
{
    if (!record_)
        throw ShapeError("tape: backwardFrom() on a tape that does not record");
    const Mat& val = value(v);
    if (seed.rows() != val.rows() || seed.cols() != val.cols())
        throw ShapeError("tape: backwardFrom() seed " + std::to_string(seed.rows()) + " × " + std::to_string(seed.cols())
                         + " for a node of " + std::to_string(val.rows()) + " × " + std::to_string(val.cols()));
    if (!nodes_[idx(v)].needsGrad)
        return;
    addGrad(v, seed);
    for (int i = v.id; i >= 0; --i) {
        Node& n = nodes_[static_cast<std::size_t>(i)];
        if (n.back && n.grad.size() != 0)
            n.back(*this, n.ref ? *n.ref : n.value, n.grad);
    }
    flushWeightGrads();
}

void Tape::accumulateParamGrads(ParamStore& grads) const
{
    for (const auto& [name, id] : params_) {
        const Node& n = nodes_[static_cast<std::size_t>(id)];
        if (n.grad.size() == 0)
            continue;
        Mat& g = grads[name];
        if (g.size() == 0)
            g = n.grad;
        else
            g += n.grad;
    }
}

void Tape::takeParamGrads(ParamStore& grads)
{
    for (const auto& [name, id] : params_) {
        Node& n = nodes_[static_cast<std::size_t>(id)];
        if (n.grad.size() == 0)
            continue;
        Mat& g = grads[name];
        if (g.size() == 0)
            g = std::move(n.grad);
        else
            g += n.grad;
        n.grad = Mat();
    }
}

} // namespace attnviz
