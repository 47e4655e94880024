#pragma once
// Colours a table cell by its ShadeRole value (0..1) through the current colour map; the text colour
// follows so the number stays readable. Turns a value into pixels and nothing else.
#include "ui/views/colormap.h"

#include <QStyledItemDelegate>

namespace attnviz::ui {

class ValueDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    explicit ValueDelegate(int shadeRole, QObject* parent = nullptr);
    void setColorMap(ColorMap map) { map_ = map; }
    ColorMap colorMap() const { return map_; }

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override;

private:
    int role_;
    ColorMap map_ = ColorMap::Viridis;
};

} // namespace attnviz::ui
