// attnviz export EXAMPLE|MODEL|TRACE [--input "…"] -o FILE.{png,svg,pdf,jpg,gif} [--width W --height H --dpi D]
// (SPEC §6). A picture is the alignment heatmap (or with --view step one frame of the step view); a .gif
// is the animated step-through, one frame per (decoder step, stage). Headless: a QApplication on the
// offscreen platform unless QT_QPA_PLATFORM says otherwise. Uses the same code as File → Export.
// --view architecture (the model's wiring, at the chosen step) and --view beam (the beam-search tree,
// --beam default 3) need a model and --input. A training timeline (attnviz-timeline) gives its heatmaps across
// training beside the loss curve (ui/export/timeline_export.h): a still, or a .gif with one frame per snapshot.
#include "app/args.h"
#include "core/formats/any_file.h"
#include "core/model/heads.h"
#include "app/commands.h"

#include "core/formats/array_file.h"
#include "core/model/merge_words.h"
#include "core/model/decoding.h"
#include "core/formats/error.h"
#include "core/formats/example.h"
#include "core/formats/json_io.h"
#include "core/model/model.h"
#include "core/formats/timeline.h"
#include "core/formats/trace.h"
#include "core/model/architecture_graph.h"
#include "ui/export/compare_export.h"
#include "ui/export/export.h"
#include "ui/export/timeline_export.h"
#include "ui/export/view_export.h"

#include <QApplication>
#include <QtGlobal>

#include <iostream>
#include <memory>
#include <optional>

namespace attnviz::app {

namespace {

const char* const kUsage =
    "attnviz export EXAMPLE|MODEL|TRACE|TIMELINE [--input \"sentence\"] -o FILE.{png,jpg,svg,pdf,gif} [--width W --height H --dpi D] "
    "[--score ID] [--beam K] [--view heatmap|step|architecture|beam --step T --stage 0-5 --progress 0-1] [--fps N --frames-per-stage F] [--colormap viridis|magma|blues|greys|rdbu] [--merge-words] [--heads mean|max|H|L:H|L:mean|L:max] [--compare MODEL_B] [--prefix \"target text\"] [--attention-override OVERRIDE.json] [--precision float32|float64]";

// What is exported: the trace, and for a model also the model and the whole decode result.
struct Loaded {
    Trace trace;
    std::optional<Model> model;
    std::optional<DecodeResult> decoded;
};

// What-if options of an export (--prefix, --attention-override; SPEC §4) for model `m`.
void addWhatIf(DecodeOptions& options, const Model& m, const Args& args)
{
    if (args.has("--attention-override")) {
        options.overrideFile = args.value("--attention-override");
        options.overrides = loadOverrides(options.overrideFile);
    }
    if (args.has("--prefix")) {
        options.prefix = targetPrefixIds(m, args.value("--prefix"));
        if (options.prefix.empty())
            throw InputError("", "prefix", "expected at least one target token, found \"" + printable(args.value("--prefix")) + "\"");
    }
}

// The trace from an example (its own states), a model (decoding --input) or a saved trace.
// `defaultBeam`: the beam width when --beam is not given (3 for --view beam, else 1).
Loaded loadTrace(AnyFile any, const Args& args, int defaultBeam)
{
    if (any.content == FileContent::Example) {
        if (args.has("--input") || args.has("--beam"))
            throw UsageError("--input and --beam are for models; an example carries its own hidden states");
        // The example document, or hidden states from .npz / .safetensors / .pt (SPEC §5), scored with --score.
        return {exampleTrace(*any.example), std::nullopt, std::nullopt};
    }
    if (any.content == FileContent::Model) {
        if (!args.has("--input"))
            throw UsageError("a model needs the sentence to translate: --input \"…\"");
        if (args.has("--score"))
            throw UsageError("--score is for examples; a model's score function is part of the model");
        DecodeOptions options;
        options.beam = static_cast<int>(args.integer("--beam", defaultBeam, 1, 1000));
        options.precision = *precisionFromId(precisionOption(args));
        Loaded l;
        l.model = std::move(any.model);
        addWhatIf(options, *l.model, args);
        l.decoded = translate(*l.model, args.value("--input"), options);
        l.trace = l.decoded->best;
        return l;
    }
    if (args.has("--prefix") || args.has("--attention-override"))
        throw UsageError("--prefix and --attention-override decode a model: give an attnviz-model file and --input \"…\"");
    if (args.has("--input") || args.has("--score") || args.has("--beam"))
        throw UsageError("--input, --score and --beam do not apply to a saved trace");
    return {std::move(*any.trace), std::nullopt, std::nullopt};
}

// Qt's chatter on a headless run (QStandardPaths' runtime-dir notices) is not an error; everything else goes to stderr.
void quietHandler(QtMsgType type, const QMessageLogContext&, const QString& msg)
{
    if (type == QtDebugMsg || type == QtInfoMsg || msg.startsWith(QLatin1String("QStandardPaths:")) || msg.contains(QLatin1String("XDG_RUNTIME_DIR")))
        return;
    std::cerr << msg.toStdString() << "\n";
}

// A QApplication on the offscreen platform (unless QT_QPA_PLATFORM says otherwise) with Qt's chatter filtered.
class HeadlessApp {
public:
    HeadlessApp()
    {
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
        previous_ = qInstallMessageHandler(quietHandler);
        static int qtArgc = 1;
        static char arg0[] = "attnviz";
        static char* qtArgv[] = {arg0, nullptr};
        app_ = std::make_unique<QApplication>(qtArgc, qtArgv);
    }
    ~HeadlessApp()
    {
        app_.reset();
        qInstallMessageHandler(previous_);
    }

private:
    QtMessageHandler previous_ = nullptr;
    std::unique_ptr<QApplication> app_;
};

// attnviz export TIMELINE -o FILE: the still (png, jpg, svg, pdf) or the animation (gif) of
// ui/export/timeline_export.h.
int exportTimelineFile(Timeline timeline, const Args& args, ui::ExportOptions options)
{
    for (const char* other : {"--input", "--score", "--beam", "--view", "--step", "--stage", "--progress", "--frames-per-stage"})
        if (args.has(other))
            throw UsageError(std::string(other) + " does not apply to a timeline (its traces are recorded); a timeline takes -o, --width, "
                                                  "--height, --dpi, --colormap, --fps and --merge-words");
    if (args.has("--merge-words"))
        for (TimelineSnapshot& s : timeline.snapshots)
            for (Trace& t : s.traces)
                t = mergeWords(t);
    const bool gif = ui::exportFormatFor(options.path) == ui::ExportFormat::Gif;
    const QSize def = ui::defaultTimelineSize(timeline, gif);
    options.size = QSize(static_cast<int>(args.integer("--width", def.width(), 16, 16384)), static_cast<int>(args.integer("--height", def.height(), 16, 16384)));
    options.fps = static_cast<int>(args.integer("--fps", 10, 1, 50));
    const HeadlessApp app;
    QString error;
    if (!ui::exportTimeline(timeline, options, &error)) {
        std::cerr << "attnviz export: " << error.toStdString() << "\n";
        return 2;
    }
    return 0;
}

// export A --compare B --input "…" -o side.png (issue 14): both models translate the sentence; side by side.
int exportComparisonFile(const std::string& fileA, AnyFile anyA, const Args& args, ui::ExportOptions options)
{
    const std::string fileB = args.value("--compare");
    if (anyA.content != FileContent::Model)
        throw UsageError("--compare puts two models side by side: " + fileA + " is not an attnviz-model file");
    if (!args.has("--input"))
        throw UsageError("--compare needs the sentence both models translate: --input \"…\"");
    if (ui::exportFormatFor(options.path) == ui::ExportFormat::Gif)
        throw UsageError("--compare draws a still picture: use .png, .jpg, .svg or .pdf");
    for (const char* other : {"--view", "--step", "--stage", "--progress", "--score", "--beam", "--fps", "--frames-per-stage"})
        if (args.has(other))
            throw UsageError(std::string(other) + " does not apply to --compare");
    // A may carry a what-if (--prefix, --attention-override); B is the model's own run. With B = A that is
    // the before/after picture of the what-if.
    auto side = [&](const std::string& file, const Model& m, bool whatIf) {
        DecodeOptions options;
        options.precision = *precisionFromId(precisionOption(args));
        if (whatIf)
            addWhatIf(options, m, args);
        ui::CompareSide s;
        s.trace = translate(m, args.value("--input"), options).best;
        s.translation = QString::fromStdString(m.detokenizeTarget(s.trace.targetTokens));
        if (args.has("--merge-words"))
            s.trace = mergeWords(s.trace);
        std::string name = file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
        name = name.substr(0, name.find('.'));
        s.name = QString::fromStdString(name.empty() ? m.architecture : name);
        return s;
    };
    ui::CompareSide a = side(fileA, *anyA.model, true);
    AnyFile anyB = loadAnyFile(fileB);
    if (anyB.content != FileContent::Model)
        throw UsageError("--compare puts two models side by side: " + fileB + " is not an attnviz-model file");
    ui::CompareSide b = side(fileB, *anyB.model, false);
    const bool whatIf = args.has("--prefix") || args.has("--attention-override");
    if (a.name == b.name) {
        a.name += whatIf ? QStringLiteral(" (what-if)") : QStringLiteral(" (A)");
        b.name += whatIf ? QStringLiteral(" (its own)") : QStringLiteral(" (B)");
    }
    if (!args.has("--width") && !args.has("--height"))
        options.size = QSize();  // the comparison's own default
    const HeadlessApp app;
    QString error;
    if (!ui::exportComparison(a, b, options, &error)) {
        std::cerr << "attnviz export: " << error.toStdString() << "\n";
        return 2;
    }
    return 0;
}

} // namespace

int cmdExport(const CommandArgs& argv)
{
    ArgSpec spec;
    spec.valueOptions = {"-o", "--input", "--heads", "--compare", "--prefix", "--attention-override", "--precision", "--width", "--height", "--dpi", "--score", "--beam", "--view", "--step", "--stage", "--progress", "--fps", "--frames-per-stage", "--colormap"};
    spec.flags = {"--merge-words"};
    spec.minPositional = spec.maxPositional = 1;
    spec.usage = kUsage;
    Args args(argv, spec);
    if (!args.has("-o"))
        throw UsageError(std::string("expected -o FILE; usage: ") + kUsage);

    ui::ExportOptions options;
    options.path = QString::fromStdString(args.value("-o"));
    const ui::ExportFormat format = ui::exportFormatFor(options.path);
    if (format == ui::ExportFormat::Unknown)
        throw UsageError("-o " + args.value("-o") + ": expected a file ending in .png, .jpg, .svg, .pdf or .gif");
    const std::string view = args.value("--view", "heatmap");
    if (view != "heatmap" && view != "step" && view != "architecture" && view != "beam")
        throw UsageError("--view: expected heatmap, step, architecture or beam, found \"" + view + "\"");
    const bool graphView = view == "architecture" || view == "beam";
    if (format == ui::ExportFormat::Gif && args.has("--view"))
        throw UsageError("--view does not apply to a .gif (always the animated step-through)");
    const ui::ExportWhat what = format == ui::ExportFormat::Gif ? ui::ExportWhat::Animation
        : view == "step"                                        ? ui::ExportWhat::StepFrame
                                                                : ui::ExportWhat::Heatmap;
    const QSize def = graphView ? QSize(1400, 800) : ui::defaultExportSize(what);
    options.size = QSize(static_cast<int>(args.integer("--width", def.width(), 16, 16384)), static_cast<int>(args.integer("--height", def.height(), 16, 16384)));
    if (graphView && !args.has("--width") && !args.has("--height"))
        options.size = QSize();  // cropped to the content (ui/export/view_export.h)
    options.dpi = args.number("--dpi", 96, 10, 2400);
    options.fps = static_cast<int>(args.integer("--fps", 20, 1, 50));
    options.framesPerStage = static_cast<int>(args.integer("--frames-per-stage", 10, 1, 60));
    if (args.has("--colormap")) {
        const QString name = QString::fromStdString(args.value("--colormap")).toLower();
        const QStringList names{QStringLiteral("viridis"), QStringLiteral("magma"), QStringLiteral("blues"), QStringLiteral("greys"), QStringLiteral("rdbu")};
        if (!names.contains(name))
            throw UsageError("--colormap: expected viridis, magma, blues, greys or rdbu, found \"" + args.value("--colormap") + "\"");
        options.colorMap = static_cast<ui::ColorMap>(names.indexOf(name));
    }
    const std::string file = args.positional()[0];
    std::optional<ScoreKind> scoreKind;  // an example's score function
    if (args.has("--score")) {
        const std::string id = args.value("--score");
        scoreKind = scoreKindFromId(id);
        if (!scoreKind) {
            std::string ids;
            for (const std::string& sid : allScoreIds()) ids += (ids.empty() ? "" : ", ") + sid;
            throw UsageError("--score: expected one of " + ids + ", found \"" + id + "\"");
        }
    }
    AnyFile any = loadAnyFile(file, scoreKind);  // the one loading path (core/formats/any_file.h)
    if (any.content == FileContent::Timeline)
        return exportTimelineFile(std::move(*any.timeline), args, options);
    if (what != ui::ExportWhat::StepFrame && view != "architecture" && (args.has("--step") || args.has("--stage") || args.has("--progress")))
        throw UsageError("--step, --stage and --progress choose a frame of --view step or architecture");

    if (args.has("--compare"))
        return exportComparisonFile(file, std::move(any), args, options);
    Loaded loaded = loadTrace(std::move(any), args, view == "beam" ? 3 : 1);
    if (args.has("--merge-words")) {
        if (graphView)
            throw UsageError("--merge-words applies to the heatmap, step and animation exports");
        loaded.trace = mergeWords(loaded.trace);  // SentencePiece pieces → words (unchanged for word models)
    }
    // The decoder layer (and heads) the architecture view highlights: the default (last layer, mean) or --heads.
    HeadSelection shownHeads;
    if (args.has("--heads")) {  // issues 13 and 16: one head, or the mean or max over a layer's heads
        const std::string text = args.value("--heads");
        const std::optional<HeadSelection> sel = parseHeadSelection(text);
        if (!sel)
            throw UsageError("--heads: expected mean, max, a head number, or LAYER:HEAD, LAYER:mean, LAYER:max (counted from 1), found "" + text + """);
        const HeadShape shape = headShape(loaded.trace);
        if (shape.empty())
            throw UsageError("--heads: " + file + " has no per-head attention (a transformer model, or a trace with \"heads\")");
        if (sel->layer >= shape.layers || (sel->mode == HeadMode::One && sel->head >= shape.heads))
            throw UsageError("--heads " + text + ": " + file + " has " + std::to_string(shape.layers) + " decoder layers of "
                             + std::to_string(shape.heads) + " heads");
        shownHeads = resolved(*sel, shape);
        loaded.trace = selectHeads(loaded.trace, *sel);
        const std::string label = describeSelection(*sel, shape);
        loaded.trace.title = loaded.trace.title.empty() ? label : loaded.trace.title + " · " + label;
    }
    const Trace& trace = loaded.trace;
    if (graphView && !loaded.model)
        throw UsageError("--view " + view + " needs a model (attnviz-model file) and --input \"…\"");
    ui::StepPosition pos;
    if (what == ui::ExportWhat::StepFrame || view == "architecture") {
        pos.step = static_cast<int>(args.integer("--step", 1, 1, std::max<long long>(1, static_cast<long long>(trace.steps.size())))) - 1;
        pos.stage = static_cast<ui::Stage>(args.integer("--stage", 5, 0, ui::kStageCount - 1));
        pos.progress = args.number("--progress", 1.0, 0.0, 1.0);
    }

    const HeadlessApp app;
    QString error;
    bool ok = false;
    if (view == "architecture") {
        const int n = std::max(1, static_cast<int>(trace.sourceTokens.size()));
        const ArchitectureGraph graph = buildArchitectureGraph(*loaded.model, n, static_cast<int>(trace.steps.size()));
        const HeadShape shape = headShape(loaded.decoded ? loaded.decoded->best : trace);
        const std::string shown = describeSelection(shownHeads, shape);
        const std::size_t dot = shown.find(" · ");
        ok = ui::exportArchitecture(graph, &trace, pos, options, &error, shape.empty() ? -1 : resolved(shownHeads, shape).layer,
                                    QString::fromStdString(dot == std::string::npos ? shown : shown.substr(dot + std::string(" · ").size())));
    } else if (view == "beam") {
        ok = ui::exportBeamTree(*loaded.decoded, 0, options, &error);
    } else {
        switch (what) {
        case ui::ExportWhat::Heatmap: ok = ui::exportHeatmap(trace, options, &error); break;
        case ui::ExportWhat::StepFrame: ok = ui::exportStepFrame(trace, pos, options, &error); break;
        case ui::ExportWhat::Animation: ok = ui::exportAnimation(trace, options, &error); break;
        }
    }
    if (!ok) {
        std::cerr << "attnviz export: " << error.toStdString() << "\n";
        return 2;
    }
    return 0;
}

} // namespace attnviz::app
