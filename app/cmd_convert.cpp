// attnviz convert MODEL OUT.{json,cbor} [--float32] [--title TITLE] [--examples FILE]
// Rewrites a model file: JSON ↔ CBOR by OUT's extension; --float32 rounds the weights to single precision
// (a CBOR file shrinks to about 5/9 of its size); --title sets the title the window shows; --examples
// replaces the example sentences with FILE's non-blank lines. The model is loaded and checked in full
// first, and OUT is written atomically, so a bad input never leaves a half-written file.
#include "app/args.h"
#include "app/commands.h"

#include "core/formats/error.h"
#include "core/formats/json_io.h"
#include "core/model/model.h"
#include "core/train/tasks.h"

#include <iostream>

namespace attnviz::app {

int cmdConvert(const CommandArgs& argv)
{
    ArgSpec spec;
    spec.valueOptions = {"--title", "--examples"};
    spec.flags = {"--float32"};
    spec.minPositional = 2;
    spec.maxPositional = 2;
    spec.usage = "attnviz convert MODEL OUT.{json,cbor} [--float32] [--title TITLE] [--examples FILE]";
    const Args args(argv, spec);
    const std::string in = args.positional()[0], out = args.positional()[1];
    if (!endsWith(out, ".json") && !endsWith(out, ".cbor"))
        throw UsageError("OUT: expected a file name ending in .json or .cbor, found \"" + out + "\"; usage: " + spec.usage);

    Model model = loadModel(in);
    if (args.has("--examples")) {
        std::vector<std::string> examples;
        for (const std::string& line : readTextLines(args.value("--examples")))
            if (line.find_first_not_of(" \t") != std::string::npos)
                examples.push_back(line);
        if (examples.empty())
            throw InputError(args.value("--examples"), "", "expected example sentences (one a line), found none");
        model.examples = std::move(examples);
    }
    if (args.has("--title"))
        model.title = args.value("--title");
    if (args.has("--float32"))
        roundWeightsToFloat32(model);
    saveModel(model, out);
    std::cout << out << "\n";
    return 0;
}

} // namespace attnviz::app
