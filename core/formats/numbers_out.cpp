#include "core/formats/numbers_out.h"

#include <zip.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace attnviz {

namespace {

// Checks every step has attention with one n and dk; returns (n, dk).
std::pair<Eigen::Index, Eigen::Index> sizes(const Trace& trace)
{
    if (trace.steps.empty())
        throw std::runtime_error("the trace has no steps: nothing to write");
    Eigen::Index n = -1, dk = -1;
    for (const StepTrace& s : trace.steps) {
        if (!s.attention)
            throw std::runtime_error("step " + std::to_string(s.t) + " has no attention (a model without attention has no scores or weights)");
        if (n < 0) {
            n = s.attention->weights.size();
            dk = s.attention->context.size();
        } else if (s.attention->weights.size() != n || s.attention->context.size() != dk) {
            throw std::runtime_error("step " + std::to_string(s.t) + " has " + std::to_string(s.attention->weights.size())
                                     + " weights where the first had " + std::to_string(n));
        }
    }
    return {n, dk};
}

std::string csvField(const std::string& s)
{
    if (s.find_first_of(",\"\n\r") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string number(double v)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string npyHeader(const std::string& descr, const std::vector<Eigen::Index>& shape)
{
    std::string s = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "") + (i + 1 < shape.size() ? " " : "");
    s += "), }";
    while ((10 + s.size() + 1) % 64)
        s += ' ';
    s += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(s.size() & 0xff);
    out += static_cast<char>(s.size() >> 8);
    return out + s;
}

std::string npyMatrix(const Mat& m)
{
    std::string out = npyHeader("<f8", {m.rows(), m.cols()});
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) {
            const double v = m(i, j);
            out.append(reinterpret_cast<const char*>(&v), 8);  // little-endian machine (x86-64 / aarch64)
        }
    return out;
}

std::u32string utf32(const std::string& s)
{
    std::u32string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        char32_t cp = len == 1 ? (c < 0x80 ? c : 0xFFFD) : c & (0x3F >> (len - 1));
        for (int k = 1; k < len; ++k)
            cp = (cp << 6) | (i + static_cast<std::size_t>(k) < s.size() ? static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]) & 0x3F : 0);
        out += cp;
        i += static_cast<std::size_t>(len);
    }
    return out;
}

std::string npyStrings(const Tokens& tokens)
{
    std::vector<std::u32string> w;
    std::size_t width = 1;
    for (const std::string& t : tokens) {
        w.push_back(utf32(t));
        width = std::max(width, w.back().size());
    }
    std::string out = npyHeader("<U" + std::to_string(width), {static_cast<Eigen::Index>(tokens.size())});
    for (const std::u32string& s : w)
        for (std::size_t k = 0; k < width; ++k) {
            const char32_t c = k < s.size() ? s[k] : 0;
            for (int b = 0; b < 4; ++b)
                out += static_cast<char>((c >> (8 * b)) & 0xff);
        }
    return out;
}

} // namespace

std::string traceCsv(const Trace& trace)
{
    sizes(trace);
    std::ostringstream out;
    out << "t,target_token,quantity,index,source_token,value\n";
    for (const StepTrace& s : trace.steps) {
        const std::string head = std::to_string(s.t) + "," + csvField(s.token) + ",";
        const AttentionResult& a = *s.attention;
        for (const char* q : {"score", "weight"}) {
            const Vec& v = std::strcmp(q, "score") == 0 ? a.scores : a.weights;
            for (Eigen::Index j = 0; j < v.size(); ++j) {
                const std::string tok = j < static_cast<Eigen::Index>(trace.sourceTokens.size()) ? trace.sourceTokens[static_cast<std::size_t>(j)] : "";
                out << head << q << "," << (j + 1) << "," << csvField(tok) << "," << number(v(j)) << "\n";
            }
        }
        for (Eigen::Index k = 0; k < a.context.size(); ++k)
            out << head << "context," << (k + 1) << ",," << number(a.context(k)) << "\n";
    }
    return out.str();
}

void saveTraceNpz(const std::string& file, const Trace& trace)
{
    const auto [n, dk] = sizes(trace);
    const auto m = static_cast<Eigen::Index>(trace.steps.size());
    Mat scores(m, n), weights(m, n), contexts(m, dk);
    bool queries = true;
    for (Eigen::Index t = 0; t < m; ++t) {
        const StepTrace& s = trace.steps[static_cast<std::size_t>(t)];
        scores.row(t) = s.attention->scores.transpose();
        weights.row(t) = s.attention->weights.transpose();
        contexts.row(t) = s.attention->context.transpose();
        queries = queries && s.query.size() == trace.steps.front().query.size() && s.query.size() > 0;
    }
    std::vector<std::pair<std::string, std::string>> members{{"scores", npyMatrix(scores)}, {"weights", npyMatrix(weights)}, {"contexts", npyMatrix(contexts)}};
    if (queries) {
        Mat q(m, trace.steps.front().query.size());
        for (Eigen::Index t = 0; t < m; ++t)
            q.row(t) = trace.steps[static_cast<std::size_t>(t)].query.transpose();
        members.emplace_back("queries", npyMatrix(q));
    }
    if (trace.encoderStates.size() != 0)
        members.emplace_back("encoder_states", npyMatrix(trace.encoderStates));
    if (!trace.sourceTokens.empty())
        members.emplace_back("source_tokens", npyStrings(trace.sourceTokens));
    Tokens targets;
    for (const StepTrace& s : trace.steps)
        targets.push_back(s.token);
    members.emplace_back("target_tokens", npyStrings(targets));

    const std::string tmp = file + ".tmp-" + std::to_string(::getpid());
    int error = 0;
    zip_t* z = zip_open(tmp.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
    if (!z)
        throw std::runtime_error(file + ": cannot write (cannot create " + tmp + ")");
    for (const auto& [name, bytes] : members) {
        zip_source_t* src = zip_source_buffer(z, bytes.data(), bytes.size(), 0);  // `members` outlives zip_close
        const zip_int64_t index = src ? zip_file_add(z, (name + ".npy").c_str(), src, ZIP_FL_ENC_UTF_8) : -1;
        if (index < 0 || zip_set_file_compression(z, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) != 0) {
            if (src && index < 0)
                zip_source_free(src);
            zip_discard(z);
            std::remove(tmp.c_str());
            throw std::runtime_error(file + ": cannot write (" + name + ")");
        }
    }
    if (zip_close(z) != 0) {
        zip_discard(z);
        std::remove(tmp.c_str());
        throw std::runtime_error(file + ": cannot write");
    }
    if (std::rename(tmp.c_str(), file.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw std::runtime_error(file + ": cannot write (rename failed)");
    }
}

} // namespace attnviz
