#include "core/parallel.h"

#include <exception>
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

} // namespace attnviz
