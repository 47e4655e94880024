#pragma once
// Tokens for people: a SentencePiece piece is shown without its raw word-start mark "▁" (core pieceLabel);
// word and character tokens are shown as they are.
#include <QString>

#include <string>

namespace attnviz::ui {

QString tokenLabel(const std::string& token);

} // namespace attnviz::ui
