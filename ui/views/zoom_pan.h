#pragma once
// Zoom and pan shared by the architecture view and the beam view: a scene (laid out at scale 1) drawn
// through a ViewTransform. Wheel or Ctrl +/- zooms about the cursor/centre, dragging pans, F (or 0) fits.
#include <QPointF>
#include <QRectF>
#include <QWidget>

class QPainter;

namespace attnviz::ui {

// device = scene · zoom + offset
struct ViewTransform {
    double zoom = 1.0;
    QPointF offset;
    QPointF map(const QPointF& scene) const { return scene * zoom + offset; }
    QPointF unmap(const QPointF& device) const { return (device - offset) / zoom; }
};

// The transform that shows `scene` whole and centred in `viewport` (zoom capped at maxZoom).
ViewTransform fitTransform(const QRectF& scene, const QRectF& viewport, double maxZoom = 1.5);

// Starts a zoomable drawing in `rect`: clips to it, clears it to white, turns on antialiasing and applies
// `vt`. Pushes two painter states: the caller restores once to draw unzoomed overlays (headers, legends)
// inside the clip, and once more when done.
void beginViewCanvas(QPainter& p, const QRectF& rect, const ViewTransform& vt);
// The first view of a scene (issue 12: the Architecture and Beam tabs opened with 3–5 px text): the whole
// scene when it fits at `minZoom` or more; otherwise `minZoom`, centred on `focus` (scene coordinates) and
// kept from showing empty space beyond the scene's edges where the scene is larger than the viewport.
ViewTransform readableTransform(const QRectF& scene, const QRectF& viewport, double minZoom, const QPointF& focus, double maxZoom = 1.5);
// Zooms by `factor` keeping the scene point under `anchor` (device) in place; zoom stays in [0.05, 8].
ViewTransform zoomedAbout(const ViewTransform& t, double factor, const QPointF& anchor);

class ZoomPanWidget : public QWidget {
    Q_OBJECT
public:
    explicit ZoomPanWidget(QWidget* parent = nullptr);
    const ViewTransform& viewTransform() const { return transform_; }
    void setViewTransform(const ViewTransform& t);

public slots:
    void zoomIn();
    void zoomOut();
    void fit();

protected:
    // The scene's bounds (scale 1) and the part of the widget it is drawn in (for fit).
    virtual QRectF sceneBounds() const = 0;
    virtual QRectF sceneViewport() const { return QRectF(rect()); }
    // The first view after new content: never below this zoom (0: the whole scene), centred on focusPoint().
    virtual double readableZoom() const { return 0.0; }
    virtual QPointF focusPoint() const { return sceneBounds().center(); }
    void fitOnNextPaint() { fitPending_ = true; }
    bool takeFitPending();  // true once after fitOnNextPaint(); applies the fit

    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    // A click (press and release without dragging) at a device point.
    virtual void clicked(const QPointF& device) { (void)device; }

private:
    ViewTransform transform_;
    bool fitPending_ = true;
    bool fitted_ = true;  // the user has not zoomed or panned since the last fit
    bool dragging_ = false, moved_ = false;
    QPointF dragStart_, offsetStart_;
};

} // namespace attnviz::ui
