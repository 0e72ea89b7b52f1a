#!/bin/sh
# /init of the vm tier's initrd (busybox sh, running from RAM). Mounts the host root read-only
# over virtio-9p, prepares the guest's writable scratch and the results share, and hands PID 1
# to the guest script named by kr_init= on the kernel command line. Doing the mounts here with
# the in-memory busybox is faster than starting programs from 9p after switch_root.
# Any failure powers the VM off; the runner then reports the missing status.
export PATH=/bin
fail() {
  echo "initrd: $*" >&2
  busybox poweroff -f
}
busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev
for m in $(busybox cat /modules/order); do
  busybox insmod "/modules/$m" || fail "insmod $m failed"
done
# cache=loose: the host root does not change under a short test run, and page caching makes
# program start-up under emulation several times faster than uncached 9p reads.
busybox mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose hostroot \
  /newroot || fail "mounting the host root failed"
[ -n "$kr_init" ] || fail "no kr_init= on the kernel command line"

busybox mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail "mounting /run failed"
busybox mount -t tmpfs -o mode=1777 tmpfs /newroot/tmp || fail "mounting /tmp failed"
busybox mkdir -p /newroot/run/kr-vm
# The results share stays uncached: what the guest writes must reach the host before power-off.
busybox mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 results /newroot/run/kr-vm ||
  fail "mounting the results share failed"
busybox mkdir -p /dev/pts /dev/shm
busybox mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
busybox mount -t tmpfs -o mode=1777 tmpfs /dev/shm
for d in proc sys dev; do
  busybox mount --move "/$d" "/newroot/$d" || fail "moving /$d failed"
done
exec busybox switch_root /newroot /bin/sh "$kr_init"
