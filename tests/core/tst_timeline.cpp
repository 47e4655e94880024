// Training timelines (core/formats/timeline.h, core/train/timeline_recorder.h, SPEC §5 attnviz-timeline): the
// recorder's snapshot rule driven by the real trainer, JSON/CBOR round trips, and every bad-input rule with the file
// and JSON pointer named.
#include "core/formats/timeline.h"

#include "core/formats/error.h"
#include "core/train/timeline_recorder.h"
#include "core/train/train_graph.h"
#include "core/train/trainer.h"
#include "input_failure.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <random>

using namespace attnviz;
using attnviz_test::Failure;
using attnviz_test::inputFailure;

namespace {

// A tiny reverse task: 3–5 symbols from 6 → reversed.
TaskData tinyReverse(std::size_t n, std::uint64_t seed)
{
    TaskData t;
    t.name = "tiny";
    t.tokenizer = TokenizerKind::Char;
    std::mt19937_64 rng(seed);
    auto make = [&](std::size_t count) {
        std::vector<TextPair> v;
        for (std::size_t i = 0; i < count; ++i) {
            std::string s(3 + rng() % 3, 'a');
            for (char& c : s)
                c = static_cast<char>('a' + rng() % 6);
            v.push_back({s, std::string(s.rbegin(), s.rend())});
        }
        return v;
    };
    t.train = make(n);
    t.valid = make(40);
    return t;
}

struct Recorded {
    Timeline timeline;
    TrainResult result;
};

// 200 pairs, batches of 16: 13 batches an epoch.
Recorded record(int epochs, long long every, const std::string& arch = "bahdanau", bool withRecorder = true)
{
    const TaskData task = tinyReverse(200, 5);
    ModelConfig c = presetConfig(arch, 16, 8);
    c.maxLen = 10;
    const Model model = newModelForTask(arch, c, task, 1, 3);
    TrainOptions o;
    o.epochs = epochs;
    o.batchSize = 16;
    o.learningRate = 0.01;
    o.threads = 1;
    TimelineRecorder rec(model, {"abcde", "fab"}, every);
    std::function<void(const BatchDone&)> batchDone;
    std::function<void(const EpochResult&, const Model&)> epochEnd;
    if (withRecorder) {
        batchDone = [&](const BatchDone& b) { rec.onBatch(b); };
        epochEnd = [&](const EpochResult& e, const Model&) { rec.onEpochEnd(e); };
    }
    Recorded r;
    r.result = train(model, encodePairs(model, task.train), encodePairs(model, task.valid), o, {}, epochEnd, nullptr, {}, batchDone);
    r.timeline = rec.timeline();
    return r;
}

const Timeline& sample()
{
    static const Timeline t = record(2, 5).timeline;
    return t;
}

std::string tempFile(const QTemporaryDir& dir, const char* name)
{
    return dir.filePath(QString::fromLatin1(name)).toStdString();
}

} // namespace

class TestTimeline : public QObject {
    Q_OBJECT
private slots:
    void snapshotRule();
    void observerChangesNothing();
    void defaultEvery();
    void roundTrip();
    void badDocuments_data();
    void badDocuments();
    void badFiles();
    void badProbes();
    void entropy();
};

void TestTimeline::snapshotRule()
{
    const Timeline& t = sample();
    // batch 0, every 5, each epoch end (13, 26; the last is also the end of training)
    std::vector<long long> batches;
    for (const TimelineSnapshot& s : t.snapshots)
        batches.push_back(s.batch);
    QCOMPARE(batches, (std::vector<long long>{0, 5, 10, 13, 15, 20, 25, 26}));
    QCOMPARE(t.snapshotEvery, 5LL);
    QCOMPARE(t.architecture, std::string("bahdanau"));
    QCOMPARE(t.probes, (std::vector<std::string>{"abcde", "fab"}));
    for (const TimelineSnapshot& s : t.snapshots) {
        QCOMPARE(s.epoch, static_cast<double>(s.batch) / 13.0);
        QVERIFY(std::isfinite(s.trainLoss) && s.trainLoss > 0.0);
        QCOMPARE(s.traces.size(), std::size_t(2));
        QCOMPARE(s.traces[0].sourceTokens, (Tokens{"a", "b", "c", "d", "e"}));
        const bool epochEnd = s.batch == 13 || s.batch == 26;
        QCOMPARE(s.validLoss.has_value(), epochEnd);
        QCOMPARE(s.validAccuracy.has_value(), epochEnd);
        for (const StepTrace& st : s.traces[0].steps) {
            QVERIFY(st.attention);
            QCOMPARE(st.attention->weights.size(), Eigen::Index(5));
            QCOMPARE(st.query.size(), Eigen::Index(0));  // stripped
            QVERIFY(st.topK.empty());
        }
    }
    QVERIFY(t.snapshots.back().trainLoss < t.snapshots.front().trainLoss);
}

void TestTimeline::observerChangesNothing()
{
    // The recorder decodes with a copy of the weights: training gives the same model with and without it.
    const Recorded a = record(1, 4, "luong", true), b = record(1, 4, "luong", false);
    Model ma = a.result.best, mb = b.result.best;
    const ParamStore pa = paramsFromModel(ma), pb = paramsFromModel(mb);
    QCOMPARE(pa.size(), pb.size());
    for (const auto& [name, p] : pa)
        QVERIFY2(p == pb.at(name), name.c_str());
    QCOMPARE(a.timeline.snapshots.size(), std::size_t(5));  // 0, 4, 8, 12, 13
    QVERIFY(b.timeline.snapshots.empty());
}

void TestTimeline::defaultEvery()
{
    QCOMPARE(defaultSnapshotEvery(1), 1LL);
    QCOMPARE(defaultSnapshotEvery(50), 1LL);
    QCOMPARE(defaultSnapshotEvery(51), 2LL);
    for (long long total : {20LL, 57LL, 400LL, 1000LL, 12345LL, 10'000'000LL}) {
        const long long every = defaultSnapshotEvery(total);
        const long long grid = total / every + 1;  // batch 0 and the multiples of every
        QVERIFY2(grid >= 20 && grid <= 200, qPrintable(QString::number(total)));
    }
}

void TestTimeline::roundTrip()
{
    const Timeline& t = sample();
    const json doc = timelineToJson(t);
    QCOMPARE(doc["format"], json("attnviz-timeline"));
    QCOMPARE(doc["version"], json(1));
    QVERIFY(!doc["snapshots"][0].contains("valid_loss"));
    QVERIFY(doc["snapshots"][3].contains("valid_accuracy"));
    QVERIFY(!doc["snapshots"][0]["traces"][0]["steps"][0].contains("alignment"));
    QVERIFY(!doc["snapshots"][0]["traces"][0]["steps"][0].contains("query"));
    const Timeline back = timelineFromJson(doc, "mem.json");
    QCOMPARE(timelineToJson(back), doc);
    QTemporaryDir dir;
    for (const char* name : {"t.json", "t.cbor"}) {
        const std::string file = tempFile(dir, name);
        saveTimeline(t, file);
        QCOMPARE(timelineToJson(loadTimeline(file)), doc);
    }
}

using Edit = std::function<void(json&)>;
Q_DECLARE_METATYPE(Edit)

void TestTimeline::badDocuments_data()
{
    QTest::addColumn<Edit>("edit");
    QTest::addColumn<QString>("where");
    QTest::addColumn<QString>("message");
    auto row = [](const char* name, Edit e, const char* where, const char* message) {
        QTest::newRow(name) << e << QString::fromUtf8(where) << QString::fromUtf8(message);
    };
    row("wrong format", [](json& d) { d["format"] = "attnviz-trace"; }, "/format", "attnviz-timeline");
    row("wrong version", [](json& d) { d["version"] = 2; }, "/version", "expected version 1");
    row("no architecture", [](json& d) { d.erase("architecture"); }, "/architecture", "missing");
    row("unknown architecture", [](json& d) { d["architecture"] = "gpt"; }, "/architecture", "expected one of");
    row("config not an object", [](json& d) { d["config"] = 3; }, "/config", "expected an object");
    row("no probes", [](json& d) { d["probes"] = json::array(); }, "/probes", "at least one probe");
    row("probe not a string", [](json& d) { d["probes"][1] = 7; }, "/probes/1", "string");
    row("snapshots not an array", [](json& d) { d["snapshots"] = json::object(); }, "/snapshots", "expected an array");
    row("no snapshots", [](json& d) { d["snapshots"] = json::array(); }, "/snapshots", "at least one snapshot");
    row("first not at batch 0", [](json& d) { d["snapshots"][0]["batch"] = 1; }, "/snapshots/0/batch", "before any update");
    row("batches out of order", [](json& d) { std::swap(d["snapshots"][2], d["snapshots"][3]); }, "/snapshots/3/batch",
        "training order");
    row("batch repeated", [](json& d) { d["snapshots"][2]["batch"] = 5; }, "/snapshots/2/batch", "training order");
    row("negative batch", [](json& d) { d["snapshots"][1]["batch"] = -5; }, "/snapshots/1/batch", "expected an integer");
    row("fractional batch", [](json& d) { d["snapshots"][1]["batch"] = 5.5; }, "/snapshots/1/batch", "expected an integer");
    row("epoch going back", [](json& d) { d["snapshots"][2]["epoch"] = 0.1; }, "/snapshots/2/epoch", "training order");
    row("no train loss", [](json& d) { d["snapshots"][1].erase("train_loss"); }, "/snapshots/1/train_loss", "missing");
    row("train loss a string", [](json& d) { d["snapshots"][1]["train_loss"] = "2.3"; }, "/snapshots/1/train_loss", "number");
    row("train loss NaN", [](json& d) { d["snapshots"][1]["train_loss"] = std::nan(""); }, "/snapshots/1/train_loss", "");
    row("train loss infinite", [](json& d) { d["snapshots"][1]["train_loss"] = std::numeric_limits<double>::infinity(); },
        "/snapshots/1/train_loss", "");
    row("negative valid loss", [](json& d) { d["snapshots"][3]["valid_loss"] = -1.0; }, "/snapshots/3/valid_loss", "≥ 0");
    row("accuracy above 1", [](json& d) { d["snapshots"][3]["valid_accuracy"] = 1.5; }, "/snapshots/3/valid_accuracy", "from 0 to 1");
    row("no traces", [](json& d) { d["snapshots"][1].erase("traces"); }, "/snapshots/1/traces", "missing");
    row("fewer traces than probes", [](json& d) { d["snapshots"][1]["traces"].erase(1); }, "/snapshots/1/traces",
        "expected 2 traces (one per probe), found 1");
    row("more traces than probes", [](json& d) { d["snapshots"][1]["traces"].push_back(d["snapshots"][1]["traces"][0]); },
        "/snapshots/1/traces", "expected 2 traces");
    row("trace of another format", [](json& d) { d["snapshots"][1]["traces"][0]["format"] = "attnviz-example"; },
        "/snapshots/1/traces/0/format", "attnviz-trace");
    row("trace without steps", [](json& d) { d["snapshots"][1]["traces"][0].erase("steps"); }, "/snapshots/1/traces/0/steps", "missing");
    row("trace with a bad number", [](json& d) { d["snapshots"][1]["traces"][0]["steps"][0]["weights"][0] = "x"; },
        "/snapshots/1/traces/0/steps/0/weights/0", "number");
    row("weights not one per source token", [](json& d) {
        json& s = d["snapshots"][1]["traces"][0]["steps"][0];
        s["weights"].erase(4);
        s["scores"].erase(4);
    }, "/snapshots/1/traces/0/steps/0/weights", "expected 5 weights (one per source token), found 4");
    row("step without attention", [](json& d) {
        json& s = d["snapshots"][1]["traces"][0]["steps"][0];
        for (const char* k : {"scores", "weights", "context"})
            s.erase(k);
    }, "/snapshots/1/traces/0/steps/0", "expected attention weights");
    row("attention in a seq2seq timeline", [](json& d) {
        d["architecture"] = "seq2seq";
        d["config"]["score"] = nullptr;
    }, "/snapshots/0/traces/0/steps/0/weights", "expected no attention");
    row("steps out of order", [](json& d) { d["snapshots"][1]["traces"][0]["steps"][0]["t"] = 2; },
        "/snapshots/1/traces/0/steps/0/t", "expected 1");
    row("more steps than tokens", [](json& d) { d["snapshots"][1]["traces"][0]["target_tokens"] = json::array(); },
        "/snapshots/1/traces/0/steps", "one step per target token");
    row("another probe's tokens", [](json& d) { d["snapshots"][2]["traces"][1] = d["snapshots"][2]["traces"][0]; },
        "/snapshots/2/traces/1/source_tokens", "the same source tokens");
    row("bad snapshot_every", [](json& d) { d["snapshot_every"] = 0; }, "/snapshot_every", "expected an integer");
    // Found by fuzz/fuzz_timeline.cpp: the config is written back as read, and a CBOR file may hold any bytes in
    // its keys and strings; saving such a timeline as JSON threw json.exception.type_error.316.
    row("config key not UTF-8", [](json& d) { d["config"]["hid\x98" "den"] = 3; }, "/config/hid\x98" "den", "expected a UTF-8 key");
    row("config string not UTF-8", [](json& d) { d["config"]["cell"] = "gr\xffu"; }, "/config/cell", "expected UTF-8 text");
    row("nested config string not UTF-8", [](json& d) { d["config"]["extra"] = json::array({"ok", "\xc3"}); }, "/config/extra/1",
        "expected UTF-8 text");
}

void TestTimeline::badDocuments()
{
    QFETCH(Edit, edit);
    QFETCH(QString, where);
    QFETCH(QString, message);
    json doc = timelineToJson(sample());
    // make sure every step of trace 0 of snapshot 1 has 5 weights and steps ≥ 1
    QVERIFY(!doc["snapshots"][1]["traces"][0]["steps"].empty());
    edit(doc);
    const Failure f = inputFailure([&] { timelineFromJson(doc, "tl.json"); });
    QVERIFY2(f.thrown, "accepted");
    QCOMPARE(f.file, std::string("tl.json"));
    QCOMPARE(QString::fromStdString(f.where), where);
    QVERIFY2(QString::fromStdString(f.message).contains(message), f.message.c_str());
    QVERIFY2(f.message.rfind("tl.json: ", 0) == 0, f.message.c_str());
}

void TestTimeline::badFiles()
{
    QTemporaryDir dir;
    const std::string good = tempFile(dir, "good.json");
    saveTimeline(sample(), good);
    std::ifstream in(good, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // truncated
    const std::string cut = tempFile(dir, "cut.json");
    std::ofstream(cut, std::ios::binary) << text.substr(0, text.size() / 2);
    Failure f = inputFailure([&] { loadTimeline(cut); });
    QVERIFY(f.thrown);
    QCOMPARE(f.file, cut);
    // 1e999 in a number: the pointer of that value
    std::string big = text;
    const std::size_t at = big.find("\"train_loss\": ");
    QVERIFY(at != std::string::npos);
    const std::size_t from = at + 14, to = big.find_first_of(",\n}", from);
    big.replace(from, to - from, "1e999");
    const std::string overflow = tempFile(dir, "big.json");
    std::ofstream(overflow, std::ios::binary) << big;
    f = inputFailure([&] { loadTimeline(overflow); });
    QVERIFY(f.thrown);
    QCOMPARE(f.file, overflow);
    QCOMPARE(f.where, std::string("/snapshots/0/train_loss"));
    // missing, a directory, empty
    f = inputFailure([&] { loadTimeline(tempFile(dir, "none.json")); });
    QVERIFY(f.thrown);
    f = inputFailure([&] { loadTimeline(dir.path().toStdString()); });
    QVERIFY(f.thrown);
    const std::string empty = tempFile(dir, "empty.json");
    std::ofstream(empty).flush();
    f = inputFailure([&] { loadTimeline(empty); });
    QVERIFY(f.thrown);
    QCOMPARE(f.file, empty);
    // CBOR, truncated
    const std::string cbor = tempFile(dir, "t.cbor");
    saveTimeline(sample(), cbor);
    std::ifstream cin(cbor, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(cin)), std::istreambuf_iterator<char>());
    const std::string cutCbor = tempFile(dir, "cut.cbor");
    std::ofstream(cutCbor, std::ios::binary) << bytes.substr(0, bytes.size() - 10);
    f = inputFailure([&] { loadTimeline(cutCbor); });
    QVERIFY(f.thrown);
    QCOMPARE(f.file, cutCbor);
}

void TestTimeline::badProbes()
{
    const TaskData task = tinyReverse(50, 1);
    ModelConfig c = presetConfig("bahdanau", 8, 4);
    c.maxLen = 10;
    const Model model = newModelForTask("bahdanau", c, task, 1, 3);
    for (const std::vector<std::string>& probes : {std::vector<std::string>{}, std::vector<std::string>{""},
                                                   std::vector<std::string>{"abc", ""}}) {
        const Failure f = inputFailure([&] { TimelineRecorder(model, probes, 5); });
        QVERIFY(f.thrown);
        QCOMPARE(f.where, std::string("--probe"));
    }
    // words: blanks tokenize to nothing
    TaskData words;
    words.name = "words";
    words.tokenizer = TokenizerKind::Whitespace;
    words.train = {{"a b c", "c b a"}, {"b c", "c b"}};
    words.valid = words.train;
    const Model wordModel = newModelForTask("luong", presetConfig("luong", 8, 4), words, 1, 3);
    Failure blank = inputFailure([&] { TimelineRecorder(wordModel, {"a b", " \t "}, 5); });
    QVERIFY(blank.thrown);
    QVERIFY2(blank.message.find("tokenizes to nothing") != std::string::npos, blank.message.c_str());
    TimelineRecorder ok(wordModel, {"a b", "zz unknown"}, 5);  // unknown words are <unk>, not nothing
    QCOMPARE(ok.timeline().probes.size(), std::size_t(2));
    // a probe longer than the engine takes (kMaxSourceTokens)
    const Failure f = inputFailure([&] { TimelineRecorder(model, {std::string(500, 'a')}, 5); });
    QVERIFY(f.thrown);
    QVERIFY_THROWS_EXCEPTION(ShapeError, TimelineRecorder(model, {"abc"}, 0));
}

void TestTimeline::entropy()
{
    Trace t;
    t.sourceTokens = {"a", "b"};
    StepTrace s;
    AttentionResult a;
    a.weights = Vec::Constant(2, 0.5);
    s.attention = a;
    t.steps.push_back(s);
    a.weights = Vec(2);
    a.weights << 1.0, 0.0;
    s.attention = a;
    t.steps.push_back(s);
    QCOMPARE(meanAttentionEntropy(t), std::log(2.0) / 2);
    QCOMPARE(meanAttentionEntropy(Trace{}), 0.0);
}

QTEST_GUILESS_MAIN(TestTimeline)
#include "tst_timeline.moc"
