#include "core/train/tasks.h"

#include "core/formats/error.h"
#include "core/formats/json_io.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

namespace attnviz {

namespace {

const char* const kMonths[12] = {"January", "February", "March",     "April",   "May",      "June",
                                 "July",    "August",   "September", "October", "November", "December"};
const char* const kWeekdays[7] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

std::string pad2(int v)
{
    return (v < 10 ? "0" : "") + std::to_string(v);
}

std::string lower(std::string s)
{
    for (char& c : s)
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// Uniform integer in [lo, hi] from 64 random bits (the same on every standard library).
long long uniformInt(std::mt19937_64& rng, long long lo, long long hi)
{
    const auto span = static_cast<unsigned long long>(hi - lo) + 1ULL;
    return lo + static_cast<long long>(rng() % span);
}

} // namespace

long long daysFromCivil(int y, int m, int d)
{
    // Hinnant, "chrono-Compatible Low-Level Date Algorithms", days_from_civil
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;                                   // [0, 399]
    const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
    const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
    return era * 146097 + doe - 719468;
}

void civilFromDays(long long z, int& year, int& month, int& day)
{
    // Hinnant, civil_from_days
    z += 719468;
    const long long era = (z >= 0 ? z : z - 146096) / 146097;
    const long long doe = z - era * 146097;
    const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const long long mp = (5 * doy + 2) / 153;
    day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    year = static_cast<int>(yoe + era * 400 + (month <= 2));
}

std::string weekdayName(int year, int month, int day)
{
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    const long long z = daysFromCivil(year, month, day);
    const long long w = ((z % 7) + 7 + 3) % 7;
    return kWeekdays[w];
}

std::string ordinal(int day)
{
    const char* suffix = "th";
    if (day % 100 < 11 || day % 100 > 13) {
        if (day % 10 == 1) suffix = "st";
        if (day % 10 == 2) suffix = "nd";
        if (day % 10 == 3) suffix = "rd";
    }
    return std::to_string(day) + suffix;
}

std::string formatDate(int y, int m, int d, int form)
{
    if (m < 1 || m > 12 || d < 1 || d > 31)
        throw ShapeError("formatDate: no date " + std::to_string(y) + "-" + std::to_string(m) + "-" + std::to_string(d));
    const std::string month = kMonths[m - 1], abbr = month.substr(0, 3), ys = std::to_string(y), ds = std::to_string(d);
    switch (form) {
    case 0: return ds + " " + month + " " + ys;
    case 1: return month + " " + ds + ", " + ys;
    case 2: return lower(abbr) + " " + ds + " " + ys;
    case 3: return ds + " " + lower(abbr) + " " + ys;
    case 4: return weekdayName(y, m, d) + ", " + month + " " + ds + ", " + ys;
    case 5: return pad2(d) + "." + pad2(m) + "." + ys;
    case 6: return pad2(m) + "/" + pad2(d) + "/" + ys;
    case 7: return ys + "/" + pad2(m) + "/" + pad2(d);
    case 8: return ordinal(d) + " of " + month + " " + ys;
    case 9: return abbr + " " + ordinal(d) + ", " + ys;
    default: throw ShapeError("formatDate: form " + std::to_string(form) + " is not one of 0.." + std::to_string(kDateForms - 1));
    }
}

std::string isoDate(int y, int m, int d)
{
    return std::to_string(y) + "-" + pad2(m) + "-" + pad2(d);
}

std::vector<TextPair> generateDates(std::size_t count, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    const long long first = daysFromCivil(1950, 1, 1), last = daysFromCivil(2049, 12, 31);
    std::vector<TextPair> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        int y = 0, m = 0, d = 0;
        civilFromDays(uniformInt(rng, first, last), y, m, d);
        const int form = static_cast<int>(uniformInt(rng, 0, kDateForms - 1));
        out.push_back({formatDate(y, m, d, form), isoDate(y, m, d)});
    }
    return out;
}

std::vector<TextPair> generateReverse(std::size_t count, std::uint64_t seed)
{
    static const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::mt19937_64 rng(seed);
    std::vector<TextPair> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto len = static_cast<std::size_t>(uniformInt(rng, 3, 20));
        std::string s(len, ' ');
        for (char& c : s)
            c = alphabet[static_cast<std::size_t>(uniformInt(rng, 0, static_cast<long long>(alphabet.size()) - 1))];
        out.push_back({s, std::string(s.rbegin(), s.rend())});
    }
    return out;
}

namespace {

std::string readAll(const std::string& path)
{
    checkRegularFile(path, kMaxTextBytes, endsWith(path, ".gz") ? "a gzip-compressed text file" : "a text file");
    if (endsWith(path, ".gz")) {
        // No zlib in the dependency list: decompress with the gzip program. The path is single-quoted.
        std::string quoted = "'";
        for (char c : path)
            quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
        quoted += "'";
        FILE* p = ::popen(("gzip -dc -- " + quoted + " 2>/dev/null").c_str(), "r");
        if (!p)
            throw InputError(path, "", "expected gzip to decompress the file, could not start it");
        std::string bytes;
        char buf[65536];
        std::size_t got = 0;
        while ((got = std::fread(buf, 1, sizeof buf, p)) > 0) {
            if (bytes.size() + got > kMaxTextBytes) {  // a decompression bomb: stop reading (gzip then dies of SIGPIPE)
                ::pclose(p);
                throw InputError(path, "", "expected text of at most " + std::to_string(kMaxTextBytes >> 20)
                                               + " MiB once decompressed, found more");
            }
            bytes.append(buf, got);
        }
        if (::pclose(p) != 0)
            throw InputError(path, "", "expected a gzip file, gzip -dc failed");
        return bytes;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, "", "expected a readable file, found none");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

bool blank(const std::string& s)
{
    return s.find_first_not_of(" \t\r") == std::string::npos;
}

} // namespace

std::vector<std::string> readTextLines(const std::string& path)
{
    const std::string bytes = readAll(path);
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        std::size_t end = bytes.find('\n', pos);
        if (end == std::string::npos)
            end = bytes.size();
        std::string line = bytes.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        out.push_back(std::move(line));
    }
    return out;
}

std::vector<TextPair> readParallelFile(const std::string& path)
{
    const std::vector<std::string> lines = readTextLines(path);
    std::vector<TextPair> out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        const std::size_t lineNo = i + 1;
        if (blank(line))
            continue;
        const std::size_t tab = line.find('\t');
        const std::string where = "line " + std::to_string(lineNo);
        if (tab == std::string::npos)
            throw InputError(path, where, "expected source<TAB>target, found no tab");
        TextPair p{line.substr(0, tab), line.substr(tab + 1)};
        if (const std::size_t tab2 = p.target.find('\t'); tab2 != std::string::npos)
            p.target.resize(tab2);  // extra columns (e.g. attribution) are ignored
        if (blank(p.source) || blank(p.target))
            throw InputError(path, where, "expected a non-empty source and target, found an empty side");
        out.push_back(std::move(p));
    }
    if (out.empty())
        throw InputError(path, "", "expected at least one source<TAB>target line, found none");
    return out;
}

TaskData makeTask(const std::string& task, const TaskOptions& o)
{
    TaskData t;
    t.name = task;
    // Validation data comes from a different random stream than training data.
    const std::uint64_t validSeed = o.seed ^ 0x9e3779b97f4a7c15ULL;
    if (task == "dates") {
        t.tokenizer = TokenizerKind::Char;
        t.train = generateDates(o.trainSize, o.seed);
        t.valid = generateDates(o.validSize, validSeed);
    } else if (task == "reverse") {
        t.tokenizer = TokenizerKind::Char;
        t.train = generateReverse(o.trainSize, o.seed);
        t.valid = generateReverse(o.validSize, validSeed);
    } else if (task.rfind("file:", 0) == 0) {
        t.tokenizer = TokenizerKind::Whitespace;
        std::vector<TextPair> all = readParallelFile(task.substr(5));
        std::mt19937_64 rng(o.seed);
        for (std::size_t i = all.size(); i > 1; --i)  // Fisher–Yates, seeded
            std::swap(all[i - 1], all[static_cast<std::size_t>(rng() % i)]);
        std::size_t hold = std::min(o.validSize, all.size() / 20);
        if (all.size() > 1)
            hold = std::max<std::size_t>(hold, 1);
        t.valid.assign(all.end() - static_cast<std::ptrdiff_t>(hold), all.end());
        all.resize(all.size() - hold);
        t.train = std::move(all);
    } else {
        throw InputError("", "", "expected a task \"dates\", \"reverse\" or \"file:PATH\", found \"" + task + "\"");
    }
    return t;
}

Tokens buildVocab(const std::vector<TextPair>& pairs, bool sourceSide, TokenizerKind tokenizer, int minCount)
{
    std::map<std::string, long long> counts;
    for (const TextPair& p : pairs)
        for (const std::string& tok : tokenize(sourceSide ? p.source : p.target, tokenizer))
            ++counts[tok];
    std::vector<std::pair<std::string, long long>> v;
    for (const auto& [tok, c] : counts)
        if (c >= minCount && tok != "<pad>" && tok != "<sos>" && tok != "<eos>" && tok != "<unk>")
            v.emplace_back(tok, c);
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    Tokens out{"<pad>", "<sos>", "<eos>", "<unk>"};
    for (const auto& [tok, c] : v)
        out.push_back(tok);
    return out;
}

} // namespace attnviz
