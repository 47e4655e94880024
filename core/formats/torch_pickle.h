#pragma once
// .pt files as torch.save writes them (the default zip format since PyTorch 1.6): a zip archive
// PREFIX/data.pkl (a pickle), PREFIX/data/KEY (each storage's raw bytes), PREFIX/byteorder ("little"
// or "big", optional), PREFIX/version.
//
// The pickle is INTERPRETED, never executed: only the opcodes of protocols 2–5 that torch.save emits for
// dicts, lists, tuples, strings, numbers and tensors are understood, and the only globals allowed are
//   torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, collections.OrderedDict and the
//   storage types torch.{Float,Double,Half,BFloat16}Storage (integer/bool storages are named but refused).
// Any other global (os.system, builtins.eval, …) and any object-building opcode (BUILD, NEWOBJ, INST, OBJ)
// is refused with a message naming it. The top-level object must be a dict of tensors and lists of
// strings. Limits: core/formats/array_types.h (pickle 16 MiB, 100,000 values, nesting 64).
#include "core/formats/array_types.h"

#include <string>

namespace attnviz {

// The arrays AttnViz uses from a torch.save zip held in memory. Throws InputError(file, name, …).
ArrayFile readTorchZip(const std::string& bytes, const std::string& file, const ArrayLimits& limits = {});

// The pickle interpreter alone (for the fuzzer): runs `pickle` and checks the top-level dict, without
// reading storages. Throws InputError(file, "data.pkl", …).
void checkTorchPickle(const std::string& pickle, const std::string& file, const ArrayLimits& limits = {});

} // namespace attnviz
