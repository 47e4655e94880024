#include "ui/views/zoom_pan.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

namespace {
constexpr double kMinZoom = 0.05, kMaxZoom = 8.0;
}

ViewTransform fitTransform(const QRectF& scene, const QRectF& viewport, double maxZoom)
{
    ViewTransform t;
    if (scene.width() <= 0 || scene.height() <= 0 || viewport.width() <= 0 || viewport.height() <= 0)
        return t;
    t.zoom = std::clamp(std::min(viewport.width() / scene.width(), viewport.height() / scene.height()), kMinZoom, maxZoom);
    t.offset = viewport.center() - scene.center() * t.zoom;
    return t;
}

ViewTransform readableTransform(const QRectF& scene, const QRectF& viewport, double minZoom, const QPointF& focus, double maxZoom)
{
    ViewTransform t = fitTransform(scene, viewport, maxZoom);
    if (t.zoom >= minZoom || scene.width() <= 0 || scene.height() <= 0 || viewport.width() <= 0 || viewport.height() <= 0)
        return t;
    t.zoom = std::min(minZoom, maxZoom);
    t.offset = viewport.center() - focus * t.zoom;
    auto clampAxis = [](double off, double s0, double s1, double v0, double v1, double z) {
        if ((s1 - s0) * z <= v1 - v0)  // fits along this axis: centre it
            return (v0 + v1) / 2 - (s0 + s1) / 2 * z;
        return std::clamp(off, v1 - s1 * z, v0 - s0 * z);  // no empty margin beyond the scene
    };
    t.offset.setX(clampAxis(t.offset.x(), scene.left(), scene.right(), viewport.left(), viewport.right(), t.zoom));
    t.offset.setY(clampAxis(t.offset.y(), scene.top(), scene.bottom(), viewport.top(), viewport.bottom(), t.zoom));
    return t;
}

ViewTransform zoomedAbout(const ViewTransform& t, double factor, const QPointF& anchor)
{
    ViewTransform r;
    r.zoom = std::clamp(t.zoom * factor, kMinZoom, kMaxZoom);
    const QPointF scene = t.unmap(anchor);
    r.offset = anchor - scene * r.zoom;
    return r;
}

ZoomPanWidget::ZoomPanWidget(QWidget* parent) : QWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);
    setMouseTracking(true);
}

void ZoomPanWidget::setViewTransform(const ViewTransform& t)
{
    transform_ = t;
    fitted_ = false;
    update();
}

void ZoomPanWidget::zoomIn()
{
    setViewTransform(zoomedAbout(transform_, 1.25, QRectF(rect()).center()));
}

void ZoomPanWidget::zoomOut()
{
    setViewTransform(zoomedAbout(transform_, 1 / 1.25, QRectF(rect()).center()));
}

void ZoomPanWidget::fit()
{
    transform_ = fitTransform(sceneBounds(), sceneViewport());
    fitted_ = true;
    fitPending_ = false;
    update();
}

bool ZoomPanWidget::takeFitPending()
{
    if (!fitPending_)
        return false;
    fitPending_ = false;
    transform_ = readableZoom() > 0 ? readableTransform(sceneBounds(), sceneViewport(), readableZoom(), focusPoint())
                                    : fitTransform(sceneBounds(), sceneViewport());
    fitted_ = true;
    return true;
}

void ZoomPanWidget::wheelEvent(QWheelEvent* e)
{
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0)
        return;
    setViewTransform(zoomedAbout(transform_, std::pow(1.15, steps), e->position()));
    e->accept();
}

void ZoomPanWidget::mousePressEvent(QMouseEvent* e)
{
    if (e->button() != Qt::LeftButton)
        return;
    dragging_ = true;
    moved_ = false;
    dragStart_ = e->position();
    offsetStart_ = transform_.offset;
}

void ZoomPanWidget::mouseMoveEvent(QMouseEvent* e)
{
    if (!dragging_)
        return;
    const QPointF d = e->position() - dragStart_;
    if (!moved_ && d.manhattanLength() < 4)
        return;
    moved_ = true;
    setCursor(Qt::ClosedHandCursor);
    ViewTransform t = transform_;
    t.offset = offsetStart_ + d;
    setViewTransform(t);
}

void ZoomPanWidget::mouseReleaseEvent(QMouseEvent* e)
{
    if (e->button() != Qt::LeftButton || !dragging_)
        return;
    dragging_ = false;
    unsetCursor();
    if (!moved_)
        clicked(e->position());
}

void ZoomPanWidget::keyPressEvent(QKeyEvent* e)
{
    if (e->key() == Qt::Key_F || e->key() == Qt::Key_0)
        fit();
    else if (e->key() == Qt::Key_Plus || e->key() == Qt::Key_Equal)
        zoomIn();
    else if (e->key() == Qt::Key_Minus)
        zoomOut();
    else
        QWidget::keyPressEvent(e);
}

void ZoomPanWidget::resizeEvent(QResizeEvent* e)
{
    QWidget::resizeEvent(e);
    if (fitted_)
        fitPending_ = true;
}

void beginViewCanvas(QPainter& p, const QRectF& rect, const ViewTransform& vt)
{
    p.save();
    p.setClipRect(rect);
    p.fillRect(rect, Qt::white);
    p.setRenderHint(QPainter::Antialiasing, true);
    p.save();
    p.setTransform(QTransform(vt.zoom, 0, 0, vt.zoom, vt.offset.x(), vt.offset.y()), true);
}

} // namespace attnviz::ui
