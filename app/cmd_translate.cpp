// attnviz translate MODEL "sentence" [--beam K] [--json]
// attnviz translate MODEL --file FILE [--beam K] [--json]   (SPEC §6)
// attnviz translate MODEL "sentence" [--prefix "target text"] [--attention-override FILE]   what-if (SPEC §4)
// --precision float32|float64: the products of decoding (default float32, the precision models ship in;
// float64 is the reference, within 1e-4 of it — core/model/inference.h)
// attnviz translate MODEL --file FILE --ref REF [--buckets 6,8,10,12]   + corpus BLEU-4 (issue 7), by source words
//   The translations still go to stdout, one a line; the BLEU report (corpus BLEU, n-gram precisions,
//   brevity penalty, and BLEU by source length) goes to stderr, so `> out.txt` keeps a clean file and
//   the score stays on the terminal. Hypotheses and references are compared as whitespace tokens.
#include "app/args.h"
#include "app/commands.h"

#include "core/model/merge_words.h"
#include "core/train/bleu.h"
#include "core/model/decoding.h"
#include "core/formats/error.h"
#include "core/model/model.h"
#include "core/train/tasks.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <limits>
#include <sstream>

namespace attnviz::app {

namespace {

// The trace document plus the beam's score when a beam was used.
json resultJson(const DecodeResult& r, int beam, bool mergeWordsToo)
{
    json doc = traceToJson(mergeWordsToo ? mergeWords(r.best) : r.best);
    if (beam > 1) {
        doc["beam"] = beam;
        doc["beam_score"] = r.bestScore;
    }
    return doc;
}

// "6,8,10,12" → {6, 8, 10, 12}: strictly increasing positive bounds.
std::vector<int> parseBuckets(const std::string& text)
{
    const std::string error = "--buckets: expected strictly increasing positive lengths like 6,8,10,12, found \"" + text + "\"";
    std::vector<int> out;
    std::size_t start = 0;
    while (true) {  // every comma-separated part must be 1–6 digits: no signs, spaces or empty parts
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string part = text.substr(start, end - start);
        if (part.empty() || part.size() > 6 || part.find_first_not_of("0123456789") != std::string::npos)
            throw UsageError(error);
        const int v = std::stoi(part);
        if (v < 1 || (!out.empty() && v <= out.back()))
            throw UsageError(error);
        out.push_back(v);
        if (end == text.size())
            break;
        start = end + 1;
    }
    return out;
}

std::string bucketLabel(const LengthBucket& b)
{
    if (b.maxLength == std::numeric_limits<int>::max())
        return std::to_string(b.minLength) + "+";
    return b.minLength == b.maxLength ? std::to_string(b.minLength)
                                      : std::to_string(b.minLength) + "-" + std::to_string(b.maxLength);
}

// The length of a source sentence as its reader counts it: words between spaces ("fast." is one word), whatever
// the model's tokenizer makes of them (pieces, or a word model's separate "."), so that every model's table of BLEU
// by length buckets the same sentences.
int wordCount(const std::string& sentence)
{
    int words = 0;
    bool inWord = false;
    for (const char c : sentence) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (!space && !inWord)
            ++words;
        inWord = !space;
    }
    return words;
}

// The BLEU report for stderr.
std::string bleuReport(const std::vector<BleuStats>& perSentence, const std::vector<int>& sourceLengths,
                       const std::vector<int>& bounds)
{
    BleuStats total;
    for (const BleuStats& s : perSentence)
        total += s;
    char line[256];
    std::ostringstream o;
    std::snprintf(line, sizeof line,
                  "BLEU %.2f on %zu sentences (n-gram precision %.1f/%.1f/%.1f/%.1f, brevity penalty %.3f, "
                  "hypothesis %lld / reference %lld tokens)\n",
                  bleuScore(total), perSentence.size(), 100 * total.precision(1), 100 * total.precision(2),
                  100 * total.precision(3), 100 * total.precision(4), total.brevityPenalty(), total.hypLength,
                  total.refLength);
    o << line << "source words   sentences   BLEU\n";
    for (const LengthBucket& b : bleuByLength(sourceLengths, perSentence, bounds)) {
        if (b.bleu)
            std::snprintf(line, sizeof line, "%-13s  %9d  %5.2f\n", bucketLabel(b).c_str(), b.sentences, *b.bleu);
        else
            std::snprintf(line, sizeof line, "%-13s  %9d      -\n", bucketLabel(b).c_str(), b.sentences);
        o << line;
    }
    return o.str();
}

} // namespace

int cmdTranslate(const CommandArgs& argv)
{
    ArgSpec spec;
    spec.valueOptions = {"--beam", "--file", "--max-len", "--ref", "--buckets", "--prefix", "--attention-override", "--precision"};
    spec.flags = {"--json", "--merge-words"};
    spec.minPositional = 1;
    spec.maxPositional = 2;
    spec.usage = "attnviz translate MODEL \"sentence\" | --file FILE [--ref REFERENCES [--buckets 6,8,10,12]] [--beam K] "
                 "[--max-len N] [--prefix \"target text\"] [--attention-override OVERRIDE.json] [--precision float32|float64] [--json [--merge-words]]";
    Args args(argv, spec);

    const bool fromFile = args.has("--file");
    if (fromFile == (args.positional().size() == 2))
        throw UsageError(fromFile ? "give either a sentence or --file FILE, not both; usage: " + spec.usage
                                  : "expected a sentence to translate (or --file FILE); usage: " + spec.usage);
    DecodeOptions options;
    options.beam = static_cast<int>(args.integer("--beam", 1, 1, 1000));
    options.maxLen = static_cast<int>(args.integer("--max-len", 0, 1, 100000));
    options.precision = *precisionFromId(precisionOption(args));
    const bool asJson = args.has("--json");
    const bool mergeWordsFlag = args.has("--merge-words");
    if (mergeWordsFlag && !asJson)
        throw UsageError("--merge-words shapes the --json trace (plain output is already words); usage: " + spec.usage);
    const bool scoring = args.has("--ref");
    if (scoring && !fromFile)
        throw UsageError("--ref needs --file FILE (the sentences the references translate); usage: " + spec.usage);
    if (args.has("--buckets") && !scoring)
        throw UsageError("--buckets needs --ref REFERENCES; usage: " + spec.usage);
    const std::vector<int> bounds = parseBuckets(args.value("--buckets", "6,8,10,12"));
    const bool prefixGiven = args.has("--prefix"), overrideGiven = args.has("--attention-override");
    if (fromFile && (prefixGiven || overrideGiven))
        throw UsageError(std::string(prefixGiven ? "--prefix" : "--attention-override")
                         + " asks about one sentence; give the sentence instead of --file; usage: " + spec.usage);
    if (overrideGiven) {  // checked before the model is read, so a bad file is reported as such
        options.overrideFile = args.value("--attention-override");
        options.overrides = loadOverrides(options.overrideFile);
    }

    const Model model = loadModel(args.positional()[0]);
    if (prefixGiven) {
        const std::string text = args.value("--prefix");
        options.prefix = targetPrefixIds(model, text);
        if (options.prefix.empty())
            throw InputError("", "prefix", "expected at least one target token, found \"" + printable(text) + "\"");
    }

    std::vector<std::string> sentences, references;
    if (fromFile) {
        sentences = readTextLines(args.value("--file"));  // ".gz" is read through gzip -dc
        if (scoring) {
            references = readTextLines(args.value("--ref"));
            if (references.size() != sentences.size())
                throw InputError(args.value("--ref"), "",
                                 "expected one reference per sentence of " + args.value("--file") + " ("
                                     + std::to_string(sentences.size()) + " lines), found " + std::to_string(references.size())
                                     + " lines");
            if (sentences.empty())
                throw InputError(args.value("--file"), "", "expected at least one sentence to score, found an empty file");
        }
    } else {
        sentences.push_back(args.positional()[1]);
    }
    std::vector<BleuStats> perSentence;
    std::vector<int> sourceLengths;

    std::ostringstream out;  // nothing reaches stdout unless every sentence was translated
    for (std::size_t i = 0; i < sentences.size(); ++i) {
        DecodeResult r;
        try {
            r = translate(model, sentences[i], options);
        } catch (const InputError& e) {
            if (!fromFile || !e.file().empty()) throw;  // a problem of the sentence, or of the model's own file
            throw InputError(args.value("--file"), "line " + std::to_string(i + 1), e.detail());
        } catch (const ShapeError& e) {
            if (!fromFile) throw;
            throw InputError(args.value("--file"), "line " + std::to_string(i + 1), e.what());
        }
        if (asJson && fromFile)
            out << resultJson(r, options.beam, mergeWordsFlag).dump() << "\n";  // one trace a line (JSON Lines)
        else if (asJson)
            out << resultJson(r, options.beam, mergeWordsFlag).dump(1) << "\n";
        else
            out << model.detokenizeTarget(r.best.targetTokens) << "\n";
        if (scoring) {
            perSentence.push_back(bleuStats(model.detokenizeTarget(r.best.targetTokens), references[i]));
            sourceLengths.push_back(wordCount(sentences[i]));
        }
    }
    std::cout << out.str() << std::flush;
    if (scoring) {
        BleuStats total;
        for (const BleuStats& s : perSentence)
            total += s;
        if (total.hypLength == 0 && total.refLength == 0)
            throw InputError(args.value("--ref"), "", "expected some reference or translated words to score, found none");
        std::cerr << bleuReport(perSentence, sourceLengths, bounds) << std::flush;
    }
    return 0;
}

} // namespace attnviz::app
