#pragma once
// One way in for every example file (issue 18): the window, `attnviz attend` and `attnviz export` ask
// detectFileKind() what a path holds and loadExampleAny() for the example, whether it is an
// attnviz-example document (JSON/CBOR) or hidden states from numerical tools (SPEC §5): a NumPy .npz,
// a .safetensors file or a torch.save .pt file. Limits of the three readers: core/formats/array_types.h.
//
// Arrays read (any other is ignored): encoder_states (n × dk), decoder_states (m × dq), score parameters
// W (dq × dk), W_q (da × dq), W_k (da × dk), v (da), b (da), W_loc (max_len × dq), b_loc (max_len);
// source_tokens (n) and target_tokens (m) as string arrays / metadata lists / lists of str.
#include "core/formats/array_types.h"
#include "core/formats/example.h"

#include <optional>
#include <string>

namespace attnviz {

enum class FileKind {
    Document,      // JSON or CBOR (attnviz-example, -model, -trace, …)
    Zip,           // .npz, or a .pt from torch.save (a zip holding NAME/data.pkl)
    Safetensors,   // 8-byte header length, JSON header, raw data
};

// Looks at the first bytes (and the name: *.safetensors, *.npz, *.pt, *.pth). Refuses a non-regular
// file, a file over 512 MiB, and a legacy (pre-zip) torch.save file, with InputError(path, "", …).
FileKind detectFileKind(const std::string& path);
// True for the array formats (not Document).
bool isArrayFile(FileKind kind);

// Reads an array file of that kind (whole file in memory, then the arrays AttnViz uses).
ArrayFile loadArrayFile(const std::string& path, FileKind kind, const ArrayLimits& limits = {});

// Builds an example from arrays: shapes, tokens and score parameters are checked as for a JSON example,
// messages name the array ("s.npz: encoder_states: expected …"). Without `kind`: dot when dq = dk, else
// the first of general, additive, location whose parameters the file holds, else dot (which then fails).
Example exampleFromArrays(const ArrayFile& arrays, const std::string& file, std::optional<ScoreKind> kind = std::nullopt);

// An attnviz-example document or an array file; `kind` overrides the score function (--score).
// Throws InputError (an attnviz-example whose "format" is something else is reported as for loadExample).
Example loadExampleAny(const std::string& path, std::optional<ScoreKind> kind = std::nullopt);

} // namespace attnviz
