// UI paint benchmarks (issue 5), a plain program (no Google Benchmark needed): prints the median of
//   - one step-view frame (paintStepView) at n = 50 source states, d = 256, 1280 × 800, cycling through
//     every stage at several progress values (goal: median < 8 ms, 60 fps), and at the textbook size;
//   - one heatmap update at 200 × 200 (setPosition to a new step + immediate replot, 800 × 800 widget;
//     goal: < 16 ms);
//   - start to the first painted frame: the program runs itself again with --first-frame (9 times); each child
//     takes the time at the top of main (before QApplication), builds MainWindow with the built-in example,
//     shows it and stops after the step view's first paint event has been handled. Reported: the child's own
//     time (main → painted) and the time from the parent's QProcess::start (adds exec and dynamic loading).
// Run: QT_QPA_PLATFORM=offscreen ./attnviz_ui_bench
#include "ui/shell/main_window.h"
#include "ui/step/step_renderer.h"
#include "ui/step/step_view.h"
#include "ui/views/heatmap_view.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QElapsedTimer>
#include <QImage>

#include <ctime>
#include <QPainter>
#include <QProcess>
#include <QTimer>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

using namespace attnviz;
using namespace attnviz::ui;

namespace {

// T steps over n source states of size d; weights a valid softmax of random scores.
std::shared_ptr<Trace> synthetic(int n, int d, int T)
{
    std::mt19937 rng(1);
    std::normal_distribution<double> N(0, 1);
    auto t = std::make_shared<Trace>();
    t->title = "benchmark";
    t->architecture = "luong";
    t->score = "general";
    for (int j = 0; j < n; ++j) t->sourceTokens.push_back("w" + std::to_string(j));
    t->encoderStates = Mat(n, d);
    for (Eigen::Index i = 0; i < t->encoderStates.size(); ++i) t->encoderStates.data()[i] = N(rng);
    for (int s = 0; s < T; ++s) {
        StepTrace st;
        st.t = s + 1;
        st.query = Vec(d);
        for (int i = 0; i < d; ++i) st.query(i) = N(rng);
        AttentionResult a;
        a.scores = t->encoderStates * st.query / std::sqrt(static_cast<double>(d));
        const Vec w = (a.scores.array() - a.scores.maxCoeff()).exp();
        a.weights = w / w.sum();
        a.alignment = a.weights.asDiagonal() * t->encoderStates;
        a.context = a.alignment.colwise().sum().transpose();
        st.attention = a;
        st.token = "y" + std::to_string(s);
        st.prob = 0.5;
        st.topK = {{st.token, 1, 0.5}, {"z", 2, 0.3}};
        t->targetTokens.push_back(st.token);
        t->steps.push_back(st);
    }
    return t;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// CPU milliseconds used by the whole process (every thread: Qt hands large fills to its thread pool).
double processCpuMs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Median wall-clock milliseconds of a frame; *cpuMedian gets the median process CPU milliseconds (on a shared
// virtual machine the wall clock also counts time the host gave to others).
double stepFrames(const Trace& t, QSize size, int frames, double* cpuMedian = nullptr, std::vector<double>* cpuByStage = nullptr)
{
    std::vector<std::vector<double>> byStage(kStageCount);
    QImage img(size, QImage::Format_RGB32);
    StepRenderOptions opt;
    opt.font = defaultStepFont();
    std::vector<double> ms, cpu;
    QElapsedTimer timer;
    for (int f = 0; f < frames; ++f) {
        StepPosition pos = StepPosition::fromIndex(f % (static_cast<int>(t.steps.size()) * kStageCount), (f % 7) / 6.0);
        const double c0 = processCpuMs();
        timer.start();
        QPainter p(&img);
        paintStepView(p, QRectF(QPointF(0, 0), QSizeF(size)), t, pos, opt);
        p.end();
        if (f >= 5) {  // first frames warm the font caches
            ms.push_back(timer.nsecsElapsed() / 1e6);
            cpu.push_back(processCpuMs() - c0);
            byStage[static_cast<std::size_t>(pos.stage)].push_back(cpu.back());
        }
    }
    if (cpuMedian)
        *cpuMedian = median(cpu);
    if (cpuByStage) {
        cpuByStage->clear();
        for (const auto& v : byStage)
            cpuByStage->push_back(median(v));
    }
    return median(ms);
}

// Wall-clock milliseconds since the epoch (comparable between the parent and child processes).
double wallMs()
{
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count() / 1e3;
}

// Child: prints "<wall ms at first painted frame> <ms from main to it>" and exits.
int firstFrame(int argc, char** argv, double mainStart)
{
    QApplication app(argc, argv);
    MainWindow window;
    window.openBuiltInExample();
    struct PaintWatch : QObject {
        double start = 0;
        bool seen = false;
        bool eventFilter(QObject*, QEvent* e) override
        {
            if (e->type() == QEvent::Paint && !seen) {
                seen = true;
                // Queued: runs once this paint event (and the flush) has been handled.
                QTimer::singleShot(0, [this] {
                    const double now = wallMs();
                    std::printf("%.3f %.3f\n", now, now - start);
                    std::fflush(stdout);
                    QCoreApplication::quit();
                });
            }
            return false;
        }
    } watch;
    watch.start = mainStart;
    window.stepView()->installEventFilter(&watch);
    window.show();
    return QApplication::exec();
}

// Parent: runs `self --first-frame` `runs` times; medians of the in-process and from-launch times.
void startToFirstFrame(const QString& self, int runs)
{
    std::vector<double> inProcess, fromLaunch;
    for (int r = 0; r < runs; ++r) {
        QProcess child;
        const double launched = wallMs();
        child.start(self, {QStringLiteral("--first-frame")});
        if (!child.waitForFinished(60000) || child.exitCode() != 0) {
            std::printf("start to first frame: run %d failed\n", r);
            return;
        }
        const QList<QByteArray> f = child.readAllStandardOutput().trimmed().split(' ');
        if (f.size() != 2) {
            std::printf("start to first frame: run %d printed nothing\n", r);
            return;
        }
        inProcess.push_back(f[1].toDouble());
        fromLaunch.push_back(f[0].toDouble() - launched);
    }
    std::printf("start to first painted step-view frame (MainWindow, built-in example), %d runs: median %.1f ms "
                "from main(), %.1f ms from process launch\n",
                runs, median(inProcess), median(fromLaunch));
}

} // namespace

int main(int argc, char** argv)
{
    const double mainStart = wallMs();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    if (argc > 1 && std::strcmp(argv[1], "--first-frame") == 0)
        return firstFrame(argc, argv, mainStart);
    QApplication app(argc, argv);

    const auto big = synthetic(50, 256, 3);
    const auto small = synthetic(4, 3, 3);
    double cpu = 0;
    std::vector<double> byStage;
    const double wall = stepFrames(*big, {1280, 800}, 200, &cpu, &byStage);
    std::printf("step view frame, n=50 d=256, 1280x800: median %.2f ms wall, %.2f ms CPU (goal < 8)\n", wall, cpu);
    std::printf("  CPU median by stage:");
    for (std::size_t k = 0; k < byStage.size(); ++k)
        std::printf(" %zu: %.2f", k, byStage[k]);
    std::printf(" ms\n");
    std::printf("step view frame, n=4 d=3, 1280x800:    median %.2f ms\n", stepFrames(*small, {1280, 800}, 200));

    const auto heat = synthetic(200, 8, 200);
    HeatmapView view;
    view.resize(800, 800);
    view.setTrace(heat);
    view.show();  // lays the plot out (offscreen platform: nothing appears)
    QCoreApplication::processEvents();
    view.plot()->replot(QCustomPlot::rpImmediateRefresh);
    std::vector<double> ms;
    QElapsedTimer timer;
    for (int k = 0; k < 120; ++k) {
        StepPosition pos;
        pos.step = (k * 37) % 200;
        timer.start();
        view.setPosition(pos);
        view.plot()->replot(QCustomPlot::rpImmediateRefresh);
        if (k >= 3) ms.push_back(timer.nsecsElapsed() / 1e6);
    }
    std::printf("heatmap update 200x200 (setPosition + replot), 800x800: median %.2f ms (goal < 16)\n", median(ms));
    startToFirstFrame(QCoreApplication::applicationFilePath(), 9);
    return 0;
}
