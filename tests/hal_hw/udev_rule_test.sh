#!/usr/bin/env bash
# Least privilege of udev/70-npustack.rules: VFIO group nodes go to the `npu` group only when the
# IOMMU group holds an npustack NPU (and bridges), decided by udev/npu-vfio-group; checked against
# fake sysfs trees. Arguments: the source tree's udev directory.
set -euo pipefail
UDEV=$1
HELPER=$UDEV/npu-vfio-group
RULES=$UDEV/70-npustack.rules
SYS=$(mktemp -d)
trap 'rm -rf "$SYS"' EXIT

# device GROUP NAME VENDOR DEVICE CLASS
device() {
  local d=$SYS/kernel/iommu_groups/$1/devices/$2
  mkdir -p "$d"
  echo "$3" >"$d/vendor"; echo "$4" >"$d/device"; echo "$5" >"$d/class"
}
device 1 0000:01:00.0 0x1b36 0x4e50 0x120000   # the NPU alone
device 2 0000:02:00.0 0x1b36 0x4e50 0x120000   # the NPU behind a bridge
device 2 0000:00:1c.0 0x8086 0xa110 0x060400
device 3 0000:03:00.0 0x10de 0x2684 0x030000   # a GPU bound to vfio-pci for a VM
device 4 0000:04:00.0 0x1b36 0x4e50 0x120000   # the NPU sharing its group with a network card
device 4 0000:04:00.1 0x8086 0x1533 0x020000
device 5 0000:05:00.0 0x1e60 0x45c4 0x128000   # a vendor part npustack does not drive over VFIO
mkdir -p "$SYS/kernel/iommu_groups/6/devices"     # an empty group

check() {  # check WANT GROUP [ENV...]
  local want=$1 group=$2 got=0
  shift 2
  env NPU_SYSFS_ROOT="$SYS" "$@" sh "$HELPER" "$group" || got=$?
  if [ "$want" = grant ] && [ "$got" -ne 0 ]; then echo "group $group: not granted"; exit 1; fi
  if [ "$want" = deny ] && [ "$got" -eq 0 ]; then echo "group $group: granted"; exit 1; fi
  echo "group $group: $want"
}
check grant 1
check grant 2
check deny 3
check deny 4
check deny 5
check deny 6
check deny 7            # no such group
check deny "1/../3"     # not a group number
check grant 5 NPU_PCI_ID=1E60:45C4  # an id added for this machine, as the library reads it

# Every rule line for VFIO goes through the helper; no rule grants a whole subsystem.
if grep -E '^[^#]*SUBSYSTEM=="vfio"' "$RULES" | grep -v 'PROGRAM=="npu-vfio-group %k"'; then
  echo "a VFIO rule without the npu-vfio-group check"; exit 1
fi
if grep -E '^[^#]*GROUP="npu"' "$RULES" | grep -vE 'ATTR\{idVendor\}|PROGRAM=='; then
  echo "a rule that grants the npu group without matching npustack's ids"; exit 1
fi
echo "udev rule: least privilege OK"
