// Beam view: the tree drawn is the decoder's (every BeamTree node laid out once, the chosen path =
// the best hypothesis), selection emits the hypothesis index, renders are non-blank, export works.
#include "core/model/decoding.h"
#include "core/model/random_model.h"
#include "ui/graphs/beam_layout.h"
#include "ui/graphs/beam_view.h"
#include "ui/shell/document.h"
#include "ui/export/view_export.h"
#include "render_check.h"

#include <QDir>
#include <QFileInfo>

#include <QPainter>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <set>

using namespace attnviz;
using namespace attnviz::ui;
using attnviz_test::inkFraction;

namespace {

DecodeResult beamCase(const std::string& preset, int beam = 3, std::uint64_t seed = 11)
{
    RandomModelOptions o;
    o.targetVocab = 8;  // <eos> reachable: hypotheses finish
    o.scale = 1.2;
    const Model m = randomModel(preset, o, seed);
    DecodeOptions d;
    d.beam = beam;
    d.maxLen = 6;
    return translate(m, "s4 s5 s6 s7", d);
}

QImage render(const DecodeResult& r, int selected, QSize size = QSize(1400, 800))
{
    QImage img(size, QImage::Format_RGB32);
    img.fill(Qt::white);
    QPainter p(&img);
    const QRectF rect(QPointF(0, 0), QSizeF(size));
    paintBeamTree(p, rect, r, selected, fitTransform(layoutBeamTree(r.tree).bounds, rect.adjusted(4, 24, -4, -4), 4.0));
    return img;
}

} // namespace

class TestBeamView : public QObject {
    Q_OBJECT
private slots:
    void treeMatchesDecoder()
    {
        const DecodeResult r = beamCase("bahdanau");
        const BeamTree& tree = r.tree;
        QVERIFY(tree.nodes.size() > 4);
        QVERIFY(!r.hypotheses.empty());
        const BeamLayout L = layoutBeamTree(tree);
        // every node laid out, once, inside the bounds, in its step's column, no overlaps
        QCOMPARE(L.nodes.size(), tree.nodes.size());
        for (std::size_t k = 0; k < L.nodes.size(); ++k) {
            QVERIFY(L.bounds.contains(L.nodes[k]));
            QCOMPARE(L.nodes[k].left(), L.stepX[static_cast<std::size_t>(tree.nodes[k].step)]);
            QCOMPARE(beamNodeAt(L, L.nodes[k].center()), static_cast<int>(k));
            for (std::size_t m = k + 1; m < L.nodes.size(); ++m)
                QVERIFY(!L.nodes[k].intersects(L.nodes[m]));
        }
        // a child is right of its parent; children ordered by summed log-probability, best on top
        for (std::size_t k = 1; k < tree.nodes.size(); ++k) {
            const int parent = tree.nodes[k].parent;
            QVERIFY(L.nodes[static_cast<std::size_t>(parent)].right() < L.nodes[k].left());
            for (std::size_t m = k + 1; m < tree.nodes.size(); ++m)
                if (tree.nodes[m].parent == parent && tree.nodes[m].sumLogProb < tree.nodes[k].sumLogProb)
                    QVERIFY(L.nodes[m].top() > L.nodes[k].top());
        }
        // chosen path = the best hypothesis's tokens
        const std::vector<int> path = beamPath(tree, tree.best);
        QCOMPARE(path.front(), 0);
        QCOMPARE(path.size(), r.best.steps.size() + 1);
        for (std::size_t t = 1; t < path.size(); ++t) {
            const BeamNode& nd = tree.nodes[static_cast<std::size_t>(path[t])];
            QVERIFY(nd.chosen && !nd.pruned);
            QCOMPARE(nd.text, r.best.steps[t - 1].token);
            QCOMPARE(nd.step, static_cast<int>(t));
        }
        const std::set<int> onPath(path.begin(), path.end());
        for (std::size_t k = 0; k < tree.nodes.size(); ++k)
            QCOMPARE(tree.nodes[k].chosen, onPath.count(static_cast<int>(k)) == 1);
        // every hypothesis is reachable through its leaf and reads its trace's tokens
        for (std::size_t h = 0; h < r.hypotheses.size(); ++h) {
            QCOMPARE(hypothesisThrough(r, r.leaves[h]), static_cast<int>(h));
            const std::vector<int> hp = beamPath(tree, r.leaves[h]);
            QCOMPARE(hp.size(), r.hypotheses[h].steps.size() + 1);
            for (std::size_t t = 1; t < hp.size(); ++t)
                QCOMPARE(tree.nodes[static_cast<std::size_t>(hp[t])].text, r.hypotheses[h].steps[t - 1].token);
        }
        // a pruned node belongs to no hypothesis
        for (std::size_t k = 0; k < tree.nodes.size(); ++k)
            if (tree.nodes[k].pruned)
                QCOMPARE(hypothesisThrough(r, static_cast<int>(k)), -1);
    }

    // Issue 12: the tab opens readable with the root's column at the left edge and as much of the chosen path in
    // view as its height allows (on a deep tree the best path climbs away from the root).
    void opensOnTheChosenPath()
    {
        const Model m = loadModel(ATTNVIZ_SAMPLES_DIR "/models/en_es_bahdanau.cbor");
        DecodeOptions o;
        o.beam = 3;
        const DecodeResult r = translate(m, "we will buy a new red car tomorrow .", o);
        BeamView view;
        view.resize(440, 480);  // the dock at 1280 × 800
        view.setResult(std::make_shared<const DecodeResult>(r));
        (void)view.grab();
        const BeamLayout L = layoutBeamTree(r.tree);
        const QRectF shown = QRectF(view.rect());
        int inView = 0, leftOfEdge = 0;
        for (int id : beamPath(r.tree, r.tree.best)) {
            const QPointF at = view.viewTransform().map(L.nodes[static_cast<std::size_t>(id)].center());
            if (at.x() < shown.right()) {
                ++leftOfEdge;
                inView += shown.contains(at) ? 1 : 0;
            }
        }
        QVERIFY2(inView >= 2, qPrintable(QStringLiteral("%1 of %2").arg(inView).arg(leftOfEdge)));  // centred on the root alone: 1
        // the root column is at the left edge (the search reads from there)
        QVERIFY(std::fabs(view.viewTransform().map(L.nodes.front().topLeft()).x() - 16) < 12);
    }

    void selectionEmitsHypothesis()
    {
        const DecodeResult r = beamCase("luong");
        QVERIFY(r.hypotheses.size() >= 2);
        BeamView view;
        view.resize(1000, 600);
        view.setResult(std::make_shared<const DecodeResult>(r));
        QCOMPARE(view.selectedHypothesis(), 0);
        (void)view.grab();  // fit
        QSignalSpy spy(&view, &BeamView::hypothesisSelected);
        const BeamLayout L = layoutBeamTree(r.tree);
        const int h = static_cast<int>(r.hypotheses.size()) - 1;
        const QPointF at = view.viewTransform().map(L.nodes[static_cast<std::size_t>(r.leaves[static_cast<std::size_t>(h)])].center());
        QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, at.toPoint());
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.at(0).at(0).toInt(), h);
        QCOMPARE(view.selectedHypothesis(), h);
        // clicking empty space or a pruned node does not change the selection
        QTest::mouseClick(&view, Qt::LeftButton, Qt::NoModifier, QPoint(2, 598));
        QCOMPARE(spy.count(), 1);
        view.setSelectedHypothesis(0);
        QCOMPARE(view.selectedHypothesis(), 0);
        QCOMPARE(spy.count(), 1);  // programmatic: no signal
    }

    void rendersEveryPreset_data()
    {
        QTest::addColumn<QString>("preset");
        for (const std::string& p : allPresets())
            QTest::newRow(p.c_str()) << QString::fromStdString(p);
    }
    void rendersEveryPreset()
    {
        QFETCH(QString, preset);
        const DecodeResult r = beamCase(preset.toStdString());
        const QImage img = render(r, static_cast<int>(r.hypotheses.size()) - 1);
        int colours = 0;
        QVERIFY(inkFraction(img, &colours) > 0.03);
        QVERIFY(colours > 20);
        QVERIFY(img.save(attnviz_test::renderDir() + QStringLiteral("/beam_%1.png").arg(preset)));
        BeamView view;
        view.resize(900, 500);
        view.setResult(std::make_shared<const DecodeResult>(r));
        QVERIFY(inkFraction(view.grab().toImage()) > 0.03);
        // selecting another hypothesis changes the drawing
        if (r.hypotheses.size() > 1)
            QVERIFY(render(r, 0) != img);
    }

    // Issue 6: the beam view of every shipped model renders (beam 3 on one of the model's example sentences).
    void shippedModels()
    {
        const QDir dir(QStringLiteral(ATTNVIZ_SAMPLES_DIR "/models"));
        const QStringList files = dir.entryList({QStringLiteral("*.cbor")}, QDir::Files);
        QVERIFY2(!files.isEmpty(), "samples/models holds the shipped models");
        for (const QString& f : files) {
            const Model m = loadModel(dir.filePath(f).toStdString());
            QVERIFY(!m.examples.empty());
            DecodeOptions d;
            d.beam = 3;
            const DecodeResult r = translate(m, m.examples.front(), d);
            QVERIFY(r.tree.nodes.size() > r.best.steps.size());
            int colours = 0;
            const QImage img = render(r, 0);
            QVERIFY2(inkFraction(img, &colours) > 0.03, qPrintable(f));
            QVERIFY2(colours > 20, qPrintable(f));
            img.save(attnviz_test::renderDir() + QStringLiteral("/beam_shipped_%1.png").arg(QFileInfo(f).completeBaseName()));
        }
    }

    void greedyAndEmpty()
    {
        BeamView view;
        view.resize(400, 300);
        QVERIFY(inkFraction(view.grab().toImage()) > 0.0);  // the hint
        const DecodeResult r = beamCase("seq2seq", 1);
        view.setResult(std::make_shared<const DecodeResult>(r));
        QVERIFY(inkFraction(view.grab().toImage()) > 0.0);
        view.setSelectedHypothesis(99);  // out of range: ignored
        QVERIFY(view.selectedHypothesis() < static_cast<int>(r.hypotheses.size()));
    }

    void documentSelectsHypothesis()
    {
        // The window's wiring: Document keeps the search, the beam view shows it, selecting a hypothesis
        // makes its trace the document's trace (what every other view draws).
        Document doc;
        BeamView view;
        connect(&doc, &Document::decodeResultChanged, &view, &BeamView::setResult);
        connect(&view, &BeamView::hypothesisSelected, &doc, &Document::selectHypothesis);
        QVERIFY(doc.openFileNow(QStringLiteral(ATTNVIZ_TESTDATA_DIR "/golden/bahdanau.model.json")));
        QTRY_VERIFY_WITH_TIMEOUT(doc.decodeResult() && !doc.isBusy(), 10000);
        doc.translate(doc.lastSentence(), 3);
        QTRY_VERIFY_WITH_TIMEOUT(!doc.isBusy() && doc.decodeResult() && doc.decodeResult()->hypotheses.size() > 1, 10000);
        const auto r = doc.decodeResult();
        QCOMPARE(view.result(), r);
        QCOMPARE(doc.trace()->targetTokens, r->best.targetTokens);
        const int last = static_cast<int>(r->hypotheses.size()) - 1;
        emit view.hypothesisSelected(last);
        QCOMPARE(doc.trace()->targetTokens, r->hypotheses[static_cast<std::size_t>(last)].targetTokens);
        QCOMPARE(doc.trace()->steps.size(), r->hypotheses[static_cast<std::size_t>(last)].steps.size());
    }

    void exportFormats()
    {
        QTemporaryDir dir;
        const DecodeResult r = beamCase("gnmt");
        for (const char* ext : {"png", "svg", "pdf"}) {
            ExportOptions o;
            o.path = dir.filePath(QStringLiteral("beam.") + QLatin1String(ext));
            QString err;
            QVERIFY2(exportBeamTree(r, 0, o, &err), qPrintable(err));
            QVERIFY(QFileInfo(o.path).size() > 500);
        }
        // Issue 12: cropped to its content by default — the tree and its caption reach every side.
        const QImage png(dir.filePath(QStringLiteral("beam.png")));
        QCOMPARE(png.size(), beamExportSize(r));
        QVERIFY(png.width() <= 2400 && png.height() <= 2400);
        const QRect ink = attnviz_test::inkBounds(png);
        QVERIFY2(ink.width() > 0.85 * png.width() && ink.height() > 0.85 * png.height(),
                 qPrintable(QStringLiteral("ink %1×%2 of %3×%4").arg(ink.width()).arg(ink.height()).arg(png.width()).arg(png.height())));
        // fittedCanvas: a tall scene gets a narrow canvas (down to the minimum width), a wide one a low canvas
        QCOMPARE(fittedCanvas(QRectF(0, 0, 100, 400), QMarginsF(4, 24, 4, 4), QSize(1400, 800), 300), QSize(300, 800));
        QCOMPARE(fittedCanvas(QRectF(0, 0, 1392, 100), QMarginsF(4, 24, 4, 4), QSize(1400, 800), 300), QSize(1400, 128));
        QCOMPARE(fittedCanvas(QRectF(0, 0, 10, 10), QMarginsF(0, 0, 0, 0), QSize(1400, 800), 16), QSize(40, 40));  // at most 4×
        // a minimum scale grows the canvas past the default box, up to maxBox
        QCOMPARE(fittedCanvas(QRectF(0, 0, 500, 1000), QMarginsF(0, 0, 0, 0), QSize(1400, 800), 16, 1.5, QSize(2400, 2400)), QSize(750, 1500));
        QCOMPARE(fittedCanvas(QRectF(0, 0, 500, 4000), QMarginsF(0, 0, 0, 0), QSize(1400, 800), 16, 1.5, QSize(2400, 2400)), QSize(300, 2400));
        ExportOptions bad;
        bad.path = dir.filePath(QStringLiteral("beam.png"));
        bad.dpi = 5;
        QString err;
        QVERIFY(!exportBeamTree(r, 0, bad, &err));
        QVERIFY(err.contains(QStringLiteral("DPI")));
    }
};

QTEST_MAIN(TestBeamView)
#include "tst_beam_view.moc"
