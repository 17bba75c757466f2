// The null timing model: every item costs nothing and time never advances. Selected with
// NPU_SIM_TIMING=null (TimingModel::create) to measure what the real timing model adds to a
// functional run's host time; all modeled figures are then zero.
#include "null_timing_model.hpp"

namespace npu::sim::detail {

namespace {

class NullTimingModel final : public TimingModel {
 public:
  explicit NullTimingModel(DeviceProfile profile) : profile_(std::move(profile)) {}
  Charge charge(const WorkItem& item, Cycles ready) override {
    ++totals_.items;
    (void)item;
    return Charge{.start = ready, .end = ready};
  }
  [[nodiscard]] Cycles now() const noexcept override { return 0; }
  [[nodiscard]] Cycles busy_cycles() const noexcept override { return 0; }
  [[nodiscard]] const DeviceProfile& profile() const noexcept override { return profile_; }
  [[nodiscard]] const TimingTotals& totals() const noexcept override { return totals_; }
  [[nodiscard]] double energy_j() const noexcept override { return 0.0; }
  void reset() noexcept override { totals_ = {}; }
  void enable_trace(bool) override {}
  [[nodiscard]] std::string trace_json() const override { return "{\"traceEvents\":[]}"; }

 private:
  DeviceProfile profile_;
  TimingTotals totals_;
};

}  // namespace

std::unique_ptr<TimingModel> make_null_timing_model(const DeviceProfile& profile) {
  return std::make_unique<NullTimingModel>(profile);
}

}  // namespace npu::sim::detail
