#include "ui/views/token_label.h"

#include "core/model/pieces.h"

namespace attnviz::ui {

QString tokenLabel(const std::string& token)
{
    return QString::fromStdString(pieceLabel(token));
}

} // namespace attnviz::ui
