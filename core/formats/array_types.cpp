#include "core/formats/array_types.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace attnviz {

const std::vector<std::string>& numericArrayNames()
{
    static const std::vector<std::string> names{"encoder_states", "decoder_states", "W", "W_q", "W_k", "v", "b", "W_loc", "b_loc"};
    return names;
}

const std::vector<std::string>& tokenArrayNames()
{
    static const std::vector<std::string> names{"source_tokens", "target_tokens"};
    return names;
}

bool isNumericArrayName(const std::string& name)
{
    const auto& n = numericArrayNames();
    return std::find(n.begin(), n.end(), name) != n.end();
}

bool isTokenArrayName(const std::string& name)
{
    const auto& n = tokenArrayNames();
    return std::find(n.begin(), n.end(), name) != n.end();
}

int dtypeSize(DType t)
{
    switch (t) {
    case DType::F16:
    case DType::BF16: return 2;
    case DType::F32: return 4;
    case DType::F64: return 8;
    }
    return 8;
}

std::string shapeText(const std::vector<long long>& shape)
{
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + (shape.size() == 1 ? ",)" : ")");
}

long long checkShape(const std::vector<long long>& shape, const std::string& file, const std::string& name, const ArrayLimits& limits)
{
    long long count = 1;
    for (long long d : shape) {
        if (d < 0 || d > limits.maxDim)
            throw InputError(file, name, "expected every dimension between 0 and " + std::to_string(limits.maxDim) + ", found shape " + shapeText(shape));
        count *= d;  // each factor ≤ 1e5 and count ≤ maxElements before it: no overflow for ranks checked below
        if (count > limits.maxElements)
            throw InputError(file, name, "expected at most " + std::to_string(limits.maxElements) + " numbers in one array, found shape " + shapeText(shape));
    }
    return count;
}

std::vector<long long> contiguousStrides(const std::vector<long long>& shape)
{
    std::vector<long long> s(shape.size(), 1);
    for (std::size_t k = shape.size(); k-- > 1;)
        s[k - 1] = s[k] * std::max<long long>(shape[k], 1);
    return s;
}

void countNumbers(long long& total, long long count, const std::string& file, const std::string& name, const ArrayLimits& limits)
{
    total += count;
    if (total > limits.maxTotalElements)
        throw InputError(file, name, "expected at most " + std::to_string(limits.maxTotalElements) + " numbers in all arrays together, found more");
}

namespace {

double halfToDouble(std::uint16_t h)
{
    const int sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
    double v;
    if (exp == 0)
        v = std::ldexp(static_cast<double>(mant), -24);  // subnormal (or zero)
    else if (exp == 31)
        v = mant ? std::nan("") : HUGE_VAL;
    else
        v = std::ldexp(static_cast<double>(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

double readElement(const unsigned char* p, DType type, bool bigEndian)
{
    unsigned char b[8];
    const int n = dtypeSize(type);
    for (int i = 0; i < n; ++i)  // to little-endian (this machine's order: x86-64 / aarch64)
        b[i] = bigEndian ? p[n - 1 - i] : p[i];
    switch (type) {
    case DType::F16: return halfToDouble(static_cast<std::uint16_t>(b[0] | (b[1] << 8)));
    case DType::BF16: {
        const std::uint32_t bits = static_cast<std::uint32_t>(b[0] | (b[1] << 8)) << 16;
        float f;
        std::memcpy(&f, &bits, 4);
        return f;
    }
    case DType::F32: {
        float f;
        std::memcpy(&f, b, 4);
        return f;
    }
    case DType::F64: {
        double d;
        std::memcpy(&d, b, 8);
        return d;
    }
    }
    return 0;
}

} // namespace

NumArray gatherArray(const unsigned char* raw, unsigned long long rawCount, DType type, bool bigEndian,
                     const std::vector<long long>& shape, const std::vector<long long>& strides, long long offset,
                     const std::string& file, const std::string& name)
{
    NumArray out;
    out.shape = shape;
    long long count = 1;
    for (long long d : shape)
        count *= d;
    if (count == 0)
        return out;
    // The largest raw index reached must be inside the data.
    if (offset < 0)
        throw InputError(file, name, "expected a storage offset of at least 0, found " + std::to_string(offset));
    unsigned long long last = static_cast<unsigned long long>(offset);
    for (std::size_t k = 0; k < shape.size(); ++k) {
        if (strides[k] < 0 || strides[k] > (1LL << 40))
            throw InputError(file, name, "expected strides between 0 and 2^40, found " + std::to_string(strides[k]));
        last += static_cast<unsigned long long>(shape[k] - 1) * static_cast<unsigned long long>(strides[k]);
    }
    if (last >= rawCount)
        throw InputError(file, name, "expected data for shape " + shapeText(shape) + " (" + std::to_string(last + 1) + " numbers of "
                                         + std::to_string(dtypeSize(type)) + " bytes), found " + std::to_string(rawCount) + " numbers");
    out.data.resize(static_cast<std::size_t>(count));
    std::vector<long long> index(shape.size(), 0);
    const int size = dtypeSize(type);
    for (long long e = 0; e < count; ++e) {
        long long at = offset;
        for (std::size_t k = 0; k < shape.size(); ++k)
            at += index[k] * strides[k];
        const double v = readElement(raw + static_cast<std::size_t>(at) * static_cast<std::size_t>(size), type, bigEndian);
        if (!std::isfinite(v)) {
            std::vector<long long> where(index);
            throw InputError(file, name, std::string("expected finite numbers, found ") + (std::isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity")
                                             + " at index " + shapeText(where));
        }
        out.data[static_cast<std::size_t>(e)] = v;
        for (std::size_t k = shape.size(); k-- > 0;) {  // row-major increment
            if (++index[k] < shape[k])
                break;
            index[k] = 0;
        }
    }
    return out;
}

} // namespace attnviz
