#include "core/formats/zip_reader.h"

#include <zip.h>

#include <algorithm>

namespace attnviz {

bool looksLikeZip(const std::string& bytes)
{
    return bytes.size() >= 4 && bytes[0] == 'P' && bytes[1] == 'K'
           && ((bytes[2] == '\x03' && bytes[3] == '\x04') || (bytes[2] == '\x05' && bytes[3] == '\x06'));
}

ZipReader::ZipReader(const std::string& bytes, const std::string& file, const ArrayLimits& limits) : file_(file), limits_(limits)
{
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (!src) {
        const std::string msg = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw InputError(file, "", "expected a zip archive, found one libzip cannot read (" + msg + ")");
    }
    zip_ = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &error);
    if (!zip_) {
        zip_source_free(src);
        const std::string msg = zip_error_strerror(&error);
        zip_error_fini(&error);
        throw InputError(file, "", "expected a zip archive, found a truncated or corrupt one (" + msg + ")");
    }
    zip_error_fini(&error);
    const zip_int64_t n = zip_get_num_entries(zip_, 0);
    if (n < 0 || static_cast<unsigned long long>(n) > limits.maxMembers) {
        zip_discard(zip_);
        throw InputError(file, "", "expected a zip archive of at most " + std::to_string(limits.maxMembers) + " members, found " + std::to_string(n));
    }
    for (zip_int64_t i = 0; i < n; ++i) {
        const char* name = zip_get_name(zip_, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
        names_.push_back(name ? name : "");
    }
}

ZipReader::~ZipReader()
{
    if (zip_)
        zip_discard(zip_);
}

bool ZipReader::contains(const std::string& member) const
{
    return std::find(names_.begin(), names_.end(), member) != names_.end();
}

std::string ZipReader::read(const std::string& member, const std::string& what)
{
    const auto it = std::find(names_.begin(), names_.end(), member);
    if (it == names_.end())
        throw InputError(file_, what, "expected the zip member \"" + member + "\", found none");
    const auto index = static_cast<zip_uint64_t>(it - names_.begin());
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_, index, ZIP_FL_ENC_RAW, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
        throw InputError(file_, what, "expected a readable zip member \"" + member + "\", found a corrupt directory entry");
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        throw InputError(file_, what, "expected an unencrypted zip member, found an encrypted one");
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
        throw InputError(file_, what, "expected a stored or deflated zip member, found compression method " + std::to_string(st.comp_method));
    const unsigned long long remaining = limits_.maxInflatedTotal - inflated_;
    if (st.size > remaining)
        throw InputError(file_, what, "expected at most " + std::to_string(limits_.maxInflatedTotal >> 20) + " MiB inflated in all, found a member of "
                                          + std::to_string(st.size) + " bytes (its zip directory entry)");
    // Deflate expands at most about 1032:1 and a stored member is its own size: a directory entry that
    // claims more is refused before anything is allocated.
    if ((st.valid & ZIP_STAT_COMP_SIZE)
        && (st.comp_method == ZIP_CM_STORE ? st.size != st.comp_size : st.size / 1032 > st.comp_size + 1))
        throw InputError(file_, what, "expected a member size its compressed size can hold, found " + std::to_string(st.size) + " bytes stated for "
                                          + std::to_string(st.comp_size) + " compressed bytes");
    zip_file_t* f = zip_fopen_index(zip_, index, 0);
    if (!f)
        throw InputError(file_, what, std::string("expected a readable zip member, found: ") + zip_strerror(zip_));
    // Grown as bytes arrive (1 MiB at a time), so memory follows what really inflates.
    std::string out;
    unsigned long long got = 0;
    while (got < st.size) {
        const unsigned long long chunk = std::min<unsigned long long>(st.size - got, 1u << 20);
        out.resize(static_cast<std::size_t>(got + chunk));
        const zip_int64_t r = zip_fread(f, out.data() + got, chunk);
        if (r < 0) {
            const std::string msg = zip_file_strerror(f);
            zip_fclose(f);
            throw InputError(file_, what, "expected an intact zip member, found a corrupt one (" + msg + ")");
        }
        if (r == 0)
            break;
        got += static_cast<unsigned long long>(r);
    }
    char extra = 0;
    const zip_int64_t more = got == st.size ? zip_fread(f, &extra, 1) : 0;
    const std::string tail = more < 0 ? zip_file_strerror(f) : "";
    zip_fclose(f);
    out.resize(static_cast<std::size_t>(got));
    if (got < st.size)
        throw InputError(file_, what, "expected " + std::to_string(st.size) + " bytes inflated (its zip directory entry), found " + std::to_string(got));
    if (more > 0)
        throw InputError(file_, what, "expected " + std::to_string(st.size) + " bytes inflated (its zip directory entry), found more");
    if (more < 0)
        throw InputError(file_, what, "expected an intact zip member, found a corrupt one (" + tail + ")");
    inflated_ += st.size;
    return out;
}

} // namespace attnviz
