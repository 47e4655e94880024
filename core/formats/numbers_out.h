#pragma once
// Numbers out (issue 13): a trace's attention numbers for a paper's own plots.
//
// CSV (long format, one number a row, for pandas / R / a spreadsheet):
//   t,target_token,quantity,index,source_token,value
//   quantity "score" or "weight": index j = 1..n (source_token: its label); "context": index k = 1..dk.
// NPZ (np.load): scores (m × n), weights (m × n), contexts (m × dk), queries (m × dq, when every step has one),
//   encoder_states (n × dk, when known), source_tokens (n) and target_tokens (m) as NumPy unicode arrays;
//   float64, C order, stored members. m = steps, n = source positions.
// Every step must have attention (a seq2seq model without attention has no numbers to write) and the
// same n and dk. Throws std::runtime_error naming the problem.
#include "core/formats/trace.h"

#include <string>

namespace attnviz {

std::string traceCsv(const Trace& trace);
// Written atomically (a temporary file in the same folder, then renamed). Throws std::runtime_error naming `file`.
void saveTraceNpz(const std::string& file, const Trace& trace);

} // namespace attnviz
