#pragma once
// The one loading path (issue 18): what a file holds and its contents, for the window and every command.
//
//   array file (.npz, .safetensors, .pt)   → an example built from hidden states (core/formats/array_file.h)
//   attnviz-example                          → the example (loadExampleAny)
//   attnviz-model                            → the model, through the streaming reader (loadModel: no document
//                                              tree, unknown weights refused as their name is read)
//   attnviz-trace                            → the trace (loadDocument under modelLimits, traceFromJson)
//   attnviz-timeline                         → the timeline (loadTimeline, timelineLimits)
//
// A document's "format" is found by a SAX pass that builds nothing and stops at the top-level "format" key
// (core/formats/json_io.h limits: regular file, size, nesting), so a large model is never parsed twice into memory.
// Every error is an InputError naming the file and the place.
#include "core/formats/example.h"
#include "core/formats/timeline.h"
#include "core/formats/trace.h"
#include "core/model/model.h"
#include "core/numeric/score_functions.h"

#include <optional>
#include <string>

namespace attnviz {

enum class FileContent { Example, Model, Trace, Timeline };

// "attnviz-model", "attnviz-example", … for a JSON/CBOR document (CBOR when the name ends in ".cbor"), or ""
// when the document has no string "format" at its top level or cannot be read that far (the loaders then say
// why, with the place). Throws InputError for a missing, non-regular or oversize file.
std::string documentFormat(const std::string& path);

struct AnyFile {
    FileContent content = FileContent::Example;
    std::optional<Example> example;   // content Example
    std::optional<Model> model;       // content Model
    std::optional<Trace> trace;       // content Trace
    std::optional<Timeline> timeline; // content Timeline
};

// Loads whatever `path` holds (see above). `score` chooses an example's score function (--score); it is
// ignored for the other contents. Throws InputError (file, JSON pointer, expected/found).
AnyFile loadAnyFile(const std::string& path, std::optional<ScoreKind> score = std::nullopt);

} // namespace attnviz
