// The default calibration text: short chat-style reasoning traces with <think> sections, written
// for this project. It covers prose, numbers, code, lists and the chat markup the models see, so
// that the activation ranges recorded on it resemble those of real use.
#include "npu/compiler/llm_builtin.hpp"

namespace npu::compiler::llm {
namespace {

constexpr std::string_view kText = R"calib(<|im_start|>user
A train leaves at 14:35 and arrives at 17:10. How long is the trip?<|im_end|>
<|im_start|>assistant
<think>
The trip starts at 14:35 and ends at 17:10. From 14:35 to 16:35 is two hours. From 16:35 to 17:10 is
another 35 minutes. So the total is 2 hours and 35 minutes. Let me double-check by counting minutes:
17:10 is 1030 minutes after midnight, 14:35 is 875 minutes. 1030 - 875 = 155 minutes, which is
2 h 35 min. Good.
</think>
The trip takes 2 hours and 35 minutes (155 minutes).<|im_end|>
<|im_start|>user
Write a Python function that returns the n-th Fibonacci number.<|im_end|>
<|im_start|>assistant
<think>
A loop is simpler and faster than recursion here. Keep two running values a, b = 0, 1 and advance
n times. Edge cases: n = 0 gives 0, n = 1 gives 1. Negative n should raise an error.
</think>
```python
def fibonacci(n: int) -> int:
    if n < 0:
        raise ValueError("n must be non-negative")
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
```
For example, fibonacci(10) returns 55.<|im_end|>
<|im_start|>user
Is 391 a prime number?<|im_end|>
<|im_start|>assistant
<think>
Check small primes up to sqrt(391), which is about 19.8. 391 is odd, so not divisible by 2. Digit sum
is 13, so not by 3. It does not end in 0 or 5. 391 / 7 = 55.86, no. 391 / 11 = 35.5, no.
391 / 13 = 30.08, no. 391 / 17 = 23 exactly, because 17 * 23 = 391. So it is composite.
</think>
No. 391 = 17 x 23, so it is not prime.<|im_end|>
<|im_start|>user
Summarize why edge devices run language models with 4-bit weights.<|im_end|>
<|im_start|>assistant
<think>
The main costs on a small accelerator are memory capacity and memory bandwidth. During decoding every
weight is read once per generated token, so the token rate is roughly bandwidth divided by model
size. Halving the bytes per weight nearly doubles the rate. Activations stay at 8 bits because they
are small and more sensitive to rounding. I should also mention accuracy: per-channel or per-block
scales keep the error low.
</think>
Decoding reads every weight once per token, so speed is bound by memory bandwidth. Storing weights in
4 bits shrinks the model to about a quarter of its 16-bit size, which both fits the device's DRAM and
roughly doubles tokens per second compared with 8 bits. Activations are kept in 8 bits, and scales per
output channel (or per block of 32 weights) keep the quality loss small.<|im_end|>
<|im_start|>user
Translate "The weather is nice today, let's go for a walk." into French and German.<|im_end|>
<|im_start|>assistant
<think>
French: "Il fait beau aujourd'hui, allons nous promener." German: "Das Wetter ist heute schön, lass
uns spazieren gehen." Both keep the informal suggestion.
</think>
- French: Il fait beau aujourd'hui, allons nous promener.
- German: Das Wetter ist heute schön, lass uns spazieren gehen.<|im_end|>
<|im_start|>user
A rectangle has a perimeter of 36 cm and its length is twice its width. What is its area?<|im_end|>
<|im_start|>assistant
<think>
Let the width be w. Then the length is 2w and the perimeter is 2(w + 2w) = 6w = 36, so w = 6 cm and
the length is 12 cm. Area = 6 * 12 = 72 square centimetres.
</think>
The rectangle is 6 cm by 12 cm, so its area is 72 cm^2.<|im_end|>
<|im_start|>user
What does this shell command do? find . -name "*.log" -mtime +7 -delete<|im_end|>
<|im_start|>assistant
<think>
find starts in the current directory and recurses. -name "*.log" matches file names ending in .log.
-mtime +7 means modified more than 7 days ago. -delete removes each match. So it deletes old log
files. Worth warning that -delete is irreversible and its position matters.
</think>
It searches the current directory tree for files ending in `.log` that were last modified more than
seven days ago and deletes them. Run it once without `-delete` first to see what would be removed.<|im_end|>
<|im_start|>user
Plan a three-step approach to debug a program that crashes only on the Raspberry Pi.<|im_end|>
<|im_start|>assistant
<think>
Differences between the Pi and a desktop: arm64 instead of x86-64, 16 KiB pages on some kernels,
less memory, different compiler flags. A crash that appears only there often comes from alignment,
page-size assumptions, uninitialised memory or a race exposed by different timing.
1. Reproduce with debug info and a core dump, get the backtrace.
2. Run under AddressSanitizer / UndefinedBehaviorSanitizer on the Pi.
3. Check hard-coded sizes: page size, cache line, pointer width.
</think>
1. Reproduce it with a debug build and collect a backtrace (gdb or a core dump).
2. Build with -fsanitize=address,undefined and run the failing case on the Pi itself.
3. Look for platform assumptions: a hard-coded 4096-byte page (the Pi 5 kernel uses 16 KiB pages),
   unaligned access, or timing-dependent races.<|im_end|>
)calib";

}  // namespace

std::string_view default_calibration_text() { return kText; }

}  // namespace npu::compiler::llm
