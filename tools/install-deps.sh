#!/usr/bin/env bash
# Installs everything the build, the tests, the VM tier and the sandbox need, from Debian 12
# packages only. Idempotent: packages already present are not fetched again, and apt's
# package lists are refreshed only when something is missing.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config g++ clang-format
  # libraries (see meson.build)
  libzmq3-dev cppzmq-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev libmnl-dev
  libnftnl-dev libboost-dev libboost-system-dev nlohmann-json3-dev libcpp-httplib-dev
  libssl-dev libyaml-cpp-dev libipset-dev catch2
  # kernel tools the daemons and tests drive
  iproute2 iptables ipset ipvsadm conntrack kmod curl socat openssl python3
  # vm tier: Debian's kernel (IPVS, dummy, IPIP, SCTP as modules), qemu, a static busybox
  qemu-system-x86 linux-image-amd64 busybox-static
  # real peers and clients for tests
  gobgpd bird2 frr containernetworking-plugins python3-zmq python3-cbor2 python3-kubernetes
  # fuzzing (libFuzzer with sanitizers)
  clang libclang-rt-14-dev
  # Helm chart rendering in tests: Go's text/template with sprig, as Helm does
  golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v2-dev
  golang-github-xeipuuv-gojsonschema-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing packages (${missing[*]}); run as root" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# bird2 and frr ship system services; the tests start their own instances in namespaces.
for svc in bird frr; do
  systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
echo "install-deps: done"
