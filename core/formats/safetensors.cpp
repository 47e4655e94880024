#include "core/formats/safetensors.h"

#include "core/formats/json_io.h"

namespace attnviz {

namespace {

unsigned long long headerLength(const std::string& bytes)
{
    unsigned long long n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    return n;
}

} // namespace

bool looksLikeSafetensors(const std::string& bytes)
{
    return bytes.size() >= 10 && bytes[8] == '{' && headerLength(bytes) <= bytes.size() - 8;
}

ArrayFile readSafetensors(const std::string& bytes, const std::string& file, const ArrayLimits& limits)
{
    if (bytes.size() < 8)
        throw InputError(file, "", "expected a safetensors file (an 8-byte header length first), found " + std::to_string(bytes.size()) + " bytes");
    const unsigned long long n = headerLength(bytes);
    if (n > bytes.size() - 8)
        throw InputError(file, "", "expected a safetensors header length within the file's " + std::to_string(bytes.size()) + " bytes, found "
                                       + std::to_string(n));
    if (n > limits.maxSafetensorsHeader)
        throw InputError(file, "", "expected a safetensors header of at most " + std::to_string(limits.maxSafetensorsHeader >> 20) + " MiB, found "
                                       + std::to_string(n) + " bytes");
    ReadLimits jsonLimits;
    jsonLimits.maxBytes = static_cast<std::size_t>(limits.maxSafetensorsHeader);
    const json header = parseDocument(bytes.substr(8, static_cast<std::size_t>(n)), false, file, jsonLimits);
    if (!header.is_object())
        throw InputError(file, "", "expected the safetensors header to be a JSON object, found " + describeJson(header));
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data()) + 8 + n;
    const unsigned long long dataLen = bytes.size() - 8 - n;

    ArrayFile out;
    long long total = 0;
    JsonReader r(file, jsonLimits);
    if (header.contains("__metadata__")) {
        const json& meta = header["__metadata__"];
        if (!meta.is_object())
            throw InputError(file, "__metadata__", "expected an object of strings, found " + describeJson(meta));
        for (const std::string& name : tokenArrayNames()) {
            if (!meta.contains(name))
                continue;
            const json& v = meta[name];
            if (!v.is_string())
                throw InputError(file, "__metadata__/" + name, "expected a string holding a JSON list of tokens, found " + describeJson(v));
            const json list = parseDocument(v.get<std::string>(), false, file + ": __metadata__/" + name, jsonLimits);
            out.strings[name] = r.strings(list, "__metadata__/" + name);
        }
    }
    for (const std::string& name : numericArrayNames()) {
        if (!header.contains(name))
            continue;
        const json& e = header[name];
        if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets"))
            throw InputError(file, name, "expected {\"dtype\", \"shape\", \"data_offsets\"}, found " + describeJson(e));
        const json& dt = e["dtype"];
        const std::string dtype = dt.is_string() ? dt.get<std::string>() : std::string();
        DType type;
        if (dtype == "F16") type = DType::F16;
        else if (dtype == "BF16") type = DType::BF16;
        else if (dtype == "F32") type = DType::F32;
        else if (dtype == "F64") type = DType::F64;
        else
            throw InputError(file, name, "expected dtype F16, BF16, F32 or F64, found " + describeJson(dt)
                                             + (dtype.size() && (dtype[0] == 'I' || dtype[0] == 'U' || dtype == "BOOL") ? " (an integer dtype)" : ""));
        const json& sh = e["shape"];
        if (!sh.is_array() || sh.size() > 8)
            throw InputError(file, name, "expected a shape [rows, cols], found " + describeJson(sh));
        std::vector<long long> shape;
        for (std::size_t k = 0; k < sh.size(); ++k)
            shape.push_back(r.integer(sh[k], name + "/shape/" + std::to_string(k), 0, 1LL << 40));
        const long long count = checkShape(shape, file, name, limits);
        countNumbers(total, count, file, name, limits);
        const json& off = e["data_offsets"];
        if (!off.is_array() || off.size() != 2)
            throw InputError(file, name, "expected data_offsets [begin, end], found " + describeJson(off));
        const long long begin = r.integer(off[0], name + "/data_offsets/0", 0, 1LL << 50);
        const long long end = r.integer(off[1], name + "/data_offsets/1", 0, 1LL << 50);
        if (begin > end || static_cast<unsigned long long>(end) > dataLen)
            throw InputError(file, name, "expected data_offsets within the " + std::to_string(dataLen) + " data bytes, found [" + std::to_string(begin)
                                             + ", " + std::to_string(end) + "]");
        const long long need = count * dtypeSize(type);
        if (end - begin != need)
            throw InputError(file, name, "expected " + std::to_string(need) + " bytes for " + dtype + " shape " + shapeText(shape) + ", found data_offsets of "
                                             + std::to_string(end - begin) + " bytes");
        out.arrays[name] = gatherArray(data + begin, static_cast<unsigned long long>(count), type, false, shape, contiguousStrides(shape), 0, file, name);
    }
    return out;
}

} // namespace attnviz
