#!/bin/sh
# PID 1 of the vm tier's guest, on the host root (read-only 9p) after switch_root; initrd-init.sh
# has mounted /run, /tmp, /dev/pts, /dev/shm and the results share. Loads the kernel modules the
# tests need, runs the command the runner left in the results share, records its status and
# output there, and powers off. POSIX sh (dash); shell built-ins and the static busybox where
# possible, because every program started from 9p costs time under emulation.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
results=/run/kr-vm

uptime_to() {
  read -r seconds _ </proc/uptime
  echo "$seconds" >"$results/$1"
}

uptime_to uptime-init
# One modprobe for all; singly only to name a failure.
# shellcheck disable=SC2046  # one module name per word
if ! modprobe -a $(cat "$results/modules") 2>/dev/null; then
  while read -r m; do
    modprobe "$m" || echo "guest: modprobe $m failed" >>"$results/guest-log"
  done <"$results/modules"
fi
busybox ip link set lo up
uptime_to uptime-command

/bin/bash "$results/command" </dev/null >"$results/output" 2>&1
status=$?
uptime_to uptime-done
# The runner reads the results only after qemu has exited, so no atomic rename is needed.
echo "$status" >"$results/status"
busybox sync
busybox poweroff -f
