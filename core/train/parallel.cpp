#include "core/train/parallel.h"

#include <atomic>
#include <exception>
#include <algorithm>
#include <thread>
#include <vector>

namespace attnviz {

void parallelFor(int parts, const std::function<void(int)>& work)
{
    if (parts <= 1) {
        work(0);
        return;
    }
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(parts));
    std::vector<std::thread> threads;
    for (int p = 1; p < parts; ++p)
        threads.emplace_back([&, p] {
            try {
                work(p);
            } catch (...) {
                errors[static_cast<std::size_t>(p)] = std::current_exception();
            }
        });
    try {
        work(0);
    } catch (...) {
        errors[0] = std::current_exception();
    }
    for (std::thread& t : threads)
        t.join();
    for (const std::exception_ptr& e : errors)
        if (e)
            std::rethrow_exception(e);
}

void parallelTasks(int threads, int tasks, const std::function<void(int)>& work)
{
    std::atomic<int> next{0};
    parallelFor(std::max(1, std::min(threads, tasks)), [&](int) {
        for (int task = next++; task < tasks; task = next++)
            work(task);
    });
}

} // namespace attnviz
