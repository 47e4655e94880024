#include "ui/graphs/architecture_view.h"

#include "core/model/model.h"
#include "ui/graphs/architecture_layout.h"
#include "ui/graphs/transformer_painter.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>

namespace attnviz::ui {

ArchitectureView::ArchitectureView(QWidget* parent) : ZoomPanWidget(parent)
{
    setMinimumSize(240, 160);
    setToolTip(QString());
}

void ArchitectureView::setModel(std::shared_ptr<const attnviz::Model> model)
{
    model_ = std::move(model);
    rebuild();
}

void ArchitectureView::setTrace(std::shared_ptr<const attnviz::Trace> trace)
{
    trace_ = std::move(trace);
    rebuild();
}

void ArchitectureView::setPosition(const attnviz::ui::StepPosition& pos)
{
    pos_ = pos;
    update();
}

void ArchitectureView::setAttentionLayer(int layer, const QString& heads)
{
    if (layer == attentionLayer_ && heads == attentionHeads_)
        return;
    if (layer != attentionLayer_ && graph_ && graph_->transformer())
        fitOnNextPaint();  // another layer picked: its cross-attention in the middle again
    attentionLayer_ = layer;
    attentionHeads_ = heads;
    update();
}

namespace {

// A transformer trace without its model: the layer and head counts and d_model its numbers show (no ff size).
// Nothing when the trace lacks them (no sizes are made up: the view then shows its hint).
std::optional<ModelConfig> configFromTrace(const Trace& trace)
{
    ModelConfig c = presetConfig(trace.architecture, 8, 8);
    c.ffSize = 0;
    for (const StepTrace& st : trace.steps) {
        if (!st.multiHead || st.multiHead->heads.empty() || st.multiHead->heads.front().empty() || st.multiHead->query.empty()
            || st.multiHead->query.front().empty())
            continue;
        const MultiHeadStep& mh = *st.multiHead;
        c.layers = c.decoderLayers = static_cast<int>(mh.heads.size());
        c.heads = static_cast<int>(mh.heads.front().size());
        c.hiddenSize = c.embeddingSize = c.heads * static_cast<int>(mh.query.front().front().size());
        if (trace.encoderSelfAttention.empty())
            return std::nullopt;
        c.encoderLayers = static_cast<int>(trace.encoderSelfAttention.size());
        return c;
    }
    return std::nullopt;
}

} // namespace

void ArchitectureView::rebuild()
{
    const int n = trace_ ? static_cast<int>(trace_->sourceTokens.size()) : 0;
    const int T = trace_ ? static_cast<int>(trace_->steps.size()) : 0;
    const auto old = graph_ ? std::make_tuple(graph_->preset, graph_->layers, graph_->sourceLength, graph_->targetLength)
                            : std::make_tuple(std::string(), 0, 0, 0);
    graph_.reset();
    try {
        if (model_ && (!trace_ || trace_->architecture.empty() || trace_->architecture == model_->architecture))
            graph_ = buildArchitectureGraph(*model_, std::max(1, n), T);
        else if (const std::optional<PresetShape> p = trace_ ? presetShape(trace_->architecture, trace_->score) : std::nullopt) {
            // a recurrent preset as core describes it for its id and score; a transformer as its numbers show it
            const std::optional<ModelConfig> c = p->topology.recurrent ? std::optional<ModelConfig>(p->config) : configFromTrace(*trace_);
            if (c)
                graph_ = buildArchitectureGraph(trace_->architecture, *c, presetTopology(trace_->architecture, *c), std::max(1, n), T);
        }
    } catch (const std::exception&) {
        graph_.reset();
    }
    bounds_ = graph_ ? layoutArchitecture(*graph_).bounds : QRectF();
    const auto now = graph_ ? std::make_tuple(graph_->preset, graph_->layers, graph_->sourceLength, graph_->targetLength)
                            : std::make_tuple(std::string(), 0, 0, 0);
    if (now != old)
        fitOnNextPaint();
    update();
}

QRectF ArchitectureView::sceneBounds() const { return bounds_; }

QPointF ArchitectureView::focusPoint() const
{
    if (!graph_)
        return bounds_.center();
    const ArchitectureLayout L = layoutArchitecture(*graph_);
    if (graph_->transformer()) {  // the cross-attention of the layer the window shows, in the middle
        const int cross = graph_->transformerNode(ArchNodeKind::CrossAttention, ArchSide::Decoder, highlightedLayer(*graph_, attentionLayer_));
        return cross >= 0 ? L.nodes[static_cast<std::size_t>(cross)].center() : bounds_.center();
    }
    if (L.stepX.empty())
        return bounds_.center();
    const auto i = static_cast<std::size_t>(std::clamp(pos_.step, 0, static_cast<int>(L.stepX.size()) - 1));
    return QPointF(L.stepX[i], bounds_.center().y());
}

QRectF ArchitectureView::sceneViewport() const
{
    return QRectF(rect()).adjusted(4, 52, -4, -24);  // room for the header and the legend
}

void ArchitectureView::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    if (!graph_) {
        p.fillRect(rect(), Qt::white);
        p.setPen(QColor(0x60, 0x60, 0x60));
        p.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                   tr("Open a model (or a trace saved from one) to see its architecture."));
        return;
    }
    takeFitPending();
    ArchitecturePaintOptions o;
    o.font = QFont(font().family(), 9);
    o.attentionLayer = attentionLayer_;
    o.attentionHeads = attentionHeads_;
    paintArchitecture(p, QRectF(rect()), *graph_, trace_.get(), pos_, viewTransform(), o);
}

bool ArchitectureView::event(QEvent* e)
{
    if (e->type() == QEvent::ToolTip && graph_) {
        auto* he = static_cast<QHelpEvent*>(e);
        const ArchitectureLayout L = layoutArchitecture(*graph_);
        const int node = architectureNodeAt(L, viewTransform().unmap(he->pos()));
        if (node >= 0)
            QToolTip::showText(he->globalPos(), describeNode(*graph_, node, trace_.get()), this);
        else
            QToolTip::hideText();
        return true;
    }
    return ZoomPanWidget::event(e);
}

} // namespace attnviz::ui
