# The sandbox cluster's start and stop, sourced by walkthrough.sh and the end-to-end suite
# (test/e2e/sandbox): a hub namespace with the apiserver, the controller and kubectl, and nodes as
# namespaces on the hub's bridge, each with kr-sandbox-agent and the four daemons. Everything it
# makes (namespaces, processes, files) is removed at exit.
#
#   source tools/kr-sandbox/cluster.sh
#   cluster_init BUILDDIR      # exit 77 without root or kubectl; sets the EXIT trap
#   cluster_up || exit 1       # prints its steps; fills node_cidr[]
#   k get pods -A              # kubectl against the sandbox (runs in the hub)
#   in_ns "${prefix}node-1" ip route
#   stop_daemon node-1 proxyd; start_daemon node-1 proxyd; wait_healthy node-1 proxyd
#
# Layout (TEST-NET-1 for nodes, 198.18.0.0/16 for pods):
#   hub netns: bridge br0 192.0.2.1, kr-apiserver (http), kr-sandbox-controller, kubectl
#   node-1, node-2 netns: eth0 192.0.2.11/.12 on br0; kr-sandbox-agent (pods via the CNI bridge
#     plugin), kr-informer, kr-proxyd, kr-policyd, kr-routed with their own bus directory
# Pods of one node share kube-bridge; kr-policyd loads br_netfilter and sets
# bridge-nf-call-iptables itself, as kube-router does, so the sandbox does not.
# shellcheck shell=bash

cluster_init() {
  # 77: skipped, for meson's privileged tier.
  ((EUID == 0)) || { echo "sandbox: skipped: needs root"; exit 77; }
  command -v kubectl >/dev/null || { echo "sandbox: skipped: no kubectl"; exit 77; }
  builddir=$(realpath "${1:?usage: cluster_init BUILDDIR}")
  bin=$builddir/tools/kr-sandbox
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  work=$(mktemp -d /tmp/kr-sandbox-XXXXXX)
  prefix=krsb$$-
  hub=${prefix}hub
  nodes=(node-1 node-2)
  declare -gA node_ip=([node-1]=192.0.2.11 [node-2]=192.0.2.12)
  declare -gA node_cidr=()
  # Programs started in the background, by role ("apiserver", "node-1/proxyd"): `ip netns exec`
  # execs them, so these are their pids. A stopped one is removed at once, so that cleanup never
  # signals a pid the kernel may have handed to someone else.
  declare -gA bg_pids=()
  daemons=(informer proxyd policyd routed)
  declare -gA health_port=([informer]=20241 [proxyd]=20242 [policyd]=20243 [routed]=20244)
  failures=0
  mkdir -p "$work/logs"
  trap cluster_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

cluster_cleanup() {
  local pid ns
  for pid in "${bg_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  for ns in $(ip netns list | awk '{print $1}' | grep "^$prefix"); do
    # Whatever still runs in our namespaces was started by us (pods whose agent died).
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    ip netns delete "$ns"
  done
  rm -rf "$work"
}

step() { printf '\n=== %s\n' "$*"; }
indent() { sed 's/^/  /'; }
ok() { printf '  -> OK: %s\n' "$*"; }
failed() {  # counts in $failures, which the scripts turn into their exit status
  printf '  -> FAILED: %s\n' "$*"
  failures=$((failures + 1))
}
show() {  # k ARGS (kubectl) | NODE CMD... (in the node's namespace): prints it, then its output
  local where=$1
  shift
  if [[ $where == k ]]; then
    printf '$ kubectl %s\n' "$*"
    k "$@" 2>&1 | indent
  else
    printf '%s# %s\n' "$where" "$*"
    in_ns "$prefix$where" "$@" 2>&1 | indent
  fi
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
logs_of() { tail -n "${2:-20}" "$work/logs/$1.log" 2>/dev/null | sed "s/^/  [$1] /"; }

# start_daemon NODE DAEMON: kr-DAEMON in the node's namespace with the sandbox's flags (again
# after stop_daemon: same flags, same bus directory, same log file appended to).
start_daemon() {
  local node=$1 daemon=$2 dir=$work/$1
  local binary=$builddir/services/$daemon/kr-$daemon
  local cni_conf=$dir/10-kuberouter.conflist
  if [[ ! -x $binary ]]; then
    echo "  $node: kr-$daemon not built, skipped"
    return 1
  fi
  local common=(--master="$master" --hostname-override="$node" --bus-dir="$dir/bus"
    --metrics-addr=127.0.0.1 --health-port="${health_port[$daemon]}"
    --metrics-port=$((${health_port[$daemon]} + 10)))
  local flags=()
  case $daemon in
    proxyd) flags=(--cluster-cidr=198.18.0.0/16 --masquerade-all) ;;
    routed) flags=(--cluster-asn=64512 --enable-overlay=false --enable-pod-egress=false
      --cni-conf-file="$cni_conf") ;;
  esac
  KUBE_ROUTER_CNI_CONF_FILE=$cni_conf ip netns exec "$prefix$node" "$binary" "${common[@]}" \
    "${flags[@]}" >>"$work/logs/$node-$daemon.log" 2>&1 &
  bg_pids[$node/$daemon]=$!
}

# stop_daemon NODE DAEMON: SIGTERM, as a node's kubelet stops a container; waits for the exit.
stop_daemon() {
  local key=$1/$2
  [[ -n ${bg_pids[$key]:-} ]] || return 1
  kill -TERM "${bg_pids[$key]}" 2>/dev/null
  wait "${bg_pids[$key]}" 2>/dev/null
  unset "bg_pids[$key]"
}

daemon_healthy() {  # NODE DAEMON
  in_ns "$prefix$1" curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${health_port[$2]}/healthz"
}
wait_healthy() { wait_for "${3:-60}" daemon_healthy "$1" "$2"; }

# cluster_up: the network, the control plane, the nodes with their daemons; returns 1 (after
# printing the logs that tell why) when the apiserver or the nodes do not come up.
cluster_up() {
  step "network: hub bridge 192.0.2.1/24, nodes node-1 (192.0.2.11) and node-2 (192.0.2.12)"
  ip netns add "$hub"
  in_ns "$hub" ip link set lo up
  in_ns "$hub" ip link add br0 type bridge
  in_ns "$hub" ip addr add 192.0.2.1/24 dev br0
  in_ns "$hub" ip link set br0 up
  local node ns
  for node in "${nodes[@]}"; do
    ns=$prefix$node
    ip netns add "$ns"
    in_ns "$ns" ip link set lo up
    ip link add "v-$node" netns "$hub" type veth peer name eth0 netns "$ns"
    in_ns "$hub" ip link set "v-$node" master br0 up
    in_ns "$ns" ip addr add "${node_ip[$node]}/24" dev eth0
    in_ns "$ns" ip link set eth0 up
    in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1
  done
  ip netns list | grep "^$prefix" | indent

  step "control plane: kr-apiserver and kr-sandbox-controller in the hub"
  in_ns "$hub" "$builddir/tools/kr-apiserver/kr-apiserver" --insecure-http --bind-address 192.0.2.1 \
    --port 0 --port-file "$work/apiserver.port" >"$work/logs/apiserver.log" 2>&1 &
  bg_pids[apiserver]=$!
  if ! wait_for 60 test -s "$work/apiserver.port"; then
    logs_of apiserver
    echo "the apiserver did not start" >&2
    return 1
  fi
  master=http://192.0.2.1:$(cat "$work/apiserver.port")
  kubectl config --kubeconfig "$work/kubeconfig" set-cluster sandbox --server "$master" >/dev/null
  kubectl config --kubeconfig "$work/kubeconfig" set-context sandbox --cluster sandbox >/dev/null
  kubectl config --kubeconfig "$work/kubeconfig" use-context sandbox >/dev/null
  echo "  apiserver $master; kubeconfig $work/kubeconfig (kubectl runs in netns $hub)"
  in_ns "$hub" "$bin/kr-sandbox-controller" --master "$master" --cluster-cidr 198.18.0.0/16 \
    >"$work/logs/controller.log" 2>&1 &
  bg_pids[controller]=$!

  step "nodes: kr-sandbox-agent and the four daemons in each node namespace"
  local dir daemon
  for node in "${nodes[@]}"; do
    dir=$work/$node
    mkdir -p "$dir/bus"
    "$bin/kr-sandbox-agent" --node "$node" --node-ip "${node_ip[$node]}" --node-netns "$prefix$node" \
      --master "$master" --cni-conf "$dir/10-kuberouter.conflist" --write-cni-conf \
      --cni-data-dir "$dir/ipam" --netns-prefix "$prefix" >"$work/logs/$node-agent.log" 2>&1 &
    bg_pids[$node/agent]=$!
    for daemon in "${daemons[@]}"; do start_daemon "$node" "$daemon"; done
  done
  for node in "${nodes[@]}"; do
    for daemon in "${daemons[@]}"; do
      if wait_healthy "$node" "$daemon"; then
        printf '  %s kr-%s :%s /healthz ok\n' "$node" "$daemon" "${health_port[$daemon]}"
      else
        printf '  %s kr-%s :%s /healthz: no answer\n' "$node" "$daemon" "${health_port[$daemon]}"
      fi
    done
  done
  if ! wait_for 60 sh -c "[ \$(ip netns exec $hub kubectl --kubeconfig $work/kubeconfig get nodes -o jsonpath='{.items[*].spec.podCIDR}' | wc -w) = ${#nodes[@]} ]"; then
    logs_of controller
    echo "the nodes did not register" >&2
    return 1
  fi
  for node in "${nodes[@]}"; do
    node_cidr[$node]=$(k get node "$node" -o jsonpath='{.spec.podCIDR}')
  done
  printf '$ kubectl get nodes\n'
  k get nodes -o custom-columns=NAME:.metadata.name,INTERNAL-IP:.status.addresses[0].address,POD-CIDR:.spec.podCIDR | indent
}

# routes_ok: each node has a route to every other node's pod CIDR (from kr-routed's BGP mesh).
routes_ok() {
  local node other
  for node in "${nodes[@]}"; do
    for other in "${nodes[@]}"; do
      [[ $node == "$other" ]] && continue
      in_ns "$prefix$node" ip route show "${node_cidr[$other]}" | grep -q via || return 1
    done
  done
}

# pods_ready NAMESPACE COUNT: COUNT pods of the namespace report Ready.
pods_ready() {
  [[ $(k get pods -n "$1" -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c True) == "$2" ]]
}
