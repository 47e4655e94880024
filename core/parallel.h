#pragma once
// Fork–join over a few threads (the trainer's batch parts, the output layer's vocabulary parts, Adam's
// element ranges). Plain std::thread: the engine has no thread pool and the parts are coarse (milliseconds).
#include <functional>

namespace attnviz {

// Runs work(part) for part = 0..parts−1, part 0 on the calling thread; rethrows the first exception
// (in part order) after every part has finished.
void parallelFor(int parts, const std::function<void(int)>& work);

} // namespace attnviz
