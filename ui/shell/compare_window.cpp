#include "ui/shell/compare_window.h"

#include "core/formats/trace.h"
#include "core/model/model.h"
#include "ui/export/compare_export.h"
#include "ui/shell/document.h"
#include "ui/views/heatmap_view.h"

#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QScreen>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

namespace attnviz::ui {

namespace {

QString outputText(const Document* d)
{
    const std::shared_ptr<const Trace> t = d->trace();
    const std::shared_ptr<const Model> m = d->model();
    if (!t || !m)
        return QString();
    return QString::fromStdString(m->detokenizeTarget(t->targetTokens));
}

bool attends(const std::shared_ptr<const Trace>& t)
{
    return t && !t->steps.empty() && t->steps.front().attention.has_value();
}

} // namespace

CompareWindow::CompareWindow(Document* main, const QString& otherModel, QWidget* parent)
    : QWidget(parent, Qt::Window), main_(main), other_(new Document(this))
{
    setWindowTitle(tr("Side by side — %1 vs %2").arg(QFileInfo(main->filePath()).completeBaseName(), QFileInfo(otherModel).completeBaseName()));
    auto* row = new QHBoxLayout(this);
    auto column = [&](HeatmapView*& view, QLabel*& out, QLabel*& note) {
        auto* col = new QVBoxLayout;
        out = new QLabel(this);
        out->setWordWrap(true);
        out->setTextInteractionFlags(Qt::TextSelectableByMouse);
        col->addWidget(out);
        view = new HeatmapView(this);
        view->setMinimumSize(300, 300);
        col->addWidget(view, 1);
        note = new QLabel(tr("No attention: the decoder sees the source only through the encoder's final state — one fixed-size "
                             "vector for the whole sentence, the bottleneck attention removes."),
                          this);
        note->setWordWrap(true);
        note->setAlignment(Qt::AlignCenter);
        note->hide();
        col->addWidget(note, 1);
        row->addLayout(col, 1);
    };
    column(a_, outA_, noteA_);
    column(b_, outB_, noteB_);
    QLabel* diffTitle = nullptr;
    QLabel* unused = nullptr;
    column(diff_, diffTitle, unused);
    diffTitle->setText(tr("Difference of the weights (A − B): blue where A looks more, red where B does"));
    diff_->setColorMap(ColorMap::RdBu);
    diff_->setValueRange(-1, 1, tr("weight A − B"));

    connect(main_, &Document::traceChanged, this, &CompareWindow::refresh);
    connect(other_, &Document::traceChanged, this, &CompareWindow::refresh);
    connect(other_, &Document::loadFailed, this, &CompareWindow::failed);
    connect(other_, &Document::recomputeFailed, this, &CompareWindow::failed);
    // B translates whatever A translates
    connect(other_, &Document::opened, this, [this] { other_->translate(main_->lastSentence(), 1); });
    connect(main_, &Document::decodeResultChanged, this, [this] {
        if (other_->model() && main_->lastSentence() != other_->lastSentence())
            other_->translate(main_->lastSentence(), 1);
    });
    // after the constructor, so whoever created the window is connected to failed() first
    QTimer::singleShot(0, other_, [this, otherModel] { other_->openFile(otherModel); });
    const QRect screen = this->screen() ? this->screen()->availableGeometry() : QRect(0, 0, 1280, 800);
    resize(std::min(1400, screen.width() - 40), std::min(620, screen.height() - 80));
    refresh();
}

void CompareWindow::setPosition(const StepPosition& pos)
{
    pos_ = pos;
    a_->setPosition(pos);
    // The two translations may differ in length: when A is at its last step, B (and the difference) show theirs
    // in full too.
    const std::shared_ptr<const Trace> ta = main_->trace(), tb = other_->trace();
    StepPosition pb = pos;
    if (ta && tb && !tb->steps.empty() && pos.step >= static_cast<int>(ta->steps.size()) - 1)
        pb.step = std::max(pos.step, static_cast<int>(tb->steps.size()) - 1);
    b_->setPosition(pb);
    diff_->setPosition(pb);
}

void CompareWindow::refresh()
{
    const std::shared_ptr<const Trace> ta = main_->trace(), tb = other_->trace();
    outA_->setText(tr("<b>A: %1</b> → %2").arg(QFileInfo(main_->filePath()).completeBaseName().toHtmlEscaped(), outputText(main_).toHtmlEscaped()));
    outB_->setText(tr("<b>B: %1</b> → %2").arg(QFileInfo(other_->filePath()).completeBaseName().toHtmlEscaped(), outputText(other_).toHtmlEscaped()));
    a_->setTrace(ta);
    b_->setTrace(tb);
    a_->setVisible(attends(ta));
    noteA_->setVisible(ta && !attends(ta));
    b_->setVisible(attends(tb));
    noteB_->setVisible(tb && !attends(tb));
    diff_->setTrace(ta && tb ? std::make_shared<const Trace>(weightDifference(*ta, *tb)) : nullptr);
    setPosition(pos_);
}

} // namespace attnviz::ui
