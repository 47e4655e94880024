#include "core/train/trainer.h"

#include "core/formats/error.h"
#include "core/train/output_layer.h"
#include "core/train/parallel.h"
#include "core/train/tape_ops.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <memory>
#include <sstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace attnviz {

std::vector<PairIds> encodePairs(const Model& model, const std::vector<TextPair>& pairs)
{
    std::vector<PairIds> out;
    out.reserve(pairs.size());
    for (const TextPair& p : pairs) {
        PairIds ids{model.source.ids(model.tokenizeSource(p.source)), model.target.ids(model.tokenizeTarget(p.target))};
        if (!ids.src.empty())
            out.push_back(std::move(ids));
    }
    return out;
}

Model newModelForTask(const std::string& architecture, const ModelConfig& config, const TaskData& task, int minCount,
                      std::uint64_t seed)
{
    Model m;
    m.architecture = architecture;
    m.config = config;
    m.tokenizer = tokenizerId(task.tokenizer);
    if (task.tokenizer == TokenizerKind::SentencePiece) {
        // Pieces learnt from the training split; the vocabularies are the pieces in id order.
        auto learn = [&](bool sourceSide, int size) {
            std::vector<std::string> text;
            text.reserve(task.train.size());
            for (const TextPair& p : task.train) {
                const std::string& t = sourceSide ? p.source : p.target;
                text.push_back(config.lowercase ? asciiLowercase(t) : t);
            }
            PieceTrainOptions po;
            po.vocabSize = size;
            po.bpe = task.pieces.bpe;
            return std::make_shared<const PieceModel>(trainPieceModel(text, po));
        };
        m.sourcePieces = learn(true, task.pieces.sourceSize);
        m.targetPieces = learn(false, task.pieces.targetSize);
        auto vocabOf = [](const PieceModel& pm) {
            Tokens t;
            for (int id = 0; id < pm.size(); ++id)
                t.push_back(pm.piece(id));
            return t;
        };
        m.source = Vocab(vocabOf(*m.sourcePieces), "", "/vocab/source");
        m.target = Vocab(vocabOf(*m.targetPieces), "", "/vocab/target");
    } else {
        const int mc = task.tokenizer == TokenizerKind::Char ? 1 : minCount;
        m.source = Vocab(buildVocab(task.train, true, task.tokenizer, mc), "", "/vocab/source");
        m.target = Vocab(buildVocab(task.train, false, task.tokenizer, mc), "", "/vocab/target");
    }
    finalizeModel(m);
    paramsIntoModel(initParams(m, seed), m);
    return m;
}

namespace {

using Clock = std::chrono::steady_clock;

// A tape allocates and frees the same few hundred matrices every batch. glibc's defaults hand large blocks
// back to the kernel (mmap/munmap, heap trimming) and fault them in again: measured on a bahdanau H=64 run,
// that doubled user time and added half as much again in system time. Keep freed memory in the process
// instead (process-wide setting; it only delays returning memory to the system). A transformer's tape is
// larger (every layer keeps several token × d_model and token × ff matrices): d_model 256, 3 + 3 layers,
// ff 1,024 on batches of 32 English–Spanish sentences freed ~500 MB a batch, and with a 256 MB trim threshold
// the heap was trimmed and faulted in again each time — 2.5× the CPU time of a batch (1.0 → 0.4 s).
void keepFreedMemory()
{
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

SpecialIds specialIds(const Model& m)
{
    return SpecialIds{m.target.pad(), m.target.sos(), m.target.eos()};
}

// Batches of indices into `data`: shuffled (seeded), then sorted by length within pools of 50 batches so
// a batch holds sentences of similar length (less padding), then the batch order shuffled again.
std::vector<std::vector<std::size_t>> makeBatchPlan(const std::vector<PairIds>& data, int batchSize, std::mt19937_64& rng)
{
    std::vector<std::size_t> idx(data.size());
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    for (std::size_t i = idx.size(); i > 1; --i)
        std::swap(idx[i - 1], idx[static_cast<std::size_t>(rng() % i)]);
    const auto bs = static_cast<std::size_t>(batchSize);
    const std::size_t pool = bs * 50;
    for (std::size_t s = 0; s < idx.size(); s += pool) {
        auto end = idx.begin() + static_cast<std::ptrdiff_t>(std::min(idx.size(), s + pool));
        std::stable_sort(idx.begin() + static_cast<std::ptrdiff_t>(s), end, [&](std::size_t a, std::size_t b) {
            return data[a].src.size() < data[b].src.size();
        });
    }
    std::vector<std::vector<std::size_t>> plan;
    for (std::size_t s = 0; s < idx.size(); s += bs)
        plan.emplace_back(idx.begin() + static_cast<std::ptrdiff_t>(s),
                          idx.begin() + static_cast<std::ptrdiff_t>(std::min(idx.size(), s + bs)));
    for (std::size_t i = plan.size(); i > 1; --i)
        std::swap(plan[i - 1], plan[static_cast<std::size_t>(rng() % i)]);
    return plan;
}

std::vector<PairIds> gather(const std::vector<PairIds>& data, const std::vector<std::size_t>& idx, std::size_t from,
                            std::size_t to)
{
    std::vector<PairIds> out;
    for (std::size_t i = from; i < to; ++i)
        out.push_back(data[idx[i]]);
    return out;
}

struct Gradient {
    ParamStore grads;
    const Eigen::MatrixXf* outWeightF = nullptr;  // out.weight's gradient in float (float32Output), else in grads
    double lossSum = 0.0;
    long long tokens = 0;
};

// Σ loss and Σ gradients over the batch. The batch is split into `threads` contiguous parts, each
// running the encoder–decoder on its own tape (in parallel) up to the output layer's input; the output
// layer and the loss then run over all rows at once, split by vocabulary across the threads
// (outputLayerLoss); its input gradients go back to the parts' tapes, whose parameter gradients are
// summed in part order. out.weight and out.bias get their gradients from the output layer directly,
// into outW (float64) or outWf (float32) and outB (kept between steps: the largest buffers of a step).
Gradient batchGradient(const Model& model, const ParamStore& params, const Eigen::MatrixXf* outWeightF,
                       const std::vector<PairIds>& data, const std::vector<std::size_t>& idx, int threads,
                       bool float32Output, Mat& outW, Eigen::MatrixXf& outWf, Mat& outB)
{
    const int parts = std::max(1, std::min<int>(threads, static_cast<int>(idx.size())));
    const auto P = static_cast<std::size_t>(parts);
    const SpecialIds ids = specialIds(model);
    std::vector<std::unique_ptr<Tape>> tapes(P);
    std::vector<TeacherForcedFeatures> features(P);
    std::vector<long long> tokens(P, 0);
    parallelFor(parts, [&](int p) {
        const std::size_t from = idx.size() * static_cast<std::size_t>(p) / P;
        const std::size_t to = idx.size() * static_cast<std::size_t>(p + 1) / P;
        const std::vector<PairIds> pairs = gather(data, idx, from, to);
        const Batch batch = makeBatch(pairs, 0, pairs.size(), ids);
        tapes[static_cast<std::size_t>(p)] = std::make_unique<Tape>();
        tapes[static_cast<std::size_t>(p)]->setFloat32Products(float32Output);
        features[static_cast<std::size_t>(p)] = teacherForcedFeatures(*tapes[static_cast<std::size_t>(p)], params, model, batch);
        tokens[static_cast<std::size_t>(p)] = batch.targetTokens;
    });
    std::vector<OutputRows> rows(P);
    for (std::size_t p = 0; p < P; ++p)
        rows[p] = OutputRows{&tapes[p]->value(features[p].x), &features[p].targets, &features[p].weights};
    std::vector<Mat> dX;
    Gradient total;
    total.lossSum = outputLayerLoss(rows, params.at("out.weight"), params.at("out.bias"), float32Output,
                                    float32Output ? outWeightF : nullptr, threads, dX, outW, outWf, outB);
    std::vector<ParamStore> partial(P);
    parallelFor(parts, [&](int p) {
        const auto q = static_cast<std::size_t>(p);
        tapes[q]->backwardFrom(features[q].x, dX[q]);
        tapes[q]->takeParamGrads(partial[q]);
        tapes[q].reset();
    });
    total.grads = std::move(partial[0]);
    for (std::size_t p = 1; p < P; ++p) {
        for (auto& [name, g] : partial[p]) {
            Mat& t = total.grads[name];
            if (t.size() == 0)
                t = std::move(g);
            else
                t += g;
        }
    }
    for (long long t : tokens)
        total.tokens += t;
    if (float32Output)
        total.outWeightF = &outWf;
    else
        std::swap(total.grads["out.weight"], outW);  // swapped back after the update
    std::swap(total.grads["out.bias"], outB);
    return total;
}

// Adam (Kingma & Ba 2015, Algorithm 1) on the mean gradient g = Σ grads / tokens, after scaling g so
// its global L2 norm is at most clipNorm (Pascanu et al. 2013).
// Returns false (and changes nothing) when the loss or the gradient is not finite.
// One pass over each parameter: the mean, the clipping and both moments are folded into the update, in
// cache-sized chunks, vectorised (Eigen arrays), the elements split across `threads`. The output layer
// alone has millions of weights. outWeightF (when not null) is refreshed with out.weight's new values in float.
template <typename Moments>
bool adamStep(ParamStore& params, Gradient& grad, Moments& st, const TrainOptions& o, Eigen::MatrixXf* outWeightF)
{
    const double inv = 1.0 / static_cast<double>(std::max<long long>(1, grad.tokens));
    double sq = 0.0;
    for (auto& [name, g] : grad.grads)
        sq += g.squaredNorm();
    if (grad.outWeightF)
        sq += grad.outWeightF->cast<double>().squaredNorm();
    const double norm = std::sqrt(sq) * inv;
    if (!std::isfinite(norm) || !std::isfinite(grad.lossSum))
        return false;  // an overflowed batch: skip the update rather than poison every parameter
    const double clip = (o.clipNorm > 0.0 && norm > o.clipNorm) ? o.clipNorm / norm : 1.0;
    const double scale = inv * clip;  // raw gradient sum → mean, clipped
    ++st.step;
    const double c1 = 1.0 - std::pow(o.beta1, static_cast<double>(st.step));
    const double c2 = 1.0 - std::pow(o.beta2, static_cast<double>(st.step));
    const double b1 = o.beta1, b2 = o.beta2, lr = scheduledLearningRate(o, st.step), eps = o.epsilon;
    struct Job {
        double *p, *m, *v;
        const double* g;  // the gradient in double, or
        const float* gf;  // in float
        float* f;         // float copy to refresh, or nullptr
        Eigen::Index n;
    };
    std::vector<Job> jobs;
    Eigen::Index total = 0;
    for (auto& [name, p] : params) {
        auto it = grad.grads.find(name);
        const bool floatGrad = grad.outWeightF && name == "out.weight" && grad.outWeightF->size() == p.size();
        if (!floatGrad && (it == grad.grads.end() || it->second.size() == 0))
            continue;
        Mat& m = st.m[name];
        Mat& v = st.v[name];
        if (m.size() == 0) {
            m = Mat::Zero(p.rows(), p.cols());
            v = Mat::Zero(p.rows(), p.cols());
        }
        float* f = (outWeightF && name == "out.weight" && outWeightF->size() == p.size()) ? outWeightF->data() : nullptr;
        jobs.push_back(Job{p.data(), m.data(), v.data(), floatGrad ? nullptr : it->second.data(),
                           floatGrad ? grad.outWeightF->data() : nullptr, f, p.size()});
        total += p.size();
    }
    // Element ranges of about 1 M, taken by the threads as they come free (elementwise: any split gives
    // the same numbers).
    const int parts = o.threads > 1 ? static_cast<int>(std::min<Eigen::Index>(64, total / (1 << 20) + 1)) : 1;
    parallelTasks(o.threads, parts, [&](int part) {
        const Eigen::Index from = total * part / parts, to = total * (part + 1) / parts;
        Eigen::Index offset = 0;  // of the current job in [0, total)
        constexpr Eigen::Index kChunk = 2048;
        for (const Job& j : jobs) {
            const Eigen::Index lo = std::max<Eigen::Index>(from - offset, 0), hi = std::min<Eigen::Index>(to - offset, j.n);
            for (Eigen::Index c = lo; c < hi; c += kChunk) {
                const Eigen::Index len = std::min(kChunk, hi - c);
                using A = Eigen::Map<Eigen::ArrayXd>;
                A m(j.m + c, len), v(j.v + c, len), p(j.p + c, len);
                const auto update = [&](const auto& g) {
                    m = b1 * m + (1.0 - b1) * (g * scale);               // m_t = β₁ m + (1 − β₁) g
                    v = b2 * v + (1.0 - b2) * (g * scale).square();      // v_t = β₂ v + (1 − β₂) g²
                    p -= lr * (m / c1) / ((v / c2).sqrt() + eps);        // θ −= α m̂ / (√v̂ + ε)
                };
                if (j.gf)
                    update(Eigen::Map<const Eigen::ArrayXf>(j.gf + c, len).cast<double>());
                else
                    update(Eigen::Map<const Eigen::ArrayXd>(j.g + c, len));
                if (j.f)
                    Eigen::Map<Eigen::ArrayXf>(j.f + c, len) = p.cast<float>();
            }
            offset += j.n;
        }
    });
    return true;
}

} // namespace

double scheduledLearningRate(const TrainOptions& o, long long step)
{
    if (o.warmupSteps <= 0)
        return o.learningRate;
    const double s = static_cast<double>(std::max<long long>(1, step)), w = o.warmupSteps;
    return o.learningRate * std::min(s / w, std::sqrt(w / s));  // linear warm-up, then ∝ 1/√s
}

ValidationResult evaluate(const Model& model, const ParamStore& params, const std::vector<PairIds>& data, int batchSize,
                          int threads)
{
    ValidationResult r;
    if (data.empty())
        return r;
    // In length order so batches carry little padding.
    std::vector<std::size_t> idx(data.size());
    std::iota(idx.begin(), idx.end(), std::size_t{0});
    std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return data[a].src.size() < data[b].src.size(); });
    const auto bs = static_cast<std::size_t>(std::max(1, batchSize));
    const std::size_t batches = (idx.size() + bs - 1) / bs;
    const int parts = std::max(1, std::min<int>(threads, static_cast<int>(batches)));
    std::vector<double> loss(static_cast<std::size_t>(parts), 0.0);
    std::vector<long long> tokens(static_cast<std::size_t>(parts), 0), correct(static_cast<std::size_t>(parts), 0);
    const SpecialIds ids = specialIds(model);
    parallelFor(parts, [&](int p) {
        const auto P = static_cast<std::size_t>(p);
        for (std::size_t b = P; b < batches; b += static_cast<std::size_t>(parts)) {
            const std::vector<PairIds> pairs = gather(data, idx, b * bs, std::min(idx.size(), (b + 1) * bs));
            const Batch batch = makeBatch(pairs, 0, pairs.size(), ids);
            Tape tape(false);
            loss[P] += tape.value(teacherForcedLoss(tape, params, model, batch))(0, 0);
            tokens[P] += batch.targetTokens;
            const auto out = greedyDecode(params, model, batch, ids);
            for (std::size_t i = 0; i < pairs.size(); ++i)
                correct[P] += out[i] == pairs[i].tgt ? 1 : 0;
        }
    });
    double l = 0.0;
    long long tok = 0, ok = 0;
    for (std::size_t p = 0; p < loss.size(); ++p) {
        l += loss[p];
        tok += tokens[p];
        ok += correct[p];
    }
    r.loss = l / static_cast<double>(std::max<long long>(1, tok));
    r.accuracy = static_cast<double>(ok) / static_cast<double>(data.size());
    return r;
}

Optimizer::Optimizer(Model& model, const TrainOptions& options)
    : model_(model), options_(options), params_(paramsFromModel(model))
{
    if (options.batchSize < 1 || options.epochs < 1 || options.threads < 1)
        throw ShapeError("train: batch size, epochs and threads must be at least 1");
    keepFreedMemory();
    refreshFloatCopy();
}

void Optimizer::refreshFloatCopy()
{
    if (options_.float32Output)
        outWeightF_ = params_.at("out.weight").cast<float>();
}

Optimizer::Step Optimizer::step(const std::vector<PairIds>& data, const std::vector<std::size_t>& indices)
{
    Gradient g = batchGradient(model_, params_, &outWeightF_, data, indices, options_.threads, options_.float32Output,
                               outWGrad_, outWGradF_, outBGrad_);
    Step s;
    s.applied = adamStep(params_, g, adam_, options_, options_.float32Output ? &outWeightF_ : nullptr);
    s.lossSum = g.lossSum;
    s.tokens = g.tokens;
    if (!options_.float32Output)
        std::swap(g.grads["out.weight"], outWGrad_);  // kept for the next step: no reallocation
    std::swap(g.grads["out.bias"], outBGrad_);
    return s;
}

void Optimizer::restore(ParamStore params, AdamState adam)
{
    for (const auto& [name, p] : params_) {
        auto it = params.find(name);
        if (it == params.end() || it->second.rows() != p.rows() || it->second.cols() != p.cols())
            throw ShapeError("train: the saved parameters do not fit the model (" + name + ")");
    }
    params_ = std::move(params);
    adam_ = std::move(adam);
    refreshFloatCopy();
}

namespace {

std::string rngText(const std::mt19937_64& rng)
{
    std::ostringstream o;
    o << rng;
    return o.str();
}

std::mt19937_64 rngFromText(const std::string& text)
{
    std::mt19937_64 rng;
    std::istringstream in(text);
    in >> rng;
    if (!in)
        throw ShapeError("train: the saved batch-order random state is malformed");
    return rng;
}

} // namespace

TrainResult train(Model model, const std::vector<PairIds>& trainData, const std::vector<PairIds>& valid,
                  const TrainOptions& o, const std::function<void(const TrainProgress&)>& progress,
                  const std::function<void(const EpochResult&, const Model& best)>& epochEnd, const std::atomic<bool>* cancel,
                  const Checkpointing& ck, const std::function<void(const BatchDone&)>& batchDone)
{
    if (trainData.empty())
        throw ShapeError("train: no training pairs");
    Optimizer opt(model, o);
    TrainResult result;
    result.best = model;
    TrainState st;  // what a checkpoint saves; kept current as training goes
    st.options = o;
    std::mt19937_64 rng(o.seed);
    st.rng = rngText(rng);
    if (ck.resume) {
        const TrainState& r = *ck.resume;
        opt.restore(r.params, r.adam);
        rng = rngFromText(r.rng);
        st.rng = r.rng;
        st.epoch = r.epoch;
        st.batch = r.batch;
        st.epochLossSum = r.epochLossSum;
        st.epochTokens = r.epochTokens;
        st.bestAccuracy = r.bestAccuracy;
        st.bestEpoch = r.bestEpoch;
        st.skippedBatches = r.skippedBatches;
        st.history = r.history;
        result.bestAccuracy = r.bestAccuracy;
        result.bestEpoch = r.bestEpoch;
        result.skippedBatches = r.skippedBatches;
        result.history = r.history;
        if (ck.best)
            result.best = *ck.best;
        else
            paramsIntoModel(r.params, result.best);
    }
    const Clock::time_point start = Clock::now();
    Clock::time_point lastSave = start;
    long long batchesDone = 0, batchesBefore = 0;
    const auto cancelled = [&] { return cancel && cancel->load(); };
    const auto save = [&] {
        if (!ck.save)
            return;
        st.params = opt.params();
        st.adam = opt.adam();
        st.skippedBatches = result.skippedBatches;
        ck.save(st);
        st.params.clear();
        st.adam = AdamState{};
        lastSave = Clock::now();
    };

    // The batch plan has the same size every epoch.
    const long long perEpoch = (static_cast<long long>(trainData.size()) + o.batchSize - 1) / o.batchSize;
    BatchDone observed;  // the last report to batchDone
    observed.epoch = st.epoch;
    observed.batchesPerEpoch = static_cast<int>(perEpoch);
    if (batchDone) {
        observed.batchInEpoch = static_cast<int>(std::clamp<long long>(st.batch, 0, perEpoch));
        observed.batch = perEpoch * (st.epoch - 1) + observed.batchInEpoch;
        observed.start = true;
        observed.params = &opt.params();
        batchDone(observed);
        observed.start = false;
    }

    for (int epoch = st.epoch; epoch <= o.epochs && !result.cancelled; ++epoch) {
        const Clock::time_point t0 = Clock::now();
        st.epoch = epoch;
        const auto plan = makeBatchPlan(trainData, o.batchSize, rng);
        const std::size_t first = static_cast<std::size_t>(std::clamp<long long>(st.batch, 0, static_cast<long long>(plan.size())));
        double lossSum = st.epochLossSum;
        long long tokens = st.epochTokens;
        const long long tokensBefore = tokens;  // trained before a resume, not in this session
        if (batchesDone == 0)
            batchesBefore = static_cast<long long>(plan.size()) * (epoch - 1) + static_cast<long long>(first);
        for (std::size_t b = first; b < plan.size(); ++b) {
            if (cancelled()) {
                result.cancelled = true;
                break;
            }
            const Optimizer::Step step = opt.step(trainData, plan[b]);
            if (step.applied) {
                lossSum += step.lossSum;
                tokens += step.tokens;
            } else {
                ++result.skippedBatches;
            }
            ++batchesDone;
            st.batch = static_cast<int>(b + 1);
            st.epochLossSum = lossSum;
            st.epochTokens = tokens;
            if (batchDone) {
                observed.batch = perEpoch * (epoch - 1) + static_cast<long long>(b + 1);
                observed.epoch = epoch;
                observed.batchInEpoch = static_cast<int>(b + 1);
                observed.lossSum = step.lossSum;
                observed.tokens = step.applied ? step.tokens : 0;
                observed.applied = step.applied;
                observed.params = &opt.params();
                batchDone(observed);
            }
            if (progress) {
                TrainProgress p;
                p.epoch = epoch;
                p.epochs = o.epochs;
                p.batch = static_cast<int>(b + 1);
                p.batches = static_cast<int>(plan.size());
                p.loss = lossSum / static_cast<double>(std::max<long long>(1, tokens));
                p.tokensPerSecond = static_cast<double>(tokens - tokensBefore) / std::max(1e-9, secondsSince(t0));
                const long long total = static_cast<long long>(plan.size()) * o.epochs - batchesBefore;
                p.etaSeconds = secondsSince(start) / static_cast<double>(batchesDone) * static_cast<double>(total - batchesDone);
                progress(p);
            }
            if (b + 1 < plan.size() && ck.everySeconds >= 0.0 && secondsSince(lastSave) >= ck.everySeconds)
                save();
        }
        if (result.cancelled) {
            if (st.batch > 0)
                save();  // mid-epoch: resuming continues with the next batch
            if (result.bestEpoch > 0)
                break;   // keep the best finished epoch
        }
        EpochResult er;
        er.epoch = epoch;
        er.trainLoss = lossSum / static_cast<double>(std::max<long long>(1, tokens));
        const ValidationResult v = evaluate(model, opt.params(), valid, std::max(o.batchSize, 64), o.threads);
        er.validLoss = v.loss;
        er.validAccuracy = v.accuracy;
        er.seconds = secondsSince(t0);
        if (er.validAccuracy > result.bestAccuracy) {
            er.best = true;
            result.bestAccuracy = er.validAccuracy;
            result.bestEpoch = epoch;
            paramsIntoModel(opt.params(), result.best);
        }
        result.history.push_back(er);
        if (epochEnd)
            epochEnd(er, result.best);
        if (!result.cancelled) {
            st.epoch = epoch + 1;
            st.batch = 0;
            st.epochLossSum = 0.0;
            st.epochTokens = 0;
            st.bestAccuracy = result.bestAccuracy;
            st.bestEpoch = result.bestEpoch;
            st.history = result.history;
            st.rng = rngText(rng);
            save();
        }
    }
    if (batchDone) {
        observed.lossSum = 0.0;
        observed.tokens = 0;
        observed.applied = false;
        observed.stop = true;
        observed.params = &opt.params();
        batchDone(observed);
    }
    return result;
}

} // namespace attnviz
