// SentencePiece tokenization for typed text (SPEC §4 "Typed text"): piece models learnt and embedded in
// model files, typed input that never becomes <unk>, pieces merged into words, the bad input around it.
#include "core/formats/error.h"
#include "core/model/decoding.h"
#include "core/model/merge_words.h"
#include "core/model/model.h"
#include "core/model/pieces.h"
#include "core/train/bleu.h"
#include "core/train/trainer.h"

#include "input_failure.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace attnviz;
using attnviz_test::inputFailure;

namespace {

const std::string W = kWordStart;  // "▁"

std::vector<TextPair> smallCorpus()
{
    const std::vector<TextPair> base{{"The red car is very fast.", "El coche rojo es muy rápido."},
                                     {"I went to the park with my dog.", "Fui al parque con mi perro."},
                                     {"Where is the train station?", "¿Dónde está la estación de tren?"},
                                     {"We will buy a new car tomorrow.", "Compraremos un coche nuevo mañana."},
                                     {"My sister reads a book.", "Mi hermana lee un libro."},
                                     {"Good morning!", "¡Buenos días!"}};
    std::vector<TextPair> out;
    for (int k = 0; k < 40; ++k)
        out.insert(out.end(), base.begin(), base.end());
    return out;
}

// A tiny SentencePiece model (the library needs room for 4 specials, 256 byte pieces and the characters).
const std::string& tinyPieceBytes(bool target = false)
{
    static const std::string src = [] {
        std::vector<std::string> s;
        for (const TextPair& p : smallCorpus()) s.push_back(p.source);
        PieceTrainOptions o;
        o.vocabSize = 340;
        return trainPieceModel(s, o);
    }();
    static const std::string tgt = [] {
        std::vector<std::string> s;
        for (const TextPair& p : smallCorpus()) s.push_back(p.target);
        PieceTrainOptions o;
        o.vocabSize = 340;
        return trainPieceModel(s, o);
    }();
    return target ? tgt : src;
}

Model tinyPieceModel()
{
    TaskData task;
    task.name = "file:test";
    task.tokenizer = TokenizerKind::SentencePiece;
    task.pieces.sourceSize = task.pieces.targetSize = 340;
    task.train = smallCorpus();
    ModelConfig c = presetConfig("bahdanau", 8, 6);
    c.attentionSize = 8;
    return newModelForTask("bahdanau", c, task, 1, 3);
}

StepTrace step(const std::string& token, std::vector<double> w, double prob)
{
    StepTrace st;
    st.token = token;
    st.prob = prob;
    AttentionResult a;
    a.weights = Eigen::Map<Vec>(w.data(), static_cast<Eigen::Index>(w.size()));
    a.scores = a.weights.array().log();
    a.alignment = Mat::Zero(a.weights.size(), 2);
    for (Eigen::Index j = 0; j < a.weights.size(); ++j)
        a.alignment.row(j) << a.weights(j) * static_cast<double>(j + 1), a.weights(j);
    a.context = a.alignment.colwise().sum().transpose();
    st.attention = a;
    return st;
}

} // namespace

class TestPieces : public QObject {
    Q_OBJECT
private slots:
    void encodeDecodeRoundTrip();
    void unseenCharactersBecomeBytePiecesNotUnk();
    void corruptPieceModelsAreRefused();
    void labelsNeverShowTheRawMark();
    void utf8Validation_data();
    void utf8Validation();
    void base64RoundTripAndErrors();
    void wordGroupsAndJoining();
    void mergeWordsSumsSourceAndAveragesTarget();
    void mergeWordsLeavesWordModelsAlone();
    void modelFileCarriesThePieces();
    void transformerTrainsOnPieces();
    void translateTypedText();
    void badTypedInput();
    void brokenTokenizerInModelFile();
    void bleuSplitsPunctuationLike13a();
};

void TestPieces::encodeDecodeRoundTrip()
{
    const PieceModel pm(tinyPieceBytes());
    QCOMPARE(pm.piece(0), std::string("<pad>"));
    QCOMPARE(pm.piece(1), std::string("<sos>"));
    QCOMPARE(pm.piece(2), std::string("<eos>"));
    QCOMPARE(pm.piece(3), std::string("<unk>"));
    for (const std::string s : {"The red car is very fast.", "Where is the train station?", "My dog reads a new book."}) {
        const Tokens pieces = pm.encode(s);
        QVERIFY(!pieces.empty());
        QVERIFY(pieceStartsWord(pieces.front()));
        QCOMPARE(pm.decode(pieces), s);
        QCOMPARE(joinPieces(pieces), s);  // the model-free join gives the same text
    }
}

void TestPieces::unseenCharactersBecomeBytePiecesNotUnk()
{
    const PieceModel pm(tinyPieceBytes());
    const std::string s = "Zebras \xF0\x9F\x98\x80 \xD0\x9C\xD0\xB8\xD1\x80 quizás";  // emoji, Cyrillic, á
    const Tokens pieces = pm.encode(s);
    for (const std::string& p : pieces)
        QVERIFY2(p != "<unk>", p.c_str());
    QVERIFY(std::find(pieces.begin(), pieces.end(), "<0xF0>") != pieces.end());
    QCOMPARE(pm.decode(pieces), s);
    QCOMPARE(joinPieces(pieces), s);
}

void TestPieces::corruptPieceModelsAreRefused()
{
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, PieceModel(std::string()));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, PieceModel(std::string("not a model at all")));
    const std::string& good = tinyPieceBytes();
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, PieceModel(good.substr(0, good.size() / 2)));
    std::string flipped = good;
    for (std::size_t i = 0; i < flipped.size(); i += 7) flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    // Bytes flipped all over: SentencePiece may still parse a protobuf out of them. Either it is refused or it
    // loads and splits text; what must not happen is a crash (which fails this test) or another exception.
    try {
        PieceModel pm(flipped);
        (void)pm.encode("The red car.");
    } catch (const std::invalid_argument&) {
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, trainPieceModel({}, PieceTrainOptions{}));
    PieceTrainOptions small;
    small.vocabSize = 100;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, trainPieceModel({"a b c"}, small));
}

void TestPieces::labelsNeverShowTheRawMark()
{
    QCOMPARE(pieceLabel(W + "red"), std::string("red"));
    QCOMPARE(pieceLabel("aremos"), std::string("aremos"));
    QCOMPARE(pieceLabel("."), std::string("."));
    QCOMPARE(pieceLabel(W), std::string("\xE2\x90\xA3"));  // a lone word start is drawn as ␣
    QCOMPARE(pieceLabel("<0xF0>"), std::string("<0xF0>"));
    QVERIFY(pieceStartsWord(W + "x"));
    QVERIFY(!pieceStartsWord("x"));
}

void TestPieces::utf8Validation_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("bad");
    QTest::newRow("ascii") << QByteArray("hello") << -1;
    QTest::newRow("accents and emoji") << QByteArray("caf\xC3\xA9 \xF0\x9F\x98\x80") << -1;
    QTest::newRow("stray continuation") << QByteArray("ab\x80") << 2;
    QTest::newRow("truncated sequence") << QByteArray("ab\xE2\x96") << 2;
    QTest::newRow("overlong slash") << QByteArray("\xC0\xAF") << 0;
    QTest::newRow("overlong 3-byte") << QByteArray("\xE0\x80\xAF") << 0;
    QTest::newRow("surrogate") << QByteArray("x\xED\xA0\x80") << 1;
    QTest::newRow("beyond U+10FFFF") << QByteArray("\xF4\x90\x80\x80") << 0;
    QTest::newRow("0xFF") << QByteArray("ok \xFF") << 3;
}

void TestPieces::utf8Validation()
{
    QFETCH(QByteArray, text);
    QFETCH(int, bad);
    const std::size_t at = invalidUtf8At(text.toStdString());
    QCOMPARE(at == std::string::npos ? -1 : static_cast<int>(at), bad);
}

void TestPieces::base64RoundTripAndErrors()
{
    QCOMPARE(base64Encode(""), std::string(""));
    QCOMPARE(base64Encode("f"), std::string("Zg=="));
    QCOMPARE(base64Encode("fo"), std::string("Zm8="));
    QCOMPARE(base64Encode("foo"), std::string("Zm9v"));
    QCOMPARE(base64Encode("foobar"), std::string("Zm9vYmFy"));  // RFC 4648 §10
    QCOMPARE(base64Decode("Zm9vYmE="), std::string("fooba"));
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    QCOMPARE(base64Decode(base64Encode(all)), all);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, base64Decode("Zm9"));       // not a multiple of 4
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, base64Decode("Zm9v!A=="));  // bad character
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, base64Decode("Z=9v"));      // padding in the middle
}

void TestPieces::wordGroupsAndJoining()
{
    const Tokens pieces{W + "Compr", "aremos", W + "un", W + "coche", ".", "<eos>"};
    const auto g = wordGroups(pieces);
    QCOMPARE(g.size(), std::size_t(4));
    QCOMPARE(g[0], (std::vector<int>{0, 1}));
    QCOMPARE(g[2], (std::vector<int>{3, 4}));
    QCOMPARE(g[3], (std::vector<int>{5}));
    QCOMPARE(joinPieces({W + "Compr", "aremos", W + "un", W + "coche", "."}), std::string("Compraremos un coche."));
    QCOMPARE(joinPieces({W, "<0xC2>", "<0xBF>", "Qu", W + "tal"}), std::string("\xC2\xBFQu tal"));
    QCOMPARE(joinPieces({W + "x", "<0xF0>"}), std::string("x\xEF\xBF\xBD"));  // an incomplete sequence → U+FFFD
    QCOMPARE(tokensText({"the", "cat"}), std::string("the cat"));
}

// Source "▁The ▁red ▁car ." (3 words); target "▁El ▁coche ▁roj o <eos>" (3 words + <eos>).
void TestPieces::mergeWordsSumsSourceAndAveragesTarget()
{
    Trace t;
    t.sourceTokens = {W + "The", W + "red", W + "car", "."};
    t.encoderStates = (Mat(4, 2) << 1, 2, 3, 4, 5, 6, 7, 8).finished();
    t.steps = {step(W + "El", {0.7, 0.1, 0.1, 0.1}, 0.9), step(W + "coche", {0.1, 0.1, 0.6, 0.2}, 0.8),
               step(W + "roj", {0.1, 0.8, 0.05, 0.05}, 0.5), step("o", {0.2, 0.6, 0.1, 0.1}, 0.4),
               step("<eos>", {0.1, 0.1, 0.1, 0.7}, 0.95)};
    t.targetTokens = {W + "El", W + "coche", W + "roj", "o"};
    const Trace m = mergeWords(t);
    QVERIFY(m.mergedWords);
    QCOMPARE(m.sourceTokens, (Tokens{"The", "red", "car."}));
    QCOMPARE(m.targetTokens, (Tokens{"El", "coche", "rojo"}));
    QCOMPARE(m.steps.size(), std::size_t(4));
    QCOMPARE(m.encoderStates.rows(), Eigen::Index(3));
    QCOMPARE(m.encoderStates(2, 0), 6.0);  // mean of (5, 6) and (7, 8)
    // "coche": one piece, source "car." = 0.6 + 0.2
    QVERIFY(std::abs(m.steps[1].attention->weights(2) - 0.8) < 1e-15);
    // "rojo": mean of the rows of "roj" and "o" → red: (0.8 + 0.6)/2, car.: ((0.05+0.05) + (0.1+0.1))/2
    QVERIFY(std::abs(m.steps[2].attention->weights(1) - 0.7) < 1e-15);
    QVERIFY(std::abs(m.steps[2].attention->weights(2) - 0.15) < 1e-15);
    QVERIFY(std::abs(*m.steps[2].prob - 0.2) < 1e-15);  // 0.5 × 0.4
    QCOMPARE(m.steps[3].token, std::string("<eos>"));
    for (const StepTrace& st : m.steps) {
        QVERIFY(std::abs(st.attention->weights.sum() - 1.0) < 1e-12);
        // alignment vectors merged the same way, so the context is still their sum
        QVERIFY((st.attention->alignment.colwise().sum().transpose() - st.attention->context).norm() < 1e-12);
        // the scores softmax back to the weights
        const Vec e = st.attention->scores.array().exp();
        QVERIFY((e / e.sum() - st.attention->weights).norm() < 1e-12);
    }
}

void TestPieces::mergeWordsLeavesWordModelsAlone()
{
    Trace t;
    t.sourceTokens = {"the", "cat"};
    t.steps = {step("le", {0.5, 0.5}, 0.5), step("chat", {0.1, 0.9}, 0.5)};
    t.targetTokens = {"le", "chat"};
    const Trace m = mergeWords(t);
    QVERIFY(!m.mergedWords);
    QCOMPARE(m.sourceTokens, t.sourceTokens);
    QCOMPARE(m.steps.size(), t.steps.size());
}

void TestPieces::modelFileCarriesThePieces()
{
    const Model m = tinyPieceModel();
    QCOMPARE(m.tokenizerKind(), TokenizerKind::SentencePiece);
    QVERIFY(m.sourcePieces && m.targetPieces);
    QCOMPARE(m.source.size(), m.sourcePieces->size());
    QCOMPARE(m.source.token(5), m.sourcePieces->piece(5));
    QTemporaryDir dir;
    for (const char* name : {"m.json", "m.cbor"}) {
        const std::string path = dir.filePath(QString::fromLatin1(name)).toStdString();
        saveModel(m, path);
        const Model back = loadModel(path);
        QCOMPARE(back.tokenizer, std::string("sentencepiece"));
        QCOMPARE(back.sourcePieces->bytes(), m.sourcePieces->bytes());
        QCOMPARE(back.targetPieces->bytes(), m.targetPieces->bytes());
        QCOMPARE(back.tokenizeSource("Where is the train station?"), m.tokenizeSource("Where is the train station?"));
        QCOMPARE(back.detokenizeTarget(back.tokenizeTarget("¿Dónde está?")), std::string("¿Dónde está?"));
        const DecodeResult a = translate(m, "The red car.", {}), b = translate(back, "The red car.", {});
        QCOMPARE(a.best.targetTokens, b.best.targetTokens);
    }
    // encodePairs goes through the pieces: no <unk> for text the pieces were learnt on
    const std::vector<PairIds> ids = encodePairs(m, {{"The red car is very fast.", "El coche rojo es muy rápido."}});
    QCOMPARE(ids.size(), std::size_t(1));
    for (int id : ids[0].src) QVERIFY(id != m.source.unk());
    for (int id : ids[0].tgt) QVERIFY(id != m.target.unk());
}

// A transformer learns pieces like the recurrent presets (attnviz train --arch transformer --tokenizer
// sentencepiece): the pieces are learnt from the training split, training runs, the model file keeps them
// and translates typed text.
void TestPieces::transformerTrainsOnPieces()
{
    TaskData task;
    task.name = "file:test";
    task.tokenizer = TokenizerKind::SentencePiece;
    task.pieces.sourceSize = task.pieces.targetSize = 340;
    task.train = smallCorpus();
    task.valid = {task.train.front()};
    ModelConfig c = presetConfig("transformer", 16, 16);
    c.heads = 2;
    c.encoderLayers = c.decoderLayers = 1;
    c.ffSize = 32;
    Model m = newModelForTask("transformer", c, task, 1, 3);
    QVERIFY(m.isTransformer() && m.sourcePieces && m.targetPieces);
    const std::vector<PairIds> tr = encodePairs(m, task.train), va = encodePairs(m, task.valid);
    TrainOptions o;
    o.epochs = 3;
    o.batchSize = 4;
    o.warmupSteps = 5;
    const TrainResult r = train(m, tr, va, o);
    QCOMPARE(static_cast<int>(r.history.size()), 3);
    QVERIFY(r.history.back().trainLoss < r.history.front().trainLoss);
    QTemporaryDir dir;
    const std::string path = dir.filePath("t.cbor").toStdString();
    saveModel(r.best, path);
    const Model back = loadModel(path);
    QCOMPARE(back.sourcePieces->bytes(), m.sourcePieces->bytes());
    const DecodeResult a = translate(r.best, "  Where's the RED car?? ", {}), b = translate(back, "  Where's the RED car?? ", {});
    QCOMPARE(a.best.targetTokens, b.best.targetTokens);
}

void TestPieces::translateTypedText()
{
    const Model m = tinyPieceModel();
    const DecodeResult r = translate(m, "  Where's  the RED car?? \xF0\x9F\x9A\x97  ", {});
    QVERIFY(!r.best.sourceTokens.empty());
    for (const std::string& p : r.best.sourceTokens) QVERIFY2(m.source.id(p) != m.source.unk(), p.c_str());
    // the plain output is text, not pieces
    QVERIFY(m.detokenizeTarget(r.best.targetTokens).find(kWordStart) == std::string::npos);
}

void TestPieces::badTypedInput()
{
    const Model m = tinyPieceModel();
    auto f = inputFailure([&] { translate(m, "   \t ", {}); });
    QVERIFY(f.thrown);
    QVERIFY(f.message.find("empty") != std::string::npos);
    f = inputFailure([&] { translate(m, std::string("caf\xC3") + " au lait", {}); });
    QVERIFY(f.thrown);
    QVERIFY2(f.message.find("UTF-8") != std::string::npos && f.message.find("byte 4") != std::string::npos, f.message.c_str());
    std::string longText;
    for (int i = 0; i < 2000; ++i) longText += "car ";
    f = inputFailure([&] { translate(m, longText, {}); });
    QVERIFY(f.thrown);
    QVERIFY2(f.message.find("at most 400 source tokens") != std::string::npos, f.message.c_str());
    // control characters are normalised away or become pieces; never a crash
    const DecodeResult r = translate(m, std::string("The\x01 red\x7f car\x1b.", 16), {});
    QVERIFY(!r.best.sourceTokens.empty());
    DecodeOptions wide;
    wide.beam = 1000;
    f = inputFailure([&] { translate(m, "The red car is very fast and the dog went to the park with my sister.", wide); });
    QVERIFY(f.thrown);
    QVERIFY2(f.message.find("beam width of at most") != std::string::npos, f.message.c_str());
}

void TestPieces::brokenTokenizerInModelFile()
{
    const json good = modelToJson(tinyPieceModel());
    auto fails = [&](json doc) { return inputFailure([&] { modelFromJson(doc, "typed.json"); }); };
    json d = good;
    d["tokenizer"]["source"] = "not base64 at all!";
    auto f = fails(d);
    QVERIFY(f.thrown);
    QCOMPARE(f.where, std::string("/tokenizer/source"));
    d = good;
    d["tokenizer"]["target"] = base64Encode(tinyPieceBytes(true).substr(0, 100));  // truncated
    f = fails(d);
    QCOMPARE(f.where, std::string("/tokenizer/target"));
    QVERIFY2(f.message.find("SentencePiece") != std::string::npos, f.message.c_str());
    d = good;
    d["tokenizer"].erase("target");
    f = fails(d);
    QCOMPARE(f.where, std::string("/tokenizer/target"));
    QVERIFY2(f.message.find("missing") != std::string::npos, f.message.c_str());
    d = good;
    d["tokenizer"] = "sentencepiece";
    QCOMPARE(fails(d).where, std::string("/tokenizer"));
    d = good;
    d["tokenizer"]["type"] = "bpe-magic";
    QCOMPARE(fails(d).where, std::string("/tokenizer/type"));
    d = good;  // the source model swapped for the target's: its pieces are not in /vocab/source
    d["tokenizer"]["source"] = d["tokenizer"]["target"];
    f = fails(d);
    QCOMPARE(f.where, std::string("/tokenizer/source"));
    QVERIFY2(f.message.find("/vocab/source") != std::string::npos, f.message.c_str());
    d = good;  // CBOR byte strings are accepted as well as base64
    d["tokenizer"]["source"] = json::binary(std::vector<std::uint8_t>(tinyPieceBytes().begin(), tinyPieceBytes().end()));
    QVERIFY(!fails(d).thrown);
}

void TestPieces::bleuSplitsPunctuationLike13a()
{
    // "rápido." against "rápido ." is the same sentence once punctuation is split off
    const BleuStats s = bleuStats(std::string("El coche rojo es muy rápido."), std::string("El coche rojo es muy rápido ."));
    QCOMPARE(s.hypLength, 7LL);
    QCOMPARE(s.matches[3], s.totals[3]);
    QCOMPARE(bleuStats(std::string("¿Dónde está?"), std::string("¿ Dónde está ?")).matches[3], 1LL);
    // numbers keep their decimal point and thousands comma; an apostrophe stays inside the word
    QCOMPARE(bleuStats(std::string("3.5 and 1,000 don't"), std::string("x")).hypLength, 4LL);
    QCOMPARE(bleuStats(std::string("end. (yes)"), std::string("x")).hypLength, 5LL);
    QCOMPARE(bleuStats(std::string("el <unk> coche"), std::string("x")).hypLength, 3LL);  // special tokens stay whole
}

QTEST_GUILESS_MAIN(TestPieces)
#include "tst_pieces.moc"
