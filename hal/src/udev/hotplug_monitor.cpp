#include <atomic>
#include <fmt/format.h>
#include <poll.h>
#include <thread>

#include "npu/common/log.hpp"
#include "npu/hal/hotplug.hpp"
#include "udev/device_presence.hpp"
#include "udev/hotplug_event_parse.hpp"
#include "udev/udev_handles.hpp"

namespace npu::hal {
namespace {

std::string text(const char* s) { return s ? s : ""; }

class UdevHotplugMonitor final : public HotplugMonitor {
 public:
  UdevHotplugMonitor(udev::Context context, udev::Monitor monitor)
      : context_(std::move(context)), monitor_(std::move(monitor)) {}

  int fd() const noexcept override { return udev_monitor_get_fd(monitor_.get()); }

  Expected<std::optional<HotplugEvent>> next(std::chrono::milliseconds timeout) override {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{.fd = fd(), .events = POLLIN, .revents = 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
      if (n <= 0) return std::optional<HotplugEvent>{};  // timeout (EINTR counts as one)
      udev::DevicePtr dev(udev_monitor_receive_device(monitor_.get()));
      if (!dev) continue;
      udev::UeventFields f{text(udev_device_get_action(dev.get())),
                           text(udev_device_get_subsystem(dev.get())),
                           text(udev_device_get_devtype(dev.get())),
                           text(udev_device_get_sysname(dev.get())),
                           text(udev_device_get_syspath(dev.get())),
                           text(udev_device_get_property_value(dev.get(), "PCI_ID")),
                           text(udev_device_get_property_value(dev.get(), "PRODUCT"))};
      auto event = udev::parse_uevent(f);
      if (!event) continue;
      if (event->action == HotplugEvent::Action::kRemoved && presence::mark_removed(event->id))
        log().warn("{} was removed while open: its work fails with device-lost", event->id);
      return event;
    }
  }

 private:
  udev::Context context_;
  udev::Monitor monitor_;
};

class ThreadHotplugWatcher final : public HotplugWatcher {
 public:
  ThreadHotplugWatcher(std::unique_ptr<HotplugMonitor> monitor, Callback callback)
      : monitor_(std::move(monitor)), callback_(std::move(callback)), thread_([this] { run(); }) {}
  ~ThreadHotplugWatcher() override {
    stop_ = true;
    thread_.join();
  }

 private:
  void run() {
    while (!stop_) {
      auto event = monitor_->next(std::chrono::milliseconds(100));
      if (!event) {
        log().warn("hotplug monitor stopped: {}", event.error().what());
        return;
      }
      if (*event && callback_) callback_(**event);
    }
  }

  std::unique_ptr<HotplugMonitor> monitor_;
  Callback callback_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace

Expected<std::unique_ptr<HotplugMonitor>> HotplugMonitor::create() {
  udev::Context context(udev_new());
  if (!context) return fail(ErrorCode::kUnsupported, "cannot create a udev context (is udev running?)");
  udev::Monitor monitor(udev_monitor_new_from_netlink(context.get(), "udev"));
  if (!monitor)
    return fail(ErrorCode::kUnsupported,
                "cannot listen to udev events (no udev netlink socket: containers often lack /run/udev)");
  if (udev_monitor_filter_add_match_subsystem_devtype(monitor.get(), "pci", nullptr) < 0 ||
      udev_monitor_filter_add_match_subsystem_devtype(monitor.get(), "usb", "usb_device") < 0 ||
      udev_monitor_enable_receiving(monitor.get()) < 0)
    return fail(ErrorCode::kIo, "cannot enable udev event filtering for pci/usb");
  return std::make_unique<UdevHotplugMonitor>(std::move(context), std::move(monitor));
}

Expected<std::unique_ptr<HotplugWatcher>> HotplugWatcher::start(Callback on_event) {
  NPU_TRY_ASSIGN(auto monitor, HotplugMonitor::create());
  return std::make_unique<ThreadHotplugWatcher>(std::move(monitor), std::move(on_event));
}

}  // namespace npu::hal
