#pragma once
// Merging SentencePiece pieces into words (SPEC §4 "Typed text": "views … can merge a word's pieces"): a
// source word's attention is the sum over its pieces, a target word's row the mean of its pieces' rows.
// Used by the window's "merge pieces into words" toggle, `export --merge-words` and `translate --json
// --merge-words`.
#include "core/formats/trace.h"

#include <vector>

namespace attnviz {

// Indices of the pieces of each word, in order: a word starts at a piece that starts a word ("▁red"), at
// the first piece, or at a special token (<eos>, <unk>, …); every other piece continues the word before it.
std::vector<std::vector<int>> wordGroups(const Tokens& pieces);

// The text of pieces joined: "▁" → a space between words (none at the start), byte pieces "<0xC3>" → their
// bytes (an incomplete UTF-8 sequence is shown as U+FFFD), other pieces as they are.
std::string joinPieces(const Tokens& pieces);
// A sentence's tokens as text for titles: joinPieces() when they are pieces, else joined by a space.
std::string tokensText(const Tokens& tokens);

// The trace at word level. Source: tokens are the words; weights summed over each word's pieces;
// alignment vectors summed likewise (Σ_j∈word a_j h_j); encoder states the mean of the word's pieces'
// states; scores are log(weight) (so that softmax(scores) = the merged weights). Target: one step per
// target word (its pieces' steps; the <eos> step stays a step of its own), with weights, alignment and
// context averaged over those steps, query and decoder states of the word's first step, token the
// word's text, prob the product of its pieces' probabilities, top-k of its first step. A trace whose tokens
// have no word-start marks (whitespace or char models) comes back unchanged.
Trace mergeWords(const Trace& trace);

} // namespace attnviz
