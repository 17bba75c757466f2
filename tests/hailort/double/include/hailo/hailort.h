// Test double of the part of HailoRT's C interface that npustack's HailoRT backend uses: the
// status codes, versions, device identity and VDevice parameters. Written for npustack's tests
// (not HailoRT's code); names and numeric values follow HailoRT 5.x's public API so the backend
// sources compile unchanged against this double and against the real headers.
#ifndef NPU_TEST_HAILORT_DOUBLE_H
#define NPU_TEST_HAILORT_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef float float32_t;

#define HAILO_MAX_ENUM (INT32_MAX)
#define HAILO_MAX_BOARD_NAME_LENGTH (32)
#define HAILO_MAX_DEVICE_ID_LENGTH (32)
#define HAILO_MAX_SERIAL_NUMBER_LENGTH (16)
#define HAILO_MAX_PART_NUMBER_LENGTH (16)
#define HAILO_MAX_PRODUCT_NAME_LENGTH (42)
#define HAILO_RANDOM_SEED (UINT32_MAX)

// The statuses the backend names, at HailoRT's values (others are plain integers here).
typedef enum {
  HAILO_SUCCESS = 0,
  HAILO_INVALID_ARGUMENT = 2,
  HAILO_OUT_OF_HOST_MEMORY = 3,
  HAILO_TIMEOUT = 4,
  HAILO_INSUFFICIENT_BUFFER = 5,
  HAILO_INVALID_OPERATION = 6,
  HAILO_NOT_IMPLEMENTED = 7,
  HAILO_INTERNAL_FAILURE = 8,
  HAILO_OPEN_FILE_FAILURE = 13,
  HAILO_FILE_OPERATION_FAILURE = 14,
  HAILO_UNSUPPORTED_CONTROL_PROTOCOL_VERSION = 15,
  HAILO_UNSUPPORTED_FW_VERSION = 16,
  HAILO_INVALID_FIRMWARE = 23,
  HAILO_INVALID_FRAME = 25,
  HAILO_INVALID_HEF = 26,
  HAILO_PCIE_NOT_SUPPORTED_ON_PLATFORM = 27,
  HAILO_INTERRUPTED_BY_SIGNAL = 28,
  HAILO_DRIVER_OPERATION_FAILED = 36,
  HAILO_INVALID_FIRMWARE_MAGIC = 37,
  HAILO_INVALID_FIRMWARE_CODE_SIZE = 38,
  HAILO_INVALID_KEY_CERTIFICATE_SIZE = 39,
  HAILO_INVALID_CONTENT_CERTIFICATE_SIZE = 40,
  HAILO_MISMATCHING_FIRMWARE_BUFFER_SIZES = 41,
  HAILO_INVALID_FIRMWARE_CPU_ID = 42,
  HAILO_OUT_OF_DESCRIPTORS = 47,
  HAILO_SHUTDOWN_EVENT_SIGNALED = 57,
  HAILO_NOT_FOUND = 61,
  HAILO_COMMUNICATION_CLOSED = 62,
  HAILO_STREAM_ABORT = 63,
  HAILO_DRIVER_NOT_INSTALLED = 64,
  HAILO_INVALID_SECOND_STAGE = 67,
  HAILO_NETWORK_GROUP_NOT_ACTIVATED = 69,
  HAILO_VSTREAM_PIPELINE_NOT_ACTIVATED = 70,
  HAILO_OUT_OF_FW_MEMORY = 71,
  HAILO_STREAM_NOT_ACTIVATED = 72,
  HAILO_DEVICE_IN_USE = 73,
  HAILO_OUT_OF_PHYSICAL_DEVICES = 74,
  HAILO_INVALID_DEVICE_ARCHITECTURE = 75,
  HAILO_INVALID_DRIVER_VERSION = 76,
  HAILO_RPC_FAILED = 77,
  HAILO_INVALID_SERVICE_VERSION = 78,
  HAILO_NOT_SUPPORTED = 79,
  HAILO_NMS_BURST_INVALID_DATA = 80,
  HAILO_OUT_OF_HOST_CMA_MEMORY = 81,
  HAILO_QUEUE_IS_FULL = 82,
  HAILO_CANT_MEET_BUFFER_REQUIREMENTS = 84,
  HAILO_DRIVER_INVALID_RESPONSE = 85,
  HAILO_DRIVER_INVALID_IOCTL = 86,
  HAILO_DRIVER_TIMEOUT = 87,
  HAILO_DRIVER_INTERRUPTED = 88,
  HAILO_CONNECTION_REFUSED = 89,
  HAILO_DRIVER_WAIT_CANCELED = 90,
  HAILO_HEF_FILE_CORRUPTED = 91,
  HAILO_HEF_NOT_SUPPORTED = 92,
  HAILO_HEF_NOT_COMPATIBLE_WITH_DEVICE = 93,
  HAILO_INVALID_HEF_USE = 94,
  HAILO_OPERATION_ABORTED = 95,
  HAILO_DEVICE_NOT_CONNECTED = 96,
  HAILO_DEVICE_TEMPORARILY_UNAVAILABLE = 97,
  HAILO_STATUS_COUNT = 98,
  HAILO_STATUS_MAX_ENUM = HAILO_MAX_ENUM
} hailo_status;

typedef struct {
  uint32_t major;
  uint32_t minor;
  uint32_t revision;
} hailo_version_t;

typedef enum hailo_device_architecture_e {
  HAILO_ARCH_HAILO8_A0 = 0,
  HAILO_ARCH_HAILO8,
  HAILO_ARCH_HAILO8L,
  HAILO_ARCH_HAILO15H,
  HAILO_ARCH_HAILO15L,
  HAILO_ARCH_HAILO15M,
  HAILO_ARCH_HAILO10H,
  HAILO_ARCH_HAILO12L,
  HAILO_ARCH_MAX_ENUM = HAILO_MAX_ENUM
} hailo_device_architecture_t;

typedef struct {
  uint32_t major;
  uint32_t minor;
  uint32_t revision;
} hailo_firmware_version_t;

typedef struct {
  uint32_t protocol_version;
  hailo_firmware_version_t fw_version;
  uint32_t logger_version;
  uint8_t board_name_length;
  char board_name[HAILO_MAX_BOARD_NAME_LENGTH];
  bool is_release;
  bool extended_context_switch_buffer;
  bool extended_fw_check;
  hailo_device_architecture_t device_architecture;
  uint8_t serial_number_length;
  char serial_number[HAILO_MAX_SERIAL_NUMBER_LENGTH];
  uint8_t part_number_length;
  char part_number[HAILO_MAX_PART_NUMBER_LENGTH];
  uint8_t product_name_length;
  char product_name[HAILO_MAX_PRODUCT_NAME_LENGTH];
} hailo_device_identity_t;

typedef struct {
  char id[HAILO_MAX_DEVICE_ID_LENGTH];
} hailo_device_id_t;

typedef enum hailo_scheduling_algorithm_e {
  HAILO_SCHEDULING_ALGORITHM_NONE = 0,
  HAILO_SCHEDULING_ALGORITHM_ROUND_ROBIN,
  HAILO_SCHEDULING_ALGORITHM_MAX_ENUM = HAILO_MAX_ENUM
} hailo_scheduling_algorithm_t;

typedef struct {
  uint32_t device_count;
  hailo_device_id_t* device_ids;
  hailo_scheduling_algorithm_t scheduling_algorithm;
  const char* group_id;
  bool multi_process_service;
} hailo_vdevice_params_t;

typedef enum {
  HAILO_FORMAT_TYPE_AUTO = 0,
  HAILO_FORMAT_TYPE_UINT8 = 1,
  HAILO_FORMAT_TYPE_UINT16 = 2,
  HAILO_FORMAT_TYPE_FLOAT32 = 3,
  HAILO_FORMAT_TYPE_MAX_ENUM = HAILO_MAX_ENUM
} hailo_format_type_t;

typedef struct {
  hailo_format_type_t type;
} hailo_format_t;

typedef struct {
  uint32_t height;
  uint32_t width;
  uint32_t features;
} hailo_3d_image_shape_t;

typedef struct {
  float32_t qp_zp;
  float32_t qp_scale;
  float32_t limvals_min;
  float32_t limvals_max;
} hailo_quant_info_t;

#ifdef __cplusplus
extern "C" {
#endif

hailo_status hailo_get_library_version(hailo_version_t* version);
const char* hailo_get_status_message(hailo_status status);
hailo_status hailo_init_vdevice_params(hailo_vdevice_params_t* params);

#ifdef __cplusplus
}
#endif

#endif  // NPU_TEST_HAILORT_DOUBLE_H
