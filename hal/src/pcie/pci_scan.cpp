#include "pcie/pci_scan.hpp"

#include <algorithm>
#include <csetjmp>
#include <cstdarg>
#include <cstdio>
#include <fmt/format.h>
#include <mutex>

extern "C" {
#include <pci/pci.h>
}

#include "npu/common/log.hpp"

namespace npu::hal::pcie {
namespace {

// libpci reports fatal errors through a callback that must not return (its default calls exit()).
// We jump back to scan_pci_bus(); only C frames of libpci lie in between.
std::mutex g_mutex;
std::jmp_buf g_jump;
char g_message[256];

// libpci declares the error hook `noreturn` as part of its type (GNU attribute, which Clang keeps in
// the function type; C++'s [[noreturn]] is not), and it never returns: it jumps back to the scan.
extern "C" __attribute__((noreturn)) void on_pci_error(char* msg, ...) {
  va_list args;
  va_start(args, msg);
  std::vsnprintf(g_message, sizeof g_message, msg, args);
  va_end(args);
  std::longjmp(g_jump, 1);
}

extern "C" void on_pci_warning(char* msg, ...) {
  char text[256];
  va_list args;
  va_start(args, msg);
  std::vsnprintf(text, sizeof text, msg, args);
  va_end(args);
  log().debug("libpci: {}", text);
}

extern "C" void on_pci_debug(char*, ...) {}

// No objects with destructors in this frame: longjmp may leave it.
bool scan_locked(std::vector<PciFunction>& out) {
  pci_access* volatile pacc = pci_alloc();
  if (setjmp(g_jump) != 0) return false;  // pacc leaks on this rare path: libpci state is unknown
  pacc->error = on_pci_error;
  pacc->warning = on_pci_warning;
  pacc->debug = on_pci_debug;
  pacc->method = PCI_ACCESS_SYS_BUS_PCI;
  pci_init(pacc);
  pci_scan_bus(pacc);
  for (pci_dev* dev = pacc->devices; dev; dev = dev->next) {
    pci_fill_info(dev, PCI_FILL_IDENT | PCI_FILL_CLASS);
    PciFunction f;
    f.bdf = fmt::format("{:04x}:{:02x}:{:02x}.{:x}", dev->domain, dev->bus, dev->dev, dev->func);
    f.vendor_id = dev->vendor_id;
    f.device_id = dev->device_id;
    f.class_code = dev->device_class;
    out.push_back(std::move(f));
  }
  pci_cleanup(pacc);
  return true;
}

}  // namespace

Expected<std::vector<PciFunction>> scan_pci_bus() {
  std::vector<PciFunction> found;
  std::lock_guard lock(g_mutex);
  if (!scan_locked(found))
    return fail(ErrorCode::kIo, fmt::format("cannot list PCI devices through libpci: {} (is /sys mounted?)", g_message));
  std::ranges::sort(found, {}, &PciFunction::bdf);
  return found;
}

}  // namespace npu::hal::pcie
