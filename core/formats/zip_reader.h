#pragma once
// Reading zip archives in memory through libzip (.npz and torch.save's .pt are zip archives).
// Only stored and deflated members are read; encrypted members are refused. Limits (ArrayLimits):
// at most maxMembers members, and at most maxInflatedTotal bytes inflated over all members read —
// checked against each member's size in the zip directory before inflating AND while inflating
// (a member that inflates past its stated size, or short of it, is refused; CRCs are checked).
#include "core/formats/array_types.h"

#include <string>
#include <vector>

struct zip;

namespace attnviz {

class ZipReader {
public:
    // `bytes` must outlive the reader. Throws InputError(file, "", …) when it is not a readable zip archive.
    ZipReader(const std::string& bytes, const std::string& file, const ArrayLimits& limits);
    ~ZipReader();
    ZipReader(const ZipReader&) = delete;
    ZipReader& operator=(const ZipReader&) = delete;

    const std::vector<std::string>& names() const { return names_; }
    bool contains(const std::string& member) const;
    // The member's inflated bytes. `what` names it in messages (e.g. the array name). Throws InputError.
    std::string read(const std::string& member, const std::string& what);

private:
    struct zip* zip_ = nullptr;
    std::string file_;
    ArrayLimits limits_;
    std::vector<std::string> names_;
    unsigned long long inflated_ = 0;
};

// True when `bytes` starts like a zip archive (a local file header, or an empty archive's end record).
bool looksLikeZip(const std::string& bytes);

} // namespace attnviz
