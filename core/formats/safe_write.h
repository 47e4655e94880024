#pragma once
// Where a write to `file` really goes, and whether it may (issue 18), for every writer (saveDocument, the
// exports, checkpoints): a symbolic link is written through (its target is replaced, the link stays; a link
// to nothing is refused); a directory, device, FIFO or socket is refused; an existing file without any write
// bit is refused — checked on the mode, so root does not replace a read-only file either. Writers replace
// the target atomically and give the new file the old one's mode.
#include <string>

namespace attnviz {

// The path to replace. Throws std::runtime_error("FILE: cannot write (…)") when the write must not happen.
std::string writeTarget(const std::string& file);

} // namespace attnviz
