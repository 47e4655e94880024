#include "ui/views/value_delegate.h"

namespace attnviz::ui {

ValueDelegate::ValueDelegate(int shadeRole, QObject* parent) : QStyledItemDelegate(parent), role_(shadeRole) {}

void ValueDelegate::initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    const QVariant v = index.data(role_);
    if (!v.isValid())
        return;
    const QColor c = colorAt(map_, v.toDouble());
    option->backgroundBrush = c;
    option->palette.setColor(QPalette::Text, textColorOn(c));
}

} // namespace attnviz::ui
