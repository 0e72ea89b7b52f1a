#!/usr/bin/env bash
# The main job (README): builds kr-node and runs it on a local sandbox.
#
# What runs today: the local apiserver (tools/kr-apiserver) when it is built, the informer
# publishing on the bus when it is built, and the proxyd, policyd and routed daemons, each
# serving /healthz and /metrics on loopback; the script shows their health, the bus state and
# their metrics, then stops everything it started. The full sandbox of issue 11 (node network
# namespaces inside the VM, pods through the CNI plugin, the seed walkthrough) grows from here.
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${BUILDDIR:-build}

tools/install-deps.sh
BUILDDIR=$builddir tools/build.sh >/dev/null

work=$(mktemp -d /tmp/kr-sandbox-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
wait_http() {  # url: waits up to 30 s for an answer
  for _ in $(seq 300); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "no answer from $1" >&2
  return 1
}

apiserver=$builddir/tools/kr-apiserver/kr-apiserver
informer=$builddir/services/informer/kr-informer
master_flags=()
if [[ -x $apiserver ]]; then
  step "local apiserver (tools/kr-apiserver)"
  "$apiserver" --insecure-http --port 0 --port-file "$work/apiserver.port" \
    >"$work/apiserver.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do [[ -s $work/apiserver.port ]] && break; sleep 0.1; done
  master="http://127.0.0.1:$(cat "$work/apiserver.port")"
  master_flags=(--master="$master")
  echo "serving on $master"
  kubectl --server="$master" create -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
YAML
  kubectl --server="$master" get namespaces,services -A
fi

port=20241
declare -A ports
for daemon in informer proxyd policyd routed; do
  binary=$builddir/services/$daemon/kr-$daemon
  if [[ $daemon == informer && (! -x $binary || ${#master_flags[@]} -eq 0) ]]; then
    port=$((port + 1))
    continue
  fi
  flags=(--health-port="$port" --metrics-addr=127.0.0.1 --bus-dir="$work/bus")
  [[ $daemon == informer ]] && flags+=("${master_flags[@]}")
  step "starting kr-$daemon on 127.0.0.1:$port"
  "$binary" "${flags[@]}" >"$work/$daemon.log" 2>&1 &
  pids+=($!)
  ports[$daemon]=$port
  port=$((port + 1))
done

for daemon in "${!ports[@]}"; do
  url="http://127.0.0.1:${ports[$daemon]}"
  wait_http "$url/healthz"
  printf 'kr-%-9s /healthz: %s\n' "$daemon" "$(curl -fsS "$url/healthz")"
done

if [[ -n ${ports[informer]:-} && -x $builddir/tools/kr-bus/kr-bus ]]; then
  step "bus snapshot (tools/kr-bus snapshot)"
  for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:${ports[informer]}/metrics" | grep -q '^kr_informer_in_sync 1' && break
    sleep 0.1
  done
  "$builddir/tools/kr-bus/kr-bus" --bus-dir "$work/bus" --topic services snapshot | head -40 || true
fi

step "metrics of kr-proxyd (first lines)"
curl -fsS "http://127.0.0.1:${ports[proxyd]}/metrics" | grep -E '^(kr_|process_)' | head -8

step "stopping (SIGTERM)"
