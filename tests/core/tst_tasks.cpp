// The built-in training tasks (core/train/tasks.h): every date form's exact text, true weekdays, ordinals,
// reverse, files, vocabularies and determinism by seed.
#include "core/formats/error.h"
#include "core/train/tasks.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <set>

using namespace attnviz;

class TestTasks : public QObject {
    Q_OBJECT
private slots:
    void dateForms_data();
    void dateForms();
    void weekdays();
    void ordinals();
    void civilRoundTrip();
    void generatedDates();
    void reverse();
    void determinism();
    void parallelFile();
    void vocab();
};

void TestTasks::dateForms_data()
{
    QTest::addColumn<int>("y");
    QTest::addColumn<int>("m");
    QTest::addColumn<int>("d");
    QTest::addColumn<int>("form");
    QTest::addColumn<QString>("text");
    const char* nov[kDateForms] = {"25 November 2026", "November 25, 2026", "nov 25 2026", "25 nov 2026",
                                   "Wednesday, November 25, 2026", "25.11.2026", "11/25/2026", "2026/11/25",
                                   "25th of November 2026", "Nov 25th, 2026"};
    const char* jan[kDateForms] = {"5 January 2026", "January 5, 2026", "jan 5 2026", "5 jan 2026",
                                   "Monday, January 5, 2026", "05.01.2026", "01/05/2026", "2026/01/05",
                                   "5th of January 2026", "Jan 5th, 2026"};
    for (int f = 0; f < kDateForms; ++f) {
        QTest::newRow(qPrintable(QString("2026-11-25 form %1").arg(f))) << 2026 << 11 << 25 << f << QString(nov[f]);
        QTest::newRow(qPrintable(QString("2026-01-05 form %1").arg(f))) << 2026 << 1 << 5 << f << QString(jan[f]);
    }
    QTest::newRow("1950-01-01 weekday") << 1950 << 1 << 1 << 4 << "Sunday, January 1, 1950";
    QTest::newRow("2049-12-31 weekday") << 2049 << 12 << 31 << 4 << "Friday, December 31, 2049";
    QTest::newRow("leap day") << 2000 << 2 << 29 << 4 << "Tuesday, February 29, 2000";
    QTest::newRow("2nd") << 1999 << 9 << 2 << 9 << "Sep 2nd, 1999";
    QTest::newRow("3rd") << 1999 << 5 << 3 << 8 << "3rd of May 1999";
    QTest::newRow("22nd") << 1961 << 6 << 22 << 9 << "Jun 22nd, 1961";
}

void TestTasks::dateForms()
{
    QFETCH(int, y);
    QFETCH(int, m);
    QFETCH(int, d);
    QFETCH(int, form);
    QFETCH(QString, text);
    QCOMPARE(QString::fromStdString(formatDate(y, m, d, form)), text);
}

void TestTasks::weekdays()
{
    QCOMPARE(weekdayName(2026, 11, 25), std::string("Wednesday"));
    QCOMPARE(weekdayName(1970, 1, 1), std::string("Thursday"));
    QCOMPARE(weekdayName(1999, 12, 31), std::string("Friday"));
    QCOMPARE(weekdayName(2026, 11, 29), std::string("Sunday"));
    QCOMPARE(weekdayName(2026, 11, 30), std::string("Monday"));
    QVERIFY_THROWS_EXCEPTION(ShapeError, formatDate(2026, 1, 1, 10));
    QVERIFY_THROWS_EXCEPTION(ShapeError, formatDate(2026, 13, 1, 0));
}

void TestTasks::ordinals()
{
    const std::vector<std::pair<int, const char*>> cases{{1, "1st"},   {2, "2nd"},   {3, "3rd"},   {4, "4th"},   {11, "11th"},
                                                         {12, "12th"}, {13, "13th"}, {21, "21st"}, {22, "22nd"}, {23, "23rd"},
                                                         {24, "24th"}, {30, "30th"}, {31, "31st"}};
    for (const auto& [d, s] : cases)
        QCOMPARE(ordinal(d), std::string(s));
}

void TestTasks::civilRoundTrip()
{
    QCOMPARE(daysFromCivil(1970, 1, 1), 0LL);
    QCOMPARE(daysFromCivil(2000, 3, 1) - daysFromCivil(2000, 2, 28), 2LL);  // leap year
    QCOMPARE(daysFromCivil(1900, 3, 1) - daysFromCivil(1900, 2, 28), 1LL);  // not a leap year
    for (long long z = daysFromCivil(1950, 1, 1); z <= daysFromCivil(2049, 12, 31); z += 37) {
        int y = 0, m = 0, d = 0;
        civilFromDays(z, y, m, d);
        QCOMPARE(daysFromCivil(y, m, d), z);
    }
}

void TestTasks::generatedDates()
{
    const std::vector<TextPair> pairs = generateDates(3000, 4);
    QCOMPARE(pairs.size(), std::size_t(3000));
    std::set<int> years;
    std::set<char> firstChars;
    for (const TextPair& p : pairs) {
        QCOMPARE(p.target.size(), std::size_t(10));
        const int y = std::stoi(p.target.substr(0, 4)), m = std::stoi(p.target.substr(5, 2)), d = std::stoi(p.target.substr(8, 2));
        QVERIFY(y >= 1950 && y <= 2049);
        years.insert(y);
        bool someForm = false;
        for (int f = 0; f < kDateForms; ++f)
            someForm = someForm || formatDate(y, m, d, f) == p.source;
        QVERIFY2(someForm, p.source.c_str());
        firstChars.insert(p.source[0]);
    }
    QVERIFY(years.size() > 90);                 // the whole century is covered
    QVERIFY(firstChars.count('W') || firstChars.count('M') || firstChars.count('T'));  // weekday form occurs
}

void TestTasks::reverse()
{
    const std::vector<TextPair> pairs = generateReverse(2000, 8);
    std::set<std::size_t> lengths;
    for (const TextPair& p : pairs) {
        QVERIFY(p.source.size() >= 3 && p.source.size() <= 20);
        lengths.insert(p.source.size());
        QCOMPARE(p.target, std::string(p.source.rbegin(), p.source.rend()));
        for (char c : p.source)
            QVERIFY((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
    }
    QCOMPARE(lengths.size(), std::size_t(18));
}

void TestTasks::determinism()
{
    const auto a = generateDates(50, 77), b = generateDates(50, 77), c = generateDates(50, 78);
    bool same = true, differ = false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        same = same && a[i].source == b[i].source && a[i].target == b[i].target;
        differ = differ || a[i].source != c[i].source;
    }
    QVERIFY(same);
    QVERIFY(differ);
    const TaskData t1 = makeTask("reverse", TaskOptions{100, 20, 5}), t2 = makeTask("reverse", TaskOptions{100, 20, 5});
    QCOMPARE(t1.train.back().source, t2.train.back().source);
    QVERIFY(t1.valid[0].source != t1.train[0].source);  // validation is a different stream
    QVERIFY_THROWS_EXCEPTION(InputError, makeTask("sorting", TaskOptions{}));
}

void TestTasks::parallelFile()
{
    QTemporaryDir dir;
    const std::string path = dir.filePath("c.tsv").toStdString();
    {
        std::ofstream f(path);
        f << "the cat\tel gato\r\n\n" << "a dog\tun perro\textra\n";
        for (int i = 0; i < 40; ++i)
            f << "w" << i << " x\ty" << i << "\n";
    }
    const std::vector<TextPair> pairs = readParallelFile(path);
    QCOMPARE(pairs.size(), std::size_t(42));
    QCOMPARE(pairs[0].target, std::string("el gato"));
    QCOMPARE(pairs[1].target, std::string("un perro"));
    const TaskData t = makeTask("file:" + path, TaskOptions{0, 1000, 3});
    QCOMPARE(t.tokenizer, TokenizerKind::Whitespace);
    QCOMPARE(t.valid.size(), std::size_t(2));  // 5 %
    QCOMPARE(t.train.size() + t.valid.size(), std::size_t(42));

    const std::string bad = dir.filePath("bad.tsv").toStdString();
    std::ofstream(bad) << "ok\tfine\nno tab here\n";
    try {
        readParallelFile(bad);
        QFAIL("no exception");
    } catch (const InputError& e) {
        QCOMPARE(e.where(), std::string("line 2"));
    }
    QVERIFY_THROWS_EXCEPTION(InputError, readParallelFile(dir.filePath("missing.tsv").toStdString()));

    // gzip input through `gzip -dc`
    if (std::system(("gzip -c " + path + " > " + path + ".gz").c_str()) == 0)
        QCOMPARE(readParallelFile(path + ".gz").size(), std::size_t(42));
}

void TestTasks::vocab()
{
    const std::vector<TextPair> pairs{{"a b a", "x"}, {"a c", "y y"}};
    const Tokens v = buildVocab(pairs, true, TokenizerKind::Whitespace, 1);
    QCOMPARE(v, (Tokens{"<pad>", "<sos>", "<eos>", "<unk>", "a", "b", "c"}));
    QCOMPARE(buildVocab(pairs, true, TokenizerKind::Whitespace, 2), (Tokens{"<pad>", "<sos>", "<eos>", "<unk>", "a"}));
    QCOMPARE(buildVocab(pairs, false, TokenizerKind::Char, 1), (Tokens{"<pad>", "<sos>", "<eos>", "<unk>", "y", " ", "x"}));
}

QTEST_GUILESS_MAIN(TestTasks)
#include "tst_tasks.moc"
