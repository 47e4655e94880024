#include "core/train/checkpoint.h"

#include "core/formats/error.h"
#include "core/formats/json_io.h"
#include "core/train/train_graph.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace attnviz {

namespace {

static_assert(sizeof(double) == 8, "float64 tensors are stored as 8-byte doubles");

bool littleEndian()
{
    const std::uint16_t one = 1;
    unsigned char b = 0;
    std::memcpy(&b, &one, 1);
    return b == 1;
}

// {"shape": [rows, cols] (or [rows] for a vector), "float64": bytes}: the doubles of m in column-major (Eigen) order.
json binaryTensor(const Mat& m, bool vector = false)
{
    const auto* first = reinterpret_cast<const std::uint8_t*>(m.data());
    std::vector<std::uint8_t> bytes(first, first + static_cast<std::size_t>(m.size()) * sizeof(double));
    json shape = vector ? json::array({m.rows()}) : json::array({m.rows(), m.cols()});
    return json{{"shape", std::move(shape)}, {"float64", json::binary(std::move(bytes))}};
}

Mat readBinaryTensor(const JsonReader& r, const json& t, const std::string& ptr)
{
    if (!t.is_object())
        r.fail(ptr, "expected a tensor {\"shape\", \"float64\"}, found " + describeJson(t));
    const json& shape = r.require(t, ptr, "shape");
    const std::string sp = childPointer(ptr, "shape");
    if (!shape.is_array() || shape.empty() || shape.size() > 2)
        r.fail(sp, "expected [rows, cols] or [n], found " + describeJson(shape));
    const long long rows = r.integer(shape[0], childPointer(sp, 0), 0, r.limits().maxDim);
    const long long cols = shape.size() == 2 ? r.integer(shape[1], childPointer(sp, 1), 0, r.limits().maxDim) : 1;
    if (rows * cols > r.limits().maxElements)
        r.fail(sp, "expected at most " + std::to_string(r.limits().maxElements) + " numbers, found "
                       + std::to_string(rows * cols));
    const json& data = r.require(t, ptr, "float64");
    const std::string dp = childPointer(ptr, "float64");
    if (!data.is_binary())
        r.fail(dp, "expected a byte string, found " + describeJson(data));
    const auto& bytes = data.get_binary();
    const auto want = static_cast<std::size_t>(rows * cols) * sizeof(double);
    if (bytes.size() != want)
        r.fail(dp, "expected " + std::to_string(want) + " bytes, found " + std::to_string(bytes.size()));
    Mat m(rows, cols);
    std::memcpy(m.data(), bytes.data(), want);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        if (!std::isfinite(m.data()[i]))
            r.fail(dp, "expected finite numbers, found " + std::to_string(m.data()[i]) + " at index " + std::to_string(i));
    return m;
}

json historyToJson(const std::vector<EpochResult>& history)
{
    json h = json::array();
    for (const EpochResult& e : history)
        h.push_back(json{{"epoch", e.epoch}, {"train_loss", e.trainLoss}, {"valid_loss", e.validLoss},
                         {"valid_accuracy", e.validAccuracy}, {"seconds", e.seconds}, {"best", e.best}});
    return h;
}

// CBOR streamed to a temporary file in the same folder, fsync'ed, renamed over `file`: a kill (or a power cut)
// leaves the old checkpoint or the new one. (Streaming: no second copy of a quarter of a gigabyte in memory.)
void writeAtomically(const std::string& file, const json& doc)
{
    const std::string tmp = file + ".tmp-" + std::to_string(::getpid());
    bool ok = false;
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out)
            throw std::runtime_error(file + ": cannot write the checkpoint (cannot create " + tmp + ")");
        json::to_cbor(doc, out);
        out.flush();
        ok = static_cast<bool>(out);
    }
    if (ok) {
        const int fd = ::open(tmp.c_str(), O_RDONLY);
        ok = fd >= 0 && ::fsync(fd) == 0;
        if (fd >= 0)
            ::close(fd);
    }
    if (!ok || std::rename(tmp.c_str(), file.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error(file + ": cannot write the checkpoint (disk full or I/O error)");
    }
}

} // namespace

std::string checkpointFileFor(const std::string& modelFile)
{
    return modelFile + ".ckpt";
}

std::string dataFingerprint(const std::vector<PairIds>& train, const std::vector<PairIds>& valid)
{
    std::uint64_t h = 1469598103934665603ull;
    auto mix = [&](std::uint64_t x) {
        for (int b = 0; b < 8; ++b) {
            h ^= (x >> (8 * b)) & 0xffu;
            h *= 1099511628211ull;
        }
    };
    for (const auto* set : {&train, &valid}) {
        mix(set->size());
        for (const PairIds& p : *set) {
            mix(p.src.size());
            for (int id : p.src)
                mix(static_cast<std::uint64_t>(static_cast<std::uint32_t>(id)));
            mix(p.tgt.size());
            for (int id : p.tgt)
                mix(static_cast<std::uint64_t>(static_cast<std::uint32_t>(id)));
        }
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

void saveCheckpoint(const std::string& file, const Checkpoint& c)
{
    if (!littleEndian())
        throw std::runtime_error(file + ": checkpoints are written on little-endian machines only");
    const TrainState& s = c.state;
    // The model document without its weights (vocabularies, tokenizer, configuration), the current weights
    // beside it as float64 bytes: writing millions of weights as CBOR numbers took seconds.
    Model skeleton = c.model;
    json params = json::object();
    for (const WeightSlot& slot : weightSlots(skeleton)) {
        auto it = s.params.find(slot.name);
        if (it != s.params.end())
            params[slot.name] = binaryTensor(it->second, slot.vector != nullptr);
        if (slot.matrix)
            *slot.matrix = Mat();
        else
            *slot.vector = Vec();
    }
    json modelDoc = modelToJson(skeleton);
    modelDoc.erase("weights");
    const TrainOptions& o = s.options;
    json adamM = json::object(), adamV = json::object();
    for (const auto& [name, m] : s.adam.m)
        adamM[name] = binaryTensor(m);
    for (const auto& [name, v] : s.adam.v)
        adamV[name] = binaryTensor(v);
    json task{{"name", c.task}, {"train_size", c.taskOptions.trainSize}, {"valid_size", c.taskOptions.validSize},
              {"seed", c.taskOptions.seed}, {"min_count", c.minCount}, {"train_pairs", c.trainPairs},
              {"valid_pairs", c.validPairs}, {"data_hash", c.dataHash}};
    json options{{"epochs", o.epochs}, {"batch", o.batchSize}, {"lr", o.learningRate}, {"clip", o.clipNorm},
                 {"seed", o.seed}, {"threads", o.threads}, {"float32_output", o.float32Output}, {"beta1", o.beta1},
                 {"beta2", o.beta2}, {"epsilon", o.epsilon}};
    if (o.warmupSteps > 0)
        options["warmup"] = o.warmupSteps;
    json progress{{"epoch", s.epoch}, {"batch", s.batch}, {"epoch_loss_sum", s.epochLossSum},
                  {"epoch_tokens", s.epochTokens}, {"best_accuracy", s.bestAccuracy}, {"best_epoch", s.bestEpoch},
                  {"skipped_batches", s.skippedBatches}, {"rng", s.rng}, {"history", historyToJson(s.history)}};
    // Members are moved in one by one: an initializer list would copy the tensors' bytes.
    json adam = json::object();
    adam["step"] = s.adam.step;
    adam["m"] = std::move(adamM);
    adam["v"] = std::move(adamV);
    json doc = json::object();
    doc["format"] = "attnviz-checkpoint";
    doc["version"] = 1;
    doc["model"] = std::move(modelDoc);
    doc["params"] = std::move(params);
    doc["task"] = std::move(task);
    doc["options"] = std::move(options);
    doc["progress"] = std::move(progress);
    doc["adam"] = std::move(adam);
    writeAtomically(file, doc);
}

Checkpoint loadCheckpoint(const std::string& file)
{
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        throw InputError(file, "", "expected a training checkpoint (written by attnviz train next to the model), "
                                   "found no such file");
    const ReadLimits limits = modelLimits();
    checkRegularFile(file, limits.maxBytes, "a training checkpoint");  // no FIFO, device or directory; bounded
    std::string bytes;
    {
        std::ifstream in(file, std::ios::binary);
        if (!in)
            throw InputError(file, "", "expected a readable training checkpoint, found a file that cannot be opened");
        std::ostringstream ss;
        ss << in.rdbuf();
        bytes = ss.str();
    }
    return checkpointFromBytes(bytes, file);
}

Checkpoint checkpointFromBytes(const std::string& bytes, const std::string& file)
{
    const ReadLimits limits = modelLimits();
    if (bytes.size() > limits.maxBytes)
        throw InputError(file, "", "expected at most " + std::to_string(limits.maxBytes) + " bytes, found "
                                       + std::to_string(bytes.size()));
    const json doc = parseDocument(bytes, true, file, limits);
    const JsonReader r(file, limits);
    r.checkHeader(doc, "attnviz-checkpoint");

    Checkpoint c;
    {
        // The model document gets its weights back from the float64 bytes (row-major numbers, as in a model
        // file), so the model loader validates everything as for a model file.
        json modelDoc = r.require(doc, "", "model");
        if (!modelDoc.is_object())
            r.fail("/model", "expected an attnviz-model document, found " + describeJson(modelDoc));
        const json& params = r.require(doc, "", "params");
        if (!params.is_object())
            r.fail("/params", "expected an object of tensors, found " + describeJson(params));
        json weights = json::object();
        for (const auto& [name, t] : params.items()) {
            const Mat m = readBinaryTensor(r, t, childPointer("/params", name));
            json data = json::array();
            data.get_ref<json::array_t&>().reserve(static_cast<std::size_t>(m.size()));
            for (Eigen::Index i = 0; i < m.rows(); ++i)
                for (Eigen::Index j = 0; j < m.cols(); ++j)
                    data.push_back(m(i, j));
            weights[name] = json{{"shape", t.at("shape")}, {"data", std::move(data)}};
        }
        modelDoc["weights"] = std::move(weights);
        c.model = modelFromJson(modelDoc, file);
    }
    TrainState& s = c.state;
    s.params = paramsFromModel(c.model);

    const json& task = r.require(doc, "", "task");
    c.task = r.string(r.require(task, "/task", "name"), "/task/name");
    c.taskOptions.trainSize = static_cast<std::size_t>(r.integer(r.require(task, "/task", "train_size"), "/task/train_size", 1, 1LL << 40));
    c.taskOptions.validSize = static_cast<std::size_t>(r.integer(r.require(task, "/task", "valid_size"), "/task/valid_size", 1, 1LL << 40));
    c.taskOptions.seed = static_cast<std::uint64_t>(r.integer(r.require(task, "/task", "seed"), "/task/seed", 0, 1LL << 62));
    c.minCount = static_cast<int>(r.integer(r.require(task, "/task", "min_count"), "/task/min_count", 1, 1000000));
    c.trainPairs = r.integer(r.require(task, "/task", "train_pairs"), "/task/train_pairs", 0, 1LL << 40);
    c.validPairs = r.integer(r.require(task, "/task", "valid_pairs"), "/task/valid_pairs", 0, 1LL << 40);
    c.dataHash = r.string(r.require(task, "/task", "data_hash"), "/task/data_hash");

    const json& opt = r.require(doc, "", "options");
    TrainOptions& o = s.options;
    auto num = [&](const char* key) { return r.number(r.require(opt, "/options", key), std::string("/options/") + key); };
    auto integer = [&](const char* key, long long lo, long long hi) {
        return r.integer(r.require(opt, "/options", key), std::string("/options/") + key, lo, hi);
    };
    o.epochs = static_cast<int>(integer("epochs", 1, 100000));
    o.batchSize = static_cast<int>(integer("batch", 1, 100000));
    o.learningRate = num("lr");
    o.clipNorm = num("clip");
    o.seed = static_cast<std::uint64_t>(integer("seed", 0, 1LL << 62));
    o.threads = static_cast<int>(integer("threads", 1, 64));
    o.float32Output = r.boolean(r.require(opt, "/options", "float32_output"), "/options/float32_output");
    o.beta1 = num("beta1");
    o.beta2 = num("beta2");
    o.epsilon = num("epsilon");
    o.warmupSteps = opt.contains("warmup") ? static_cast<int>(integer("warmup", 1, 1'000'000'000)) : 0;

    const json& pr = r.require(doc, "", "progress");
    auto pint = [&](const char* key, long long lo, long long hi) {
        return r.integer(r.require(pr, "/progress", key), std::string("/progress/") + key, lo, hi);
    };
    s.epoch = static_cast<int>(pint("epoch", 1, 100001));
    s.batch = static_cast<int>(pint("batch", 0, 1LL << 40));
    s.epochLossSum = r.number(r.require(pr, "/progress", "epoch_loss_sum"), "/progress/epoch_loss_sum");
    s.epochTokens = pint("epoch_tokens", 0, 1LL << 62);
    s.bestAccuracy = r.number(r.require(pr, "/progress", "best_accuracy"), "/progress/best_accuracy");
    s.bestEpoch = static_cast<int>(pint("best_epoch", 0, 100000));
    s.skippedBatches = pint("skipped_batches", 0, 1LL << 62);
    s.rng = r.string(r.require(pr, "/progress", "rng"), "/progress/rng");
    const json& hist = r.require(pr, "/progress", "history");
    if (!hist.is_array())
        r.fail("/progress/history", "expected an array, found " + describeJson(hist));
    for (std::size_t i = 0; i < hist.size(); ++i) {
        const std::string hp = childPointer("/progress/history", i);
        const json& e = hist[i];
        if (!e.is_object())
            r.fail(hp, "expected an object, found " + describeJson(e));
        EpochResult er;
        er.epoch = static_cast<int>(r.integer(r.require(e, hp, "epoch"), hp + "/epoch", 1, 100000));
        er.trainLoss = r.number(r.require(e, hp, "train_loss"), hp + "/train_loss");
        er.validLoss = r.number(r.require(e, hp, "valid_loss"), hp + "/valid_loss");
        er.validAccuracy = r.number(r.require(e, hp, "valid_accuracy"), hp + "/valid_accuracy");
        er.seconds = r.number(r.require(e, hp, "seconds"), hp + "/seconds");
        er.best = r.boolean(r.require(e, hp, "best"), hp + "/best");
        s.history.push_back(er);
    }

    const json& adam = r.require(doc, "", "adam");
    s.adam.step = r.integer(r.require(adam, "/adam", "step"), "/adam/step", 0, 1LL << 62);
    for (const char* which : {"m", "v"}) {
        const std::string ap = std::string("/adam/") + which;
        const json& moments = r.require(adam, "/adam", which);
        if (!moments.is_object())
            r.fail(ap, "expected an object of tensors, found " + describeJson(moments));
        ParamStore& out = which[0] == 'm' ? s.adam.m : s.adam.v;
        for (const auto& [name, t] : moments.items()) {
            const std::string tp = childPointer(ap, name);
            auto p = s.params.find(name);
            if (p == s.params.end())
                r.fail(tp, "expected a parameter of the model, found an unknown name");
            Mat m = readBinaryTensor(r, t, tp);
            if (m.rows() != p->second.rows() || m.cols() != p->second.cols())
                r.fail(tp, "expected shape [" + std::to_string(p->second.rows()) + ", " + std::to_string(p->second.cols())
                               + "], found [" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + "]");
            out[name] = std::move(m);
        }
    }
    // Adam keeps both moments of a parameter or neither (none yet: it starts them at zero).
    for (const auto& [name, m] : s.adam.m)
        if (!s.adam.v.count(name))
            r.fail(childPointer("/adam/v", name), "expected the second moment of a parameter whose first moment is saved, found none");
    for (const auto& [name, v] : s.adam.v)
        if (!s.adam.m.count(name))
            r.fail(childPointer("/adam/m", name), "expected the first moment of a parameter whose second moment is saved, found none");
    {
        std::mt19937_64 rng;
        std::istringstream in(s.rng);
        in >> rng;
        if (!in)
            r.fail("/progress/rng", "expected the batch order's random state (312 numbers), found " + describeJson(json(s.rng)));
    }
    if (!littleEndian())
        throw InputError(file, "/adam", "expected a little-endian machine to read float64 bytes");
    return c;
}

} // namespace attnviz
