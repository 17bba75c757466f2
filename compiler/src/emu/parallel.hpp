// Splits a loop over independent rows across the host's cores (std::thread, at most 8) when the
// work is large enough to pay for the threads. Each row must be computed independently of the
// others, so results do not depend on the number of threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace npu::compiler::detail {

// Calls body(begin, end) over [0, rows) in contiguous slices. `work` is the total cost (e.g.
// multiply-adds); below ~2 million it runs on the calling thread.
template <class Body>
void parallel_rows(std::size_t rows, std::size_t work, const Body& body) {
  constexpr std::size_t kMinWorkPerThread = std::size_t{1} << 21;
  const std::size_t hw = std::max<std::size_t>(1, std::thread::hardware_concurrency());
  const std::size_t threads = std::min({hw, std::size_t{8}, rows, std::max<std::size_t>(1, work / kMinWorkPerThread)});
  if (threads <= 1) {
    body(std::size_t{0}, rows);
    return;
  }
  std::vector<std::jthread> pool;
  pool.reserve(threads - 1);
  const std::size_t per = (rows + threads - 1) / threads;
  for (std::size_t t = 1; t < threads; ++t) {
    const std::size_t begin = std::min(rows, t * per), end = std::min(rows, begin + per);
    if (begin < end) pool.emplace_back([&body, begin, end] { body(begin, end); });
  }
  body(std::size_t{0}, std::min(rows, per));
}  // the jthreads join here

}  // namespace npu::compiler::detail
