#pragma once
// NumPy .npy arrays and .npz archives (a zip of NAME.npy members, stored or deflated).
//
// .npy: "\x93NUMPY", version 1.x (2-byte header length), 2.x or 3.x (4 bytes), then a Python dict
// literal {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } and the raw data.
// Accepted dtypes: floats '<f2' '<f4' '<f8' (and '>' big-endian, '=' native); for token arrays NumPy
// strings '<U…' (UTF-32) and '|S…' (UTF-8 bytes), 1-D. Integer, boolean, complex, object (pickled)
// and structured dtypes are refused. Fortran order is read as column-major. Limits: core/formats/array_types.h.
#include "core/formats/array_types.h"

#include <string>

namespace attnviz {

// One .npy array named `name` (for messages). Numbers go to out.arrays[name], strings to out.strings[name].
void readNpy(const std::string& bytes, const std::string& file, const std::string& name, const ArrayLimits& limits,
             ArrayFile& out, long long& totalNumbers);

// The arrays of an .npz archive held in memory that AttnViz uses (numericArrayNames(), tokenArrayNames());
// other members are not inflated. Throws InputError(file, array name, …).
ArrayFile readNpz(const std::string& bytes, const std::string& file, const ArrayLimits& limits = {});

} // namespace attnviz
