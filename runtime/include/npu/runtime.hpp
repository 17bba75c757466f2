// The whole public runtime API in one include.
#pragma once

#include "npu/async_infer_job.hpp"
#include "npu/bindings.hpp"
#include "npu/configured_infer_model.hpp"
#include "npu/device_info.hpp"
#include "npu/infer_model.hpp"
#include "npu/run_info.hpp"
#include "npu/stream_info.hpp"
#include "npu/vdevice.hpp"
