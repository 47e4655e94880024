// ScoreTableModel: the textbook table, following the step, editing (what-if) and copying.
#include "core/formats/example.h"
#include "ui/views/score_table_model.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using attnviz::ui::ScoreTableModel;

namespace {

std::shared_ptr<const attnviz::Trace> textbookTrace(int steps = 1)
{
    attnviz::Example ex = attnviz::loadExample(ATTNVIZ_SAMPLES_DIR "/examples/textbook_dot.json");
    if (steps == 2) {
        ex.decoderStates.conservativeResize(2, Eigen::NoChange);
        ex.decoderStates.row(1) << 0, 0, 1;  // queries [0,0,1]: scores 1, 1, 0, 1
        ex.targetTokens.push_back("suis");
    }
    return std::make_shared<const attnviz::Trace>(attnviz::exampleTrace(ex));
}

QString cell(const ScoreTableModel& m, int row, int col)
{
    return m.data(m.index(row, col)).toString();
}

} // namespace

class TestScoreTableModel : public QObject {
    Q_OBJECT
private slots:
    void textbookRows();
    void followsTheStep();
    void passesTheModelTester();
    void editingEmitsChangedNumbers();
    void badEditsAreRejected();
    void copiesTabSeparated();
    void shadesWeights();
};

void TestScoreTableModel::textbookRows()
{
    ScoreTableModel m;
    m.setTrace(textbookTrace());
    QCOMPARE(m.rowCount(), 6);  // query, 4 encoder states, context
    QCOMPARE(m.columnCount(), 5);
    QCOMPARE(cell(m, m.encoderRow(0), ScoreTableModel::TokenColumn), QStringLiteral("I"));
    QCOMPARE(cell(m, m.encoderRow(1), ScoreTableModel::StateColumn), QStringLiteral("[5, 0, 1]"));
    QCOMPARE(cell(m, m.encoderRow(0), ScoreTableModel::ScoreColumn), QStringLiteral("15"));
    QCOMPARE(cell(m, m.encoderRow(1), ScoreTableModel::ScoreColumn), QStringLiteral("60"));
    QCOMPARE(cell(m, m.encoderRow(3), ScoreTableModel::ScoreColumn), QStringLiteral("35"));
    QCOMPARE(cell(m, m.encoderRow(1), ScoreTableModel::WeightColumn), QStringLiteral("1"));
    QCOMPARE(cell(m, m.encoderRow(0), ScoreTableModel::WeightColumn), QStringLiteral("0"));
    QCOMPARE(cell(m, m.contextRow(), ScoreTableModel::AlignmentColumn), QStringLiteral("[5, 0, 1]"));
    QCOMPARE(cell(m, m.queryRow(), ScoreTableModel::StateColumn), QStringLiteral("[10, 5, 10]"));
    QVERIFY(m.headerData(ScoreTableModel::ScoreColumn, Qt::Horizontal).toString().contains(QStringLiteral("dot")));
}

void TestScoreTableModel::followsTheStep()
{
    ScoreTableModel m;
    m.setTrace(textbookTrace(2));
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    m.setStep(1);
    QCOMPARE(m.step(), 1);
    QVERIFY(changed.count() >= 1);
    QCOMPARE(cell(m, m.encoderRow(0), ScoreTableModel::ScoreColumn), QStringLiteral("1"));
    QCOMPARE(cell(m, m.encoderRow(2), ScoreTableModel::ScoreColumn), QStringLiteral("0"));
    QCOMPARE(cell(m, m.queryRow(), ScoreTableModel::StateColumn), QStringLiteral("[0, 0, 1]"));
}

void TestScoreTableModel::passesTheModelTester()
{
    ScoreTableModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.setTrace(textbookTrace());
    m.setTrace(textbookTrace(2));  // new shape: reset
    m.setStep(1);
    m.setTrace(textbookTrace(2));  // same shape: dataChanged
    m.setEditable(true);
    m.setTrace(nullptr);
    QCOMPARE(m.rowCount(), 0);
}

void TestScoreTableModel::editingEmitsChangedNumbers()
{
    ScoreTableModel m;
    m.setTrace(textbookTrace());
    const QModelIndex state = m.index(m.encoderRow(1), ScoreTableModel::StateColumn);
    QVERIFY(!(m.flags(state) & Qt::ItemIsEditable));  // read-only until the document allows editing
    QVERIFY(!m.setData(state, QStringLiteral("5, 0, 2")));
    m.setEditable(true);
    QVERIFY(m.flags(state) & Qt::ItemIsEditable);
    QVERIFY(!(m.flags(m.index(m.contextRow(), ScoreTableModel::StateColumn)) & Qt::ItemIsEditable));
    QCOMPARE(m.data(state, Qt::EditRole).toString(), QStringLiteral("5, 0, 1"));
    QSignalSpy spy(&m, &ScoreTableModel::stateEdited);
    QVERIFY(m.setData(state, QStringLiteral("[5 0 2.5]")));
    QCOMPARE(spy.count(), 1);  // only the number that changed
    QCOMPARE(spy.at(0).at(0).toBool(), false);
    QCOMPARE(spy.at(0).at(1).toInt(), 1);
    QCOMPARE(spy.at(0).at(2).toInt(), 2);
    QCOMPARE(spy.at(0).at(3).toDouble(), 2.5);
    QVERIFY(m.setData(m.index(m.queryRow(), ScoreTableModel::StateColumn), QStringLiteral("1, 5, 10")));
    QCOMPARE(spy.count(), 2);
    QCOMPARE(spy.at(1).at(0).toBool(), true);  // the decoder query of step 0
    QCOMPARE(spy.at(1).at(1).toInt(), 0);
    QCOMPARE(spy.at(1).at(2).toInt(), 0);
}

void TestScoreTableModel::badEditsAreRejected()
{
    ScoreTableModel m;
    m.setTrace(textbookTrace());
    m.setEditable(true);
    QSignalSpy edited(&m, &ScoreTableModel::stateEdited);
    QSignalSpy rejected(&m, &ScoreTableModel::editRejected);
    const QModelIndex state = m.index(m.encoderRow(0), ScoreTableModel::StateColumn);
    QVERIFY(!m.setData(state, QStringLiteral("1, 2")));
    QVERIFY(!m.setData(state, QStringLiteral("1, x, 2")));
    QVERIFY(!m.setData(state, QStringLiteral("1, inf, 2")));
    QCOMPARE(edited.count(), 0);
    QCOMPARE(rejected.count(), 3);
    QVERIFY(rejected.at(0).at(0).toString().contains(QStringLiteral("3 numbers")));
}

void TestScoreTableModel::copiesTabSeparated()
{
    ScoreTableModel m;
    m.setTrace(textbookTrace());
    const QModelIndexList two{m.index(m.encoderRow(1), ScoreTableModel::ScoreColumn),
                              m.index(m.encoderRow(1), ScoreTableModel::TokenColumn),
                              m.index(m.encoderRow(0), ScoreTableModel::TokenColumn),
                              m.index(m.encoderRow(0), ScoreTableModel::ScoreColumn)};
    QCOMPARE(m.textFor(two), QStringLiteral("token\tscore e_j (dot)\nI\t15\nam\t60"));
    QCOMPARE(m.textFor({m.index(m.encoderRow(3), ScoreTableModel::WeightColumn)}), QStringLiteral("0"));
}

void TestScoreTableModel::shadesWeights()
{
    ScoreTableModel m;
    m.setTrace(textbookTrace());
    // a_2 = 1 − 1.4e-11 (SPEC §1): the shade is the weight itself.
    QVERIFY(qAbs(m.data(m.index(m.encoderRow(1), ScoreTableModel::WeightColumn), ScoreTableModel::ShadeRole).toDouble() - 1.0) < 1e-10);
    QCOMPARE(m.data(m.index(m.encoderRow(1), ScoreTableModel::ScoreColumn), ScoreTableModel::ShadeRole).toDouble(), 1.0);
    QCOMPARE(m.data(m.index(m.encoderRow(0), ScoreTableModel::ScoreColumn), ScoreTableModel::ShadeRole).toDouble(), 0.0);
    QVERIFY(!m.data(m.index(m.contextRow(), ScoreTableModel::WeightColumn), ScoreTableModel::ShadeRole).isValid());
}

QTEST_MAIN(TestScoreTableModel)
#include "tst_score_table_model.moc"
