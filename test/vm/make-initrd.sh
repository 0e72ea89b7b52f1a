#!/usr/bin/env bash
# Builds the vm tier's small initrd: a static busybox, the modules that reach the host root over
# virtio-9p, and initrd-init.sh as /init. Everything else the VM runs comes from the host root.
#   make-initrd.sh <kernel release> <output .cpio.gz>
set -euo pipefail
release=$1
output=$2
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/kr-initrd.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,newroot,modules}
cp /bin/busybox "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 0755 "$here/initrd-init.sh" "$root/init"

# modprobe knows the dependency order; "builtin" lines need no file. Each module once, first
# occurrence wins (dependencies come before their users in modprobe's output).
order=$root/modules/order
: >"$order"
while read -r verb path _; do
  [[ $verb == insmod ]] || continue
  name=$(basename "$path")
  grep -qxF "$name" "$order" && continue
  cp "$path" "$root/modules/$name"
  echo "$name" >>"$order"
done < <(modprobe -S "$release" -a --show-depends virtio_pci 9pnet_virtio 9p)
[[ -s $order ]] || { echo "make-initrd: no 9p modules found for $release" >&2; exit 1; }

# busybox's cpio: the one package the initrd needs anyway.
(cd "$root" && find . | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 >"$work/initrd"
mv -f "$work/initrd" "$output"
