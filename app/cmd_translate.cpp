// attnviz translate MODEL "sentence" [--beam K] [--json]
// attnviz translate MODEL --file FILE [--beam K] [--json]   (SPEC §6)
#include "app/args.h"
#include "app/commands.h"

#include "core/decoding.h"
#include "core/error.h"
#include "core/model.h"

#include <fstream>
#include <iostream>
#include <sstream>

namespace attnviz::app {

namespace {

// The trace document plus the beam's score when a beam was used.
json resultJson(const DecodeResult& r, int beam)
{
    json doc = traceToJson(r.best);
    if (beam > 1) {
        doc["beam"] = beam;
        doc["beam_score"] = r.bestScore;
    }
    return doc;
}

} // namespace

int cmdTranslate(const CommandArgs& argv)
{
    ArgSpec spec;
    spec.valueOptions = {"--beam", "--file", "--max-len"};
    spec.flags = {"--json"};
    spec.minPositional = 1;
    spec.maxPositional = 2;
    spec.usage = "attnviz translate MODEL \"sentence\" | --file FILE [--beam K] [--max-len N] [--json]";
    Args args(argv, spec);

    const bool fromFile = args.has("--file");
    if (fromFile == (args.positional().size() == 2))
        throw UsageError(fromFile ? "give either a sentence or --file FILE, not both; usage: " + spec.usage
                                  : "expected a sentence to translate (or --file FILE); usage: " + spec.usage);
    DecodeOptions options;
    options.beam = static_cast<int>(args.integer("--beam", 1, 1, 1000));
    options.maxLen = static_cast<int>(args.integer("--max-len", 0, 1, 100000));
    const bool asJson = args.has("--json");

    const Model model = loadModel(args.positional()[0]);
    const TokenizerKind tok = model.tokenizerKind();

    std::vector<std::string> sentences;
    if (fromFile) {
        const std::string file = args.value("--file");
        std::ifstream in(file);
        if (!in)
            throw InputError(file, "", "expected a readable text file (one sentence a line), found none");
        std::string line;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            sentences.push_back(line);
        }
    } else {
        sentences.push_back(args.positional()[1]);
    }

    std::ostringstream out;  // nothing reaches stdout unless every sentence was translated
    for (std::size_t i = 0; i < sentences.size(); ++i) {
        DecodeResult r;
        try {
            r = translate(model, sentences[i], options);
        } catch (const InputError& e) {
            if (!fromFile) throw;
            throw InputError(args.value("--file"), "line " + std::to_string(i + 1), e.detail());
        } catch (const ShapeError& e) {
            if (!fromFile) throw;
            throw InputError(args.value("--file"), "line " + std::to_string(i + 1), e.what());
        }
        if (asJson && fromFile)
            out << resultJson(r, options.beam).dump() << "\n";  // one trace a line (JSON Lines)
        else if (asJson)
            out << resultJson(r, options.beam).dump(1) << "\n";
        else
            out << detokenize(r.best.targetTokens, tok) << "\n";
    }
    std::cout << out.str() << std::flush;
    return 0;
}

} // namespace attnviz::app
