#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the Hyper-V lab's initramfs (busybox sh, PID 1). It loads kvm-amd and 9p, mounts the
# host's root read-only plus the read-write shares scripts/hvlab lists, chroots into the host root
# and runs /run/hvlab/run.sh. Serial ports: ttyS0 = kernel console (a log on the host),
# ttyS1 = the command's stdout, ttyS2 = its stderr. The exit status goes to the control share.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Console: warnings and worse only (lockups, RCU stalls, hung tasks), kept by hvlab on failure.
dmesg -n 4
# Raw ports add no \r and echo nothing, so the host receives the command's bytes unchanged.
stty -F /dev/ttyS1 raw -echo 2>/dev/null
stty -F /dev/ttyS2 raw -echo 2>/dev/null

fail() {
  echo "hvlab: $*" >/dev/ttyS2
  [ -d /ctl/. ] && echo "$*" >/ctl/failed
  poweroff -f
}

# Like modprobe, hand each module its MODULE.PARAM=VALUE words from the kernel command line
# (insmod alone ignores them); module names there use '_' where file names have '-'.
module_params() {
  local word prefix="$(echo "$1" | tr - _)."
  for word in $(cat /proc/cmdline); do
    case "$word" in "$prefix"*=*) echo "${word#"$prefix"}" ;; esac
  done
}
for m in $(cat /modules/order); do
  insmod "/modules/$m.ko" $(module_params "$m") 2>/dev/ttyS0 || fail "cannot load kernel module $m inside the lab"
done
NINEP="trans=virtio,version=9p2000.L,msize=512000"
mkdir -p /ctl /mnt/root
mount -t 9p -o "$NINEP,cache=none" hvctl /ctl || fail "cannot mount the control share"
[ -d /sys/module/kvm_amd ] || fail "kvm_amd is not loaded inside the lab"
[ -c /dev/kvm ] || fail "/dev/kvm does not exist inside the lab (no SVM in the emulated CPU?)"

mount -t 9p -o "$NINEP,ro,cache=loose" hvroot /mnt/root || fail "cannot mount the host root"
R=/mnt/root
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -o rbind /dev $R/dev
mount -o bind /proc $R/proc
mount -o bind /sys $R/sys
# tracefs, where jvmm run --stats reads KVM's trace points (the census' kernel side).
mount -t tracefs tracefs $R/sys/kernel/tracing 2>/dev/null || echo "hvlab: no tracefs in the lab" >/dev/ttyS0
mount -t tmpfs -o mode=1777 tmp $R/tmp
mount -t tmpfs -o mode=755 run $R/run
mkdir -p $R/run/hvlab
mount -o bind /ctl $R/run/hvlab
i=0
while IFS= read -r dir; do
  # A share under /tmp or /run has no directory on the fresh tmpfs yet.
  mkdir -p "$R$dir" 2>/dev/null
  mount -t 9p -o "$NINEP,cache=mmap" "hvrw$i" "$R$dir" || fail "cannot mount read-write share $dir"
  i=$((i + 1))
done </ctl/rw
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

echo "$(uname -r)" >/ctl/kernel
# The heartbeat: hvlab's watchdog takes a lab whose heartbeat stops for frozen, and the last
# one (uptime, load, free memory) says what the lab was doing then.
(
  while :; do
    echo "uptime $(cut -d' ' -f1 /proc/uptime) s, load $(cut -d' ' -f1-3 /proc/loadavg)," \
      "$(grep MemAvailable /proc/meminfo | tr -s ' ')" >/ctl/heartbeat.tmp && mv /ctl/heartbeat.tmp /ctl/heartbeat
    sleep 5
  done
) </dev/null >/dev/null 2>&1 &
touch /ctl/started
chroot $R /bin/bash /run/hvlab/run.sh </dev/null >/dev/ttyS1 2>/dev/ttyS2
echo $? >/ctl/rc.tmp && mv /ctl/rc.tmp /ctl/rc
sync
poweroff -f
