// The whole device ABI in one include.
#pragma once

#include "npu_abi/dma.hpp"
#include "npu_abi/fw_image.hpp"
#include "npu_abi/mailbox.hpp"
#include "npu_abi/program.hpp"
#include "npu_abi/regs.hpp"
#include "npu_abi/version.hpp"
