#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0-or-later
# /init of the test guest (busybox sh, PID 1). Loads the kernel modules jvmm.modules=a,b names (from
# /modules: the Hyper-V guest drivers hv_vmbus, hv_utils, hv_balloon, in that order of need),
# prints JVMM-GUEST-READY and nproc=<n>, then runs the base64-encoded command of jvmm.run=<b64>,
# if any, on the console. With jvmm.exit
# (or jvmm.exit=poweroff / jvmm.exit=reboot) it prints JVMM-GUEST-EXIT=<status> and powers off or
# reboots; without it, it opens an interactive shell on the console.
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root TERM=linux
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null

set -f   # cmdline words are data, never globs
run="" exit_mode="" modules=""
for word in $(cat /proc/cmdline); do
  case "$word" in
    jvmm.run=*) run="${word#jvmm.run=}" ;;
    jvmm.exit) exit_mode=poweroff ;;
    jvmm.exit=*) exit_mode="${word#jvmm.exit=}" ;;
    jvmm.modules=*) modules="${word#jvmm.modules=}" ;;
  esac
done
set +f
# Modules load before the ready marker, so a test that sees it knows the drivers have probed.
for m in $(echo "$modules" | tr ',' ' '); do
  case "$m" in *[!a-z0-9_]*) echo "jvmm-guest: bad module name '$m'"; continue ;; esac
  insmod "/modules/$m.ko" || echo "jvmm-guest: cannot load module $m"
done
echo JVMM-GUEST-READY
echo "nproc=$(nproc 2>/dev/null || grep -c '^processor' /proc/cpuinfo)"

status=0
if [ -n "$run" ]; then
  if command=$(echo "$run" | base64 -d 2>/dev/null) && [ -n "$command" ]; then
    sh -c "$command"
    status=$?
  else
    echo "jvmm-guest: jvmm.run is not valid base64: $run"
    status=125
  fi
fi

if [ -n "$exit_mode" ]; then
  echo "JVMM-GUEST-EXIT=$status"
  case "$exit_mode" in
    reboot) reboot -f ;;
    *) poweroff -f ;;
  esac
else
  # Job control stays off: no controlling tty is needed, and stdin is the console.
  sh </dev/console >/dev/console 2>&1
  poweroff -f
fi
# poweroff returns only where nothing can power the machine off; PID 1 must not exit.
while :; do sleep 3600; done
