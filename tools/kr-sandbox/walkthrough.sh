#!/usr/bin/env bash
# The sandbox cluster and the seed walkthrough, on the kernel this runs on (root). tools/sandbox.sh
# runs it inside the vm tier's VM, whose kernel has IPVS; it also runs on a host without IPVS,
# where the proxy steps say so. Everything it makes (namespaces, processes, files) is removed at
# exit.
#
#   tools/kr-sandbox/walkthrough.sh BUILDDIR
#
# Layout (TEST-NET-1 for nodes, 198.18.0.0/16 for pods):
#   hub netns: bridge br0 192.0.2.1, kr-apiserver (http), kr-sandbox-controller, kubectl
#   node-1, node-2 netns: eth0 192.0.2.11/.12 on br0; kr-sandbox-agent (pods via the CNI bridge
#     plugin), kr-informer, kr-proxyd, kr-policyd, kr-routed with their own bus directory
# Walkthrough steps report OK or FAILED and go on; the exit status is 1 when the cluster did not
# come up or a step failed, 77 (skipped) without root or kubectl. Also the privileged test
# kr-sandbox-walkthrough (on the host kernel: without the IPVS steps).
set -uo pipefail
# 77: skipped, for meson's privileged tier.
((EUID == 0)) || { echo "walkthrough: skipped: needs root"; exit 77; }
command -v kubectl >/dev/null || { echo "walkthrough: skipped: no kubectl"; exit 77; }
builddir=$(realpath "${1:?usage: walkthrough.sh BUILDDIR}")
bin=$builddir/tools/kr-sandbox
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

work=$(mktemp -d /tmp/kr-sandbox-XXXXXX)
prefix=krsb$$-
hub=${prefix}hub
pids=()  # of the programs started in the background (`ip netns exec` execs them: same pid)
failures=0

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  local ns
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix"); do
    # Whatever still runs in our namespaces was started by us (pods whose agent died).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns delete "$ns"
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n=== %s\n' "$*"; }
indent() { sed 's/^/  /'; }
show() {  # k ARGS (kubectl) | NODE CMD... (in the node's namespace): prints it, then its output
  local where=$1
  shift
  if [[ $where == k ]]; then
    printf '$ kubectl %s\n' "$*"
    k "$@" 2>&1 | sed 's/^/  /'
  else
    printf '%s# %s\n' "$where" "$*"
    in_ns "$prefix$where" "$@" 2>&1 | sed 's/^/  /'
  fi
}
ok() { printf '  -> OK: %s\n' "$*"; }
failed() {
  printf '  -> FAILED: %s\n' "$*"
  failures=$((failures + 1))
}
wait_for() {  # seconds command...: polls until the command succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}
in_ns() { ip netns exec "$@"; }
k() { in_ns "$hub" kubectl --kubeconfig "$work/kubeconfig" "$@"; }
logs_of() { tail -n 20 "$work/logs/$1.log" 2>/dev/null | sed "s/^/  [$1] /"; }

# --- the network -----------------------------------------------------------------------------
step "network: hub bridge 192.0.2.1/24, nodes node-1 (192.0.2.11) and node-2 (192.0.2.12)"
mkdir -p "$work/logs"
modprobe br_netfilter 2>/dev/null
ip netns add "$hub"
in_ns "$hub" ip link set lo up
in_ns "$hub" ip link add br0 type bridge
in_ns "$hub" ip addr add 192.0.2.1/24 dev br0
in_ns "$hub" ip link set br0 up
declare -A node_ip=([node-1]=192.0.2.11 [node-2]=192.0.2.12)
nodes=(node-1 node-2)
for node in "${nodes[@]}"; do
  ns=$prefix$node
  ip netns add "$ns"
  in_ns "$ns" ip link set lo up
  ip link add "v-$node" netns "$hub" type veth peer name eth0 netns "$ns"
  in_ns "$hub" ip link set "v-$node" master br0 up
  in_ns "$ns" ip addr add "${node_ip[$node]}/24" dev eth0
  in_ns "$ns" ip link set eth0 up
  in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1
  # Pods of one node share kube-bridge: NetworkPolicy sees their traffic only through
  # br_netfilter, as on a kube-router node.
  in_ns "$ns" sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null ||
    echo "  $node: no br_netfilter: policies between pods of one node are not enforced"
done
ip netns list | grep "^$prefix" | sed "s/^/  /"

# --- control plane ---------------------------------------------------------------------------
step "control plane: kr-apiserver and kr-sandbox-controller in the hub"
ip netns exec "$hub" "$builddir/tools/kr-apiserver/kr-apiserver" --insecure-http --bind-address 192.0.2.1 \
  --port 0 --port-file "$work/apiserver.port" >"$work/logs/apiserver.log" 2>&1 &
pids+=($!)
if ! wait_for 60 test -s "$work/apiserver.port"; then
  logs_of apiserver
  echo "the apiserver did not start" >&2
  exit 1
fi
master=http://192.0.2.1:$(cat "$work/apiserver.port")
kubectl config --kubeconfig "$work/kubeconfig" set-cluster sandbox --server "$master" >/dev/null
kubectl config --kubeconfig "$work/kubeconfig" set-context sandbox --cluster sandbox >/dev/null
kubectl config --kubeconfig "$work/kubeconfig" use-context sandbox >/dev/null
echo "  apiserver $master; kubeconfig $work/kubeconfig (kubectl runs in netns $hub)"
ip netns exec "$hub" "$bin/kr-sandbox-controller" --master "$master" --cluster-cidr 198.18.0.0/16 \
  >"$work/logs/controller.log" 2>&1 &
pids+=($!)

# --- nodes -----------------------------------------------------------------------------------
step "nodes: kr-sandbox-agent and the four daemons in each node namespace"
for node in "${nodes[@]}"; do
  ns=$prefix$node
  dir=$work/$node
  mkdir -p "$dir/bus"
  cni_conf=$dir/10-kuberouter.conflist
  "$bin/kr-sandbox-agent" --node "$node" --node-ip "${node_ip[$node]}" --node-netns "$ns" \
    --master "$master" --cni-conf "$cni_conf" --write-cni-conf --cni-data-dir "$dir/ipam" \
    --netns-prefix "$prefix" >"$work/logs/$node-agent.log" 2>&1 &
  pids+=($!)
  common=(--master="$master" --hostname-override="$node" --bus-dir="$dir/bus"
    --metrics-addr=127.0.0.1)
  declare -A flags=(
    [informer]="--health-port=20241 --metrics-port=20251"
    [proxyd]="--health-port=20242 --metrics-port=20252 --cluster-cidr=198.18.0.0/16 --masquerade-all"
    [policyd]="--health-port=20243 --metrics-port=20253"
    [routed]="--health-port=20244 --metrics-port=20254 --cluster-asn=64512 --enable-overlay=false --enable-pod-egress=false --cni-conf-file=$cni_conf"
  )
  for daemon in informer proxyd policyd routed; do
    binary=$builddir/services/$daemon/kr-$daemon
    if [[ ! -x $binary ]]; then
      echo "  $node: kr-$daemon not built, skipped"
      continue
    fi
    # shellcheck disable=SC2086  # the flags are words
    KUBE_ROUTER_CNI_CONF_FILE=$cni_conf ip netns exec "$ns" "$binary" "${common[@]}" ${flags[$daemon]} \
      >"$work/logs/$node-$daemon.log" 2>&1 &
    pids+=($!)
  done
done
for node in "${nodes[@]}"; do
  for port in 20241 20242 20243 20244; do
    if wait_for 60 in_ns "$prefix$node" curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz"; then
      printf '  %s :%s /healthz ok\n' "$node" "$port"
    else
      printf '  %s :%s /healthz: no answer\n' "$node" "$port"
    fi
  done
done
if wait_for 60 sh -c "[ \$(ip netns exec $hub kubectl --kubeconfig $work/kubeconfig get nodes -o jsonpath='{.items[*].spec.podCIDR}' | wc -w) = 2 ]"; then
  show k get nodes -o custom-columns=NAME:.metadata.name,INTERNAL-IP:.status.addresses[0].address,POD-CIDR:.spec.podCIDR
else
  logs_of controller
  echo "the nodes did not register" >&2
  exit 1
fi
declare -A node_cidr
for node in "${nodes[@]}"; do
  node_cidr[$node]=$(k get node "$node" -o jsonpath='{.spec.podCIDR}')
done

# Pod routes between nodes come from kr-routed's BGP mesh; without them, static routes stand in.
step "pod routes between the nodes (kr-routed's BGP mesh)"
routes_ok() {
  in_ns "${prefix}node-1" ip route show "${node_cidr[node-2]}" | grep -q via &&
    in_ns "${prefix}node-2" ip route show "${node_cidr[node-1]}" | grep -q via
}
if wait_for 30 routes_ok; then
  ok "kr-routed installed the other node's pod CIDR on each node"
else
  failed "no BGP routes after 30 s; static routes stand in so the walkthrough can go on"
  logs_of node-1-routed
  in_ns "${prefix}node-1" ip route replace "${node_cidr[node-2]}" via 192.0.2.12
  in_ns "${prefix}node-2" ip route replace "${node_cidr[node-1]}" via 192.0.2.11
fi
show node-1 ip route
if [[ -x $builddir/tools/kr-bgp/kr-bgp && -S $work/node-1/bus/routed-bgp.sock ]]; then
  show node-1 "$builddir/tools/kr-bgp/kr-bgp" --socket "$work/node-1/bus/routed-bgp.sock" neighbor
else
  echo "  (BGP neighbours: kr-bgp has no control socket of kr-routed to ask in this run)"
  in_ns "${prefix}node-1" curl -fsS http://127.0.0.1:20254/metrics 2>/dev/null | grep -E '^kube_router_bgp|^kr_routed_bgp' | head -5 | sed 's/^/  /'
fi

# --- the walkthrough -------------------------------------------------------------------------
step "1. a Deployment of 3 echo pods and a ClusterIP Service (namespace demo), a client pod"
k apply -f - <<'YAML' | sed 's/^/  /'
apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: v1
kind: Namespace
metadata: {name: other, labels: {team: other}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: demo}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx-like-echo, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: demo}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: other}
spec:
  replicas: 1
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec:
      containers: [{name: client, image: echo}]
YAML
pods_ready() {  # namespace count
  [[ $(k get pods -n "$1" -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c True) == "$2" ]]
}
if wait_for 120 pods_ready demo 3 && wait_for 60 pods_ready other 1; then
  ok "4 pods running"
else
  failed "pods did not become ready"
  logs_of node-1-agent
fi
show k get pods -A -o wide
show k get endpointslices -n demo -o wide
if [[ -x $builddir/tools/kr-bus/kr-bus ]]; then
  printf 'node-1# kr-bus --topic endpoints --compact snapshot   (what the daemons see on the bus)\n'
  in_ns "${prefix}node-1" "$builddir/tools/kr-bus/kr-bus" --bus-dir "$work/node-1/bus" \
    --topic endpoints --compact snapshot 2>&1 | cut -c1-400 | sed 's/^/  /'
fi
cluster_ip=$(k get svc web -n demo -o jsonpath='{.spec.clusterIP}')
client=$(k get pods -n other -o jsonpath='{.items[0].metadata.name}')
ask() {  # from the client pod: curl URL, prints the answer (a pod name)
  "$bin/kr-sandbox" exec --netns-prefix "$prefix" -n other "$client" -- \
    curl -sS --max-time 3 "$1" 2>&1
}
have_ipvs=false
[[ -r /proc/net/ip_vs ]] && have_ipvs=true
if $have_ipvs; then
  wait_for 30 sh -c "ip netns exec ${prefix}node-1 ipvsadm -Ln | grep -q '$cluster_ip:80'" ||
    failed "kr-proxyd did not program $cluster_ip:80"
  show node-1 ipvsadm -Ln
  echo "\$ kr-sandbox exec -n other $client -- curl http://$cluster_ip/   (6 times)"
  answers=$(for _ in 1 2 3 4 5 6; do ask "http://$cluster_ip/"; done)
  printf '%s\n' "$answers" | indent
  if [[ $(echo "$answers" | grep -c '^web-') == 6 && $(echo "$answers" | sort -u | wc -l) -ge 2 ]]; then
    ok "the ClusterIP spreads requests over the pods (rr)"
  else
    failed "requests to the ClusterIP"
  fi

  step "2. sessionAffinity: ClientIP"
  show k patch svc web -n demo -p '{"spec":{"sessionAffinity":"ClientIP"}}'
  wait_for 30 sh -c "ip netns exec ${prefix}node-1 ipvsadm -Ln -t $cluster_ip:80 | grep -q persistent" ||
    failed "no persistence on $cluster_ip:80"
  show node-1 ipvsadm -Ln -t "$cluster_ip:80"
  answers=$(for _ in 1 2 3 4; do ask "http://$cluster_ip/"; done)
  printf '%s\n' "$answers" | indent
  if [[ $(echo "$answers" | grep -c '^web-') == 4 && $(echo "$answers" | sort -u | wc -l) == 1 ]]; then
    ok "one client, one pod"
  else
    failed "affinity"
  fi

  step "3. NodePort"
  show k patch svc web -n demo -p '{"spec":{"type":"NodePort","sessionAffinity":"None"}}'
  node_port=$(k get svc web -n demo -o jsonpath='{.spec.ports[0].nodePort}')
  wait_for 30 sh -c "ip netns exec ${prefix}node-2 ipvsadm -Ln | grep -q ':$node_port'" ||
    failed "no NodePort service"
  echo "\$ curl http://192.0.2.12:$node_port/   (from the hub, outside the cluster)"
  answer=$(in_ns "$hub" curl -sS --max-time 3 "http://192.0.2.12:$node_port/" 2>&1)
  echo "  $answer"
  if [[ $answer == web-* ]]; then ok "NodePort answers"; else failed "NodePort request"; fi

  step "4. scheduler annotation kube-router.io/service.scheduler=dh"
  show k annotate svc web -n demo kube-router.io/service.scheduler=dh
  if wait_for 30 sh -c "ip netns exec ${prefix}node-1 ipvsadm -Ln -t $cluster_ip:80 | grep -q ' dh'"; then
    ok "IPVS uses dh"
  else
    failed "scheduler still not dh"
  fi
  show node-1 ipvsadm -Ln -t "$cluster_ip:80"
else
  echo "  this kernel has no IPVS (/proc/net/ip_vs): the proxy steps 1-4 need the VM"
fi

step "5. a NetworkPolicy isolating namespace demo (ingress only from demo itself)"
web_pod=$(k get pods -n demo -o jsonpath='{.items[0].metadata.name}')
web_ip=$(k get pods -n demo -o jsonpath='{.items[0].status.podIP}')
before=$(ask "http://$web_ip:8080/")
echo "  before: other/$client -> $web_pod: $before"
k apply -f - <<'YAML' | sed 's/^/  /'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: isolate, namespace: demo}
spec:
  podSelector: {}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {}}]}]
YAML
blocked() { ! ask "http://$web_ip:8080/" | grep -q '^web-'; }
if wait_for 30 blocked; then
  ok "other/$client -> $web_pod is blocked"
else
  failed "the request from namespace other still succeeds"
fi
peer=$(k get pods -n demo -o jsonpath='{.items[1].metadata.name}')
inside=$("$bin/kr-sandbox" exec --netns-prefix "$prefix" -n demo "$peer" -- curl -sS --max-time 3 "http://$web_ip:8080/" 2>&1)
echo "  demo/$peer -> $web_pod: $inside"
if [[ $inside == web-* ]]; then
  ok "requests inside demo still succeed"
else
  failed "request inside demo"
fi
show node-1 iptables -S FORWARD

step "summary"
if ((failures == 0)); then
  echo "  every step passed"
else
  echo "  $failures step(s) failed; daemon logs:"
  for node in "${nodes[@]}"; do
    for daemon in agent informer proxyd policyd routed; do logs_of "$node-$daemon"; done
  done
fi
((failures == 0))
