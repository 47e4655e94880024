#include "ui/views/score_table_model.h"

#include <QColor>
#include "ui/views/token_label.h"

#include "core/formats/format.h"

#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace attnviz::ui {

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

QString vectorText(const Vec& v, int decimals = 4, Eigen::Index maxShown = 6)
{
    return qs(formatVector(v, decimals, maxShown));
}

// Full precision, for the editor: "0, 1, 1".
QString editText(const Vec& v)
{
    QStringList parts;
    for (Eigen::Index i = 0; i < v.size(); ++i)
        parts << QString::number(v(i), 'g', 15);
    return parts.join(QStringLiteral(", "));
}

} // namespace

ScoreTableModel::ScoreTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ScoreTableModel::setTrace(std::shared_ptr<const Trace> trace)
{
    const bool sameShape = trace && trace_ && trace->encoderStates.rows() == trace_->encoderStates.rows()
                           && trace->sourceTokens.size() == trace_->sourceTokens.size()
                           && trace->steps.size() == trace_->steps.size();
    if (sameShape) {
        trace_ = std::move(trace);
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
        return;
    }
    beginResetModel();
    trace_ = std::move(trace);
    step_ = trace_ && !trace_->steps.empty() ? std::clamp(step_, 0, static_cast<int>(trace_->steps.size()) - 1) : 0;
    endResetModel();
}

void ScoreTableModel::setStep(int step)
{
    StepPosition pos;
    pos.step = step;
    pos.stage = Stage::Feed;
    setPosition(pos);
}

void ScoreTableModel::setReveal(const Reveal& reveal)
{
    reveal_ = reveal;
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
}

bool ScoreTableModel::revealed(int row, int column) const
{
    StepPosition pos;
    pos.step = step_;
    pos.stage = stage_;
    if (row == contextRow() && column != TokenColumn)
        return reveal_.context(step_, pos);
    switch (column) {
    case ScoreColumn: return reveal_.scores(step_, pos);
    case WeightColumn: return reveal_.weights(step_, pos);
    case AlignmentColumn: return reveal_.alignment(step_, pos);
    default: return true;
    }
}

void ScoreTableModel::setPosition(const StepPosition& pos)
{
    if (pos.step == step_ && pos.stage == stage_)
        return;
    step_ = pos.step;
    stage_ = pos.stage;
    if (rowCount() > 0)
        emit dataChanged(index(0, 0), index(rowCount() - 1, ColumnCount - 1));
    emit headerDataChanged(Qt::Vertical, 0, std::max(0, rowCount() - 1));
}

void ScoreTableModel::setEditable(bool editable)
{
    if (editable == editable_)
        return;
    editable_ = editable;
    if (rowCount() > 0)
        emit dataChanged(index(0, StateColumn), index(rowCount() - 1, StateColumn));
}

void ScoreTableModel::setHighlightedSource(int j)
{
    if (j == highlight_)
        return;
    const int before = highlight_;
    highlight_ = j;
    for (int r : {before, j})
        if (r >= 0 && encoderRow(r) < rowCount())
            emit dataChanged(index(encoderRow(r), TokenColumn), index(encoderRow(r), TokenColumn), {Qt::BackgroundRole});
}

int ScoreTableModel::encoderCount() const
{
    // Precomputed attention may come without encoder states (issue 13): one row per source token then.
    return trace_ ? sourceLength(*trace_) : 0;
}

const StepTrace* ScoreTableModel::current() const
{
    if (!trace_ || step_ < 0 || step_ >= static_cast<int>(trace_->steps.size()))
        return nullptr;
    return &trace_->steps[static_cast<std::size_t>(step_)];
}

int ScoreTableModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() || !trace_ || trace_->steps.empty())
        return 0;
    return encoderCount() + 2;
}

int ScoreTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QString ScoreTableModel::displayText(int row, int column) const
{
    const StepTrace* st = current();
    if (!st)
        return {};
    const AttentionResult* att = st->attention ? &*st->attention : nullptr;
    if (row == queryRow()) {
        switch (column) {
        case TokenColumn: return QStringLiteral("query s%1").arg(st->t);
        case StateColumn: return st->query.size() ? vectorText(st->query) : QStringLiteral("—");
        default: return {};
        }
    }
    if (row == contextRow()) {
        switch (column) {
        case TokenColumn: return QStringLiteral("context c%1").arg(st->t);
        case WeightColumn: return att ? qs(formatNumber(att->weights.sum())) : QString();
        case AlignmentColumn: return att ? vectorText(att->context) : QStringLiteral("— (no attention)");
        default: return {};
        }
    }
    const int j = row - 1;
    switch (column) {
    case TokenColumn:
        return j < static_cast<int>(trace_->sourceTokens.size()) ? tokenLabel(trace_->sourceTokens[static_cast<std::size_t>(j)])
                                                                 : QStringLiteral("h%1").arg(j + 1);
    case StateColumn: return j < trace_->encoderStates.rows() ? vectorText(trace_->encoderStates.row(j).transpose()) : QString();
    // Precomputed attention may come without scores (issue 13): the cell stays empty.
    case ScoreColumn: return att && j < att->scores.size() ? qs(formatNumber(att->scores(j))) : QString();
    case WeightColumn: return att && j < att->weights.size() ? qs(formatNumber(att->weights(j))) : QString();
    case AlignmentColumn: return att && att->alignment.rows() > j ? vectorText(att->alignment.row(j).transpose()) : QString();
    default: return {};
    }
}

QVariant ScoreTableModel::shade(int row, int column) const
{
    const StepTrace* st = current();
    if (!st || !st->attention || row == queryRow() || row == contextRow())
        return {};
    const AttentionResult& att = *st->attention;
    const int j = row - 1;
    if ((column == WeightColumn || column == AlignmentColumn) && j < att.weights.size())
        return std::min(1.0, att.weights(j));
    if (column == ScoreColumn && j < att.scores.size()) {
        const double lo = att.scores.minCoeff(), hi = att.scores.maxCoeff();
        return hi > lo ? (att.scores(j) - lo) / (hi - lo) : 0.5;
    }
    return {};
}

QVariant ScoreTableModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount)
        return {};
    const int row = index.row(), column = index.column();
    if (role == Qt::BackgroundRole && column == TokenColumn && highlight_ >= 0 && row == encoderRow(highlight_))
        return QColor(0xfd, 0xe3, 0xcf);  // the hovered source position (light orange)
    if (!revealed(row, column) && role != Qt::TextAlignmentRole && role != Qt::EditRole)
        return {};  // not computed yet at this stage
    switch (role) {
    case Qt::DisplayRole: return displayText(row, column);
    case Qt::EditRole:
        if (column == StateColumn && row != contextRow()) {
            const StepTrace* st = current();
            if (row == queryRow())
                return st ? editText(st->query) : QString();
            return editText(trace_->encoderStates.row(row - 1).transpose());
        }
        return displayText(row, column);
    case Qt::ToolTipRole: {
        const StepTrace* st = current();
        if (!st)
            return {};
        if (column == StateColumn && row == queryRow())
            return QStringLiteral("decoder query s%1 = %2").arg(st->t).arg(vectorText(st->query, 6, 64));
        if (column == StateColumn && row != contextRow() && row - 1 < trace_->encoderStates.rows())
            return QStringLiteral("h%1 = %2%3").arg(row).arg(vectorText(trace_->encoderStates.row(row - 1).transpose(), 6, 64),
                                                             editable_ ? QStringLiteral("\nDouble-click to edit (what-if)") : QString());
        if (column == AlignmentColumn && st->attention && (row == contextRow() || row - 1 < st->attention->alignment.rows())) {
            const Vec v = row == contextRow() ? st->attention->context : Vec(st->attention->alignment.row(row - 1).transpose());
            return vectorText(v, 6, 64);
        }
        return {};
    }
    case Qt::TextAlignmentRole:
        // Scalars right-aligned (digits line up); tokens and vectors read from the left.
        return QVariant::fromValue(column == ScoreColumn || column == WeightColumn ? Qt::Alignment(Qt::AlignRight | Qt::AlignVCenter)
                                                                                   : Qt::Alignment(Qt::AlignLeft | Qt::AlignVCenter));
    case ShadeRole: return shade(row, column);
    default: return {};
    }
}

QVariant ScoreTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (orientation == Qt::Vertical)
        return section == queryRow() ? QStringLiteral("s") : section == contextRow() ? QStringLiteral("c") : QString::number(section);
    switch (section) {
    case TokenColumn: return QStringLiteral("token");
    case StateColumn: return trace_ && trace_->keys.rows() > 0 ? QStringLiteral("value V_j (this head)") : QStringLiteral("state h_j");
    case ScoreColumn: return trace_ && trace_->keys.rows() > 0 ? QStringLiteral("score e_j = q·K_j/√d_k")
                           : trace_ && !trace_->score.empty() ? QStringLiteral("score e_j (%1)").arg(qs(trace_->score))
                                                              : QStringLiteral("score e_j");
    case WeightColumn: return QStringLiteral("softmax a_j");
    case AlignmentColumn: return trace_ && trace_->keys.rows() > 0 ? QStringLiteral("weighted a_j·V_j") : QStringLiteral("alignment a_j·h_j");
    default: return {};
    }
}

Qt::ItemFlags ScoreTableModel::flags(const QModelIndex& index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && editable_ && index.column() == StateColumn && index.row() != contextRow())
        f |= Qt::ItemIsEditable;
    return f;
}

bool ScoreTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !(flags(index) & Qt::ItemIsEditable))
        return false;
    const StepTrace* st = current();
    if (!st)
        return false;
    const bool decoder = index.row() == queryRow();
    const Vec old = decoder ? st->query : Vec(trace_->encoderStates.row(index.row() - 1).transpose());
    const QStringList parts = value.toString().split(QRegularExpression(QStringLiteral("[\\s,;\\[\\]]+")), Qt::SkipEmptyParts);
    if (parts.size() != old.size()) {
        emit editRejected(QStringLiteral("Expected %1 numbers for this state, found %2.").arg(old.size()).arg(parts.size()));
        return false;
    }
    Vec next(old.size());
    for (int i = 0; i < parts.size(); ++i) {
        bool ok = false;
        next(i) = parts[i].toDouble(&ok);
        if (!ok || !std::isfinite(next(i))) {
            emit editRejected(QStringLiteral("Expected a finite number, found \"%1\".").arg(parts[i]));
            return false;
        }
    }
    const int row = decoder ? step_ : index.row() - 1;
    for (Eigen::Index i = 0; i < next.size(); ++i)
        if (next(i) != old(i))
            emit stateEdited(decoder, row, static_cast<int>(i), next(i));
    return true;
}

QString ScoreTableModel::textFor(const QModelIndexList& indexes) const
{
    std::set<int> columns;
    std::map<int, std::map<int, QString>> cells;
    for (const QModelIndex& i : indexes) {
        if (!i.isValid() || i.model() != this)
            continue;
        columns.insert(i.column());
        cells[i.row()][i.column()] = displayText(i.row(), i.column());
    }
    QStringList lines;
    if (columns.size() > 1) {
        QStringList head;
        for (int c : columns)
            head << headerData(c, Qt::Horizontal).toString();
        lines << head.join(QLatin1Char('\t'));
    }
    for (const auto& [row, byColumn] : cells) {
        QStringList line;
        for (int c : columns) {
            auto it = byColumn.find(c);
            line << (it == byColumn.end() ? QString() : it->second);
        }
        lines << line.join(QLatin1Char('\t'));
    }
    return lines.join(QLatin1Char('\n'));
}

} // namespace attnviz::ui
