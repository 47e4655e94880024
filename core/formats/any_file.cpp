#include "core/formats/any_file.h"

#include "core/formats/array_file.h"
#include "core/formats/error.h"
#include "core/formats/json_io.h"

#include <fstream>

namespace attnviz {

namespace {

// Stops at the top-level "format" string; builds nothing. Deeper than the document limit: stop (the loader
// reports it with its place).
class FormatSniffer : public nlohmann::json_sax<json> {
public:
    explicit FormatSniffer(int maxDepth) : maxDepth_(maxDepth) {}
    std::string format;

    bool null() override { return scalar(); }
    bool boolean(bool) override { return scalar(); }
    bool number_integer(number_integer_t) override { return scalar(); }
    bool number_unsigned(number_unsigned_t) override { return scalar(); }
    bool number_float(number_float_t, const string_t&) override { return scalar(); }
    bool binary(binary_t&) override { return scalar(); }
    bool string(string_t& s) override
    {
        if (depth_ == 1 && formatKey_) {
            format = s;
            return false;  // found: stop reading
        }
        return scalar();
    }
    bool start_object(std::size_t) override { return open(); }
    bool start_array(std::size_t) override { return open(); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override
    {
        formatKey_ = depth_ == 1 && k == "format";
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

private:
    bool scalar()
    {
        formatKey_ = false;
        return true;
    }
    bool open()
    {
        formatKey_ = false;
        return ++depth_ <= maxDepth_;
    }
    bool close()
    {
        --depth_;
        return true;
    }
    int maxDepth_ = 32;
    int depth_ = 0;
    bool formatKey_ = false;
};

} // namespace

std::string documentFormat(const std::string& path)
{
    const ReadLimits limits = modelLimits();
    checkRegularFile(path, limits.maxBytes, "a JSON or CBOR document");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, "", "expected a readable file, found one that cannot be opened");
    FormatSniffer sniffer(limits.maxDepth);
    try {
        json::sax_parse(in, &sniffer, endsWith(path, ".cbor") ? json::input_format_t::cbor : json::input_format_t::json);
    } catch (const std::exception&) {
        return {};  // the loader reads it again and says where it goes wrong
    }
    return sniffer.format;
}

AnyFile loadAnyFile(const std::string& path, std::optional<ScoreKind> score)
{
    AnyFile out;
    const FileKind kind = detectFileKind(path);  // refuses non-regular and oversize files
    if (isArrayFile(kind)) {
        out.content = FileContent::Example;
        out.example = exampleFromArrays(loadArrayFile(path, kind), path, score);
        return out;
    }
    const std::string format = documentFormat(path);
    if (format == "attnviz-model") {
        out.content = FileContent::Model;
        out.model = loadModel(path);
    } else if (format == "attnviz-example") {
        out.content = FileContent::Example;
        out.example = loadExampleAny(path, score);
    } else if (format == "attnviz-trace") {
        out.content = FileContent::Trace;
        out.trace = traceFromJson(loadDocument(path, modelLimits()), path);
    } else if (format == "attnviz-timeline") {
        out.content = FileContent::Timeline;
        out.timeline = loadTimeline(path);
    } else {
        // No usable "format" found: parse it (bounded) so a syntax error is reported with its place, else say
        // what the format is.
        const json doc = loadDocument(path, modelLimits());
        const json* f = doc.is_object() && doc.contains("format") ? &doc["format"] : nullptr;
        throw InputError(path, f ? "/format" : "",
                         "expected an attnviz-example, -model, -trace or -timeline document (or .npz, .safetensors, .pt "
                         "hidden states), found "
                             + (f ? "the format " + describeJson(*f) : std::string(doc.is_object() ? "no \"format\" key" : describeJson(doc))));
    }
    return out;
}

} // namespace attnviz
