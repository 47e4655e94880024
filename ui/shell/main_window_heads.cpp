// The head picker (issues 13 and 16): the layer and head combo boxes in the input bar, the Heads dock with every
// head's small multiple, and View → Next/Previous head and layer. Every view shows core's selectHeads view of the
// document's trace; the default (the last layer's mean) is the document's trace itself.
#include "ui/shell/main_window.h"

#include "ui/graphs/architecture_view.h"
#include "ui/shell/view_hub.h"
#include "ui/views/heads_view.h"

#include <QAction>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QMenu>
#include <QStatusBar>
#include <QToolBar>

namespace attnviz::ui {

namespace {

// The head combo's rows: 0 = mean, 1 = max, 2 + i = head i.
int headRow(HeadSelection sel)
{
    return sel.mode == HeadMode::Mean ? 0 : sel.mode == HeadMode::Max ? 1 : 2 + sel.head;
}

HeadSelection fromRows(int layer, int row)
{
    if (row <= 0) return {layer, HeadMode::Mean, 0};
    if (row == 1) return {layer, HeadMode::Max, 0};
    return {layer, HeadMode::One, row - 2};
}

} // namespace

void MainWindow::buildHeadInputs(QToolBar* bar)
{
    layerBox_ = new QComboBox(bar);
    layerBox_->setToolTip(tr("Decoder layer whose cross-attention every view shows (L and Shift+L)"));
    headBox_ = new QComboBox(bar);
    headBox_->setToolTip(tr("One head, or the mean or maximum over the layer's heads (H and Shift+H). The mean is a "
                            "distribution; the maximum is not (it sums to 1 or more)."));
    headInputs_ << bar->addWidget(new QLabel(tr(" Attention: "), bar)) << bar->addWidget(layerBox_) << bar->addWidget(headBox_);
    for (QAction* a : headInputs_)
        a->setVisible(false);
    auto picked = [this] { setHeadSelection(fromRows(layerBox_->currentIndex(), headBox_->currentIndex())); };
    connect(layerBox_, &QComboBox::activated, this, picked);
    connect(headBox_, &QComboBox::activated, this, picked);
}

void MainWindow::buildHeadsDock(QDockWidget* tabWith)
{
    headsView_ = new HeadsView(this);
    auto* dock = new QDockWidget(tr("Heads"), this);
    dock->setObjectName(QStringLiteral("headsDock"));
    dock->setWidget(headsView_);
    addDockWidget(Qt::RightDockWidgetArea, dock);
    tabifyDockWidget(tabWith, dock);
    connect(headsView_, &HeadsView::selectionChanged, this, &MainWindow::setHeadSelection);
}

void MainWindow::buildHeadActions(QMenu* view)
{
    QMenu* heads = view->addMenu(tr("&Attention heads"));
    const struct {
        const char* text;
        const char* key;
        bool layer;
        int delta;
    } items[] = {{"&Next head", "H", false, 1}, {"&Previous head", "Shift+H", false, -1}, {"Next &layer", "L", true, 1}, {"Previous l&ayer", "Shift+L", true, -1}};
    for (const auto& item : items) {
        QAction* a = heads->addAction(tr(item.text));
        a->setShortcut(QKeySequence(QString::fromLatin1(item.key)));
        const bool layer = item.layer;
        const int delta = item.delta;
        connect(a, &QAction::triggered, this, [this, layer, delta] { layer ? stepLayer(delta) : stepHead(delta); });
    }
    heads->addSeparator();
    heads->addAction(tr("&Default (last layer, mean)"), this, [this] { setHeadSelection({}); });
}

void MainWindow::updateHeadInputs()
{
    const HeadShape shape = hub_->headShape();
    const bool show = !shape.empty();
    for (QAction* a : headInputs_)
        a->setVisible(show);
    if (!show) {
        arch_->setAttentionLayer(-1, QString());
        return;
    }
    if (layerBox_->count() != shape.layers || headBox_->count() != shape.heads + 2) {  // a new shape: the default view
        const QSignalBlocker b1(layerBox_), b2(headBox_);
        layerBox_->clear();
        for (int l = 0; l < shape.layers; ++l)
            layerBox_->addItem(tr("layer %1").arg(l + 1));
        headBox_->clear();
        headBox_->addItem(tr("mean of %1 heads").arg(shape.heads));
        headBox_->addItem(tr("max over heads"));
        for (int i = 0; i < shape.heads; ++i)
            headBox_->addItem(tr("head %1").arg(i + 1));
    }
    const HeadSelection sel = hub_->headSelection();  // a new shape started on the default (ViewHub::setDocument)
    const QSignalBlocker b1(layerBox_), b2(headBox_);
    layerBox_->setCurrentIndex(sel.layer);
    headBox_->setCurrentIndex(headRow(sel));
    // the architecture view frames the picked layer and says which heads the other views show
    const QString shown = QString::fromStdString(describeSelection(sel, shape));
    arch_->setAttentionLayer(sel.layer, shown.mid(shown.indexOf(QStringLiteral(" · ")) + 3));
}

void MainWindow::setHeadSelection(HeadSelection sel)
{
    const HeadShape shape = hub_->headShape();
    if (shape.empty())
        return;
    const bool changed = hub_->setHeadSelection(sel);  // the views follow
    updateHeadInputs();
    if (!changed)
        return;
    updateWhatIf();
    statusBar()->showMessage(tr("Showing %1").arg(QString::fromStdString(describeSelection(hub_->headSelection(), shape))), 4000);
}

void MainWindow::stepHead(int delta)
{
    const HeadShape shape = hub_->headShape();
    if (shape.empty())
        return;
    const HeadSelection sel = hub_->headSelection();
    const int rows = shape.heads + 2;
    setHeadSelection(fromRows(sel.layer, ((headRow(sel) + delta) % rows + rows) % rows));
}

void MainWindow::stepLayer(int delta)
{
    const HeadShape shape = hub_->headShape();
    if (shape.empty())
        return;
    HeadSelection sel = hub_->headSelection();
    sel.layer = ((sel.layer + delta) % shape.layers + shape.layers) % shape.layers;
    setHeadSelection(sel);
}

} // namespace attnviz::ui
