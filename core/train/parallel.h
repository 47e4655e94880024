#pragma once
// Fork–join over a few threads (the trainer's batch parts, the output layer's vocabulary parts, Adam's
// element ranges). Plain std::thread: the engine has no thread pool and the parts are coarse (milliseconds).
#include <functional>

namespace attnviz {

// Runs work(part) for part = 0..parts−1, part 0 on the calling thread; rethrows the first exception
// (in part order) after every part has finished.
void parallelFor(int parts, const std::function<void(int)>& work);

// Runs work(task) for task = 0..tasks−1 on `threads` threads (the caller included), each thread taking
// the next task not yet taken: a thread slowed by other load on its core does fewer tasks. The result
// must not depend on which thread ran a task (tasks write disjoint outputs); rethrows the first exception.
void parallelTasks(int threads, int tasks, const std::function<void(int)>& work);

} // namespace attnviz
