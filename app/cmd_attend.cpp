// attnviz attend EXAMPLE [--score ID] [--json]   (SPEC §6)
#include "app/args.h"
#include "app/commands.h"

#include "core/formats/array_file.h"
#include "core/formats/error.h"
#include "core/formats/example.h"
#include "core/formats/format.h"
#include "core/formats/numbers_out.h"

#include <algorithm>
#include <iostream>
#include <sstream>

namespace attnviz::app {

namespace {

std::size_t displayWidth(const std::string& s)
{
    // Count UTF-8 code points, not bytes, so "…" and accented tokens line up.
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string& s, std::size_t width)
{
    const std::size_t w = displayWidth(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}

// The textbook table: encoder state | score | softmax | alignment vector, then the context row.
void printTable(const Trace& trace, std::ostream& out)
{
    for (std::size_t i = 0; i < trace.steps.size(); ++i) {
        const StepTrace& step = trace.steps[i];
        const AttentionResult& a = *step.attention;
        if (i) out << "\n";
        out << "Step " << step.t;
        if (!step.token.empty()) out << " → " << step.token;
        out << "   query s = " << formatVector(step.query) << "   score: " << trace.score << "\n";

        // Without source tokens the token column is left out; the context row keeps its label.
        const bool tokens = !trace.sourceTokens.empty();
        std::vector<std::vector<std::string>> rows;
        rows.push_back({"#", "token", "encoder state h_j", "score e_j", "softmax a_j", "alignment a_j·h_j"});
        for (Eigen::Index j = 0; j < a.scores.size(); ++j) {
            const std::string tok = j < static_cast<Eigen::Index>(trace.sourceTokens.size()) ? trace.sourceTokens[static_cast<std::size_t>(j)] : "";
            rows.push_back({std::to_string(j + 1), tok, formatVector(trace.encoderStates.row(j).transpose()), formatNumber(a.scores(j)),
                            formatNumber(a.weights(j)), formatVector(a.alignment.row(j).transpose())});
        }
        rows.push_back({"", "context", "", "", formatNumber(a.weights.sum()), formatVector(a.context)});
        if (!tokens) {
            for (auto& r : rows)
                r.erase(r.begin() + 1);
            rows.back()[0] = "context";
        }
        std::vector<std::size_t> widths(rows[0].size(), 0);
        for (const auto& r : rows)
            for (std::size_t c = 0; c < r.size(); ++c)
                widths[c] = std::max(widths[c], displayWidth(r[c]));
        for (std::size_t r = 0; r < rows.size(); ++r) {
            std::string line;
            for (std::size_t c = 0; c < rows[r].size(); ++c)
                line += (c ? "  " : "") + (c + 1 == rows[r].size() ? rows[r][c] : pad(rows[r][c], widths[c]));
            out << line << "\n";
            if (r == 0 || r + 2 == rows.size()) {
                std::size_t total = 0;
                for (std::size_t w : widths) total += w + 2;
                out << std::string(total - 2, '-') << "\n";
            }
        }
    }
}

} // namespace

int cmdAttend(const CommandArgs& argv)
{
    ArgSpec spec;
    spec.valueOptions = {"--score", "--format", "-o"};
    spec.flags = {"--json"};
    spec.minPositional = spec.maxPositional = 1;
    spec.usage = "attnviz attend EXAMPLE|FILE.npz|FILE.safetensors|FILE.pt [--score ID] [--json | --format table|json|csv|npz] [-o FILE]";
    Args args(argv, spec);

    // --format: table (default), json (= --json), csv (long format) or npz (-o FILE.npz): core/formats/numbers_out.h.
    const std::string format = args.has("--json") ? std::string("json") : args.value("--format", "table");
    if (format != "table" && format != "json" && format != "csv" && format != "npz")
        throw UsageError("--format: expected table, json, csv or npz, found \"" + printable(format) + "\"");
    if (args.has("--json") && args.has("--format") && args.value("--format") != "json")
        throw UsageError("--json and --format " + args.value("--format") + " contradict each other");
    if ((format == "npz") != args.has("-o"))
        throw UsageError(format == "npz" ? "--format npz writes a file: give -o FILE.npz" : "-o is for --format npz (the other formats go to stdout)");
    std::optional<ScoreKind> kind;
    if (args.has("--score")) {
        const std::string id = args.value("--score");
        kind = scoreKindFromId(id);
        if (!kind) {
            std::string ids;
            for (const std::string& s : allScoreIds()) ids += (ids.empty() ? "" : ", ") + s;
            throw UsageError("--score: expected one of " + ids + " (or concat), found \"" + printable(id) + "\"");
        }
    }
    // An attnviz-example document, or hidden states in .npz / .safetensors / .pt (SPEC §5).
    const Example ex = loadExampleAny(args.positional()[0], kind);
    Trace trace;
    try {
        trace = exampleTrace(ex);
    } catch (const ShapeError& e) {  // finite numbers whose scores overflow: still the file's fault
        throw InputError(ex.file, "/encoder_states", e.what());
    }
    if (format == "npz") {
        try {
            saveTraceNpz(args.value("-o"), trace);
        } catch (const std::runtime_error& e) {
            std::cerr << "attnviz attend: " << e.what() << "\n";
            return 2;
        }
        return 0;
    }
    std::ostringstream out;  // nothing reaches stdout unless the whole result was computed
    if (format == "csv")
        out << traceCsv(trace);
    else if (format == "json")
        out << dumpReadable(traceToJson(trace)) << "\n";
    else
        printTable(trace, out);
    std::cout << out.str() << std::flush;
    return 0;
}

} // namespace attnviz::app
