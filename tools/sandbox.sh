#!/usr/bin/env bash
# The main job (README): builds kr-node and runs it on a sandbox cluster, with the seed
# walkthrough.
#
# tools/kr-sandbox/walkthrough.sh does the work: the local apiserver (tools/kr-apiserver), the
# sandbox controller, two nodes as network namespaces on a bridge, each with kr-sandbox-agent
# (pods as network namespaces through the real CNI bridge plugin, an echo server in each) and
# the four daemons; then a Deployment and a Service, ClientIP affinity, NodePort, the dh
# scheduler and a NetworkPolicy, showing ipvsadm, routes, the BGP mesh and real requests. It
# runs inside the vm tier's VM (Debian's kernel under qemu, test/vm/README.md) because the
# proxy needs IPVS; where the VM cannot run it runs on this kernel without the IPVS steps.
# Everything it starts is stopped and removed at the end (the VM powers off).
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}

tools/install-deps.sh
BUILDDIR=$builddir tools/build.sh >/dev/null

vm_run=$builddir/test/support/vm-run
status=77
if [[ -x $vm_run ]]; then
  echo "== sandbox inside the VM (Debian's kernel under qemu, for IPVS): about 4 minutes under"
  echo "   emulation; its output appears when it is done"
  set +e
  "$vm_run" --timeout 900 --modules br_netfilter -- tools/kr-sandbox/walkthrough.sh "$builddir"
  status=$?
  set -e
fi
if ((status == 77)); then
  echo "== the VM is not available here: the sandbox runs on this kernel (no IPVS steps)"
  tools/kr-sandbox/walkthrough.sh "$builddir"
  status=$?
fi
exit "$status"
