#!/usr/bin/env bash
# The end-to-end suite on the sandbox cluster (issue 11): one cluster (tools/kr-sandbox/cluster.sh:
# two nodes, kr-sandbox-agent and the four daemons on each), then
#   1. pod-to-pod across nodes by pod IP, and through a ClusterIP (IPVS);
#   2. a NetworkPolicy matrix: pods a (node-1) and b (node-2) in namespaces x, y, z; policies
#      applied in turn through kubectl; after each, every pod x pod x port pair probed with a real
#      TCP request to the pod's echo server and compared with the expected matrix, which
#      expect_<scenario> below computes from the policy's meaning (not from the firewall);
#   3. each daemon of node-1 restarted in turn while clients on both nodes send requests to a
#      ClusterIP and to a pod on the other node: no request may fail, and IPVS, routes, ip rules,
#      iptables and ipsets of both nodes are the same after each restart as before.
# A request fails when it is not answered within 3 s. Runs in the vm tier (proxyd needs IPVS);
# on a kernel without IPVS the ClusterIP checks are skipped and said so. Exit status: 0 all passed, 1 a check failed, 77 skipped (no root/kubectl).
#
#   test/e2e/sandbox/e2e.sh BUILDDIR
set -uo pipefail
here=$(dirname "$(realpath "$0")")
# shellcheck source-path=SCRIPTDIR source=../../../tools/kr-sandbox/cluster.sh
source "$here/../../../tools/kr-sandbox/cluster.sh"
cluster_init "${1:?usage: e2e.sh BUILDDIR}"
started_at=$SECONDS
step() { printf '\n=== %s   [%d s]\n' "$*" $((SECONDS - started_at)); }  # where the time goes
cluster_up || exit 1

have_ipvs=false
[[ -r /proc/net/ip_vs ]] && have_ipvs=true

# --- the node set-up the daemons own --------------------------------------------------------
step "br_netfilter: kr-policyd set bridge-nf-call-iptables in each node"
for node in "${nodes[@]}"; do
  value=$(in_ns "$prefix$node" cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>&1)
  if [[ $value == 1 ]]; then
    ok "$node: net.bridge.bridge-nf-call-iptables=1"
  else
    failed "$node: net.bridge.bridge-nf-call-iptables is '$value'"
    logs_of "$node-policyd" 5
  fi
done

step "pod routes: kr-routed's BGP mesh"
if wait_for 60 routes_ok; then
  ok "each node routes the other's pod CIDR"
else
  failed "no BGP routes between the nodes"
  logs_of node-1-routed
fi

# --- workload -----------------------------------------------------------------------------
step "workload: namespaces x, y, z with pods a (node-1) and b (node-2); service y/web (ClusterIP) selects y/a and y/b"
matrix_pods=(x/a x/b y/a y/b z/a z/b)
ports=(80 81)
{
  for ns in x y z; do
    printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: "%s", labels: {ns: "%s"}}\n---\n' "$ns" "$ns"
  done
  for pod in "${matrix_pods[@]}"; do
    name=${pod#*/}
    node="node-1"
    [[ $name == b ]] && node="node-2"
    cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: $name, namespace: "${pod%/*}", labels: {pod: "$name", app: echo}}
spec:
  nodeName: $node
  containers:
  - name: echo
    image: echo
    ports: [{name: serve-80, containerPort: 80}, {name: serve-81, containerPort: 81}]
---
YAML
  done
  cat <<'YAML'
apiVersion: v1
kind: Service
metadata: {name: web, namespace: "y"}
spec:
  selector: {app: echo}
  ports: [{name: http, port: 80, targetPort: serve-80}]
---
apiVersion: v1
kind: Service
metadata: {name: none, namespace: "y"}
spec:
  selector: {app: nothing}
  ports: [{port: 80}]
YAML
} | k apply -f - | indent
all_pods_ready() {
  [[ $(k get pods -A -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
    grep -c True) == "${#matrix_pods[@]}" ]]
}
if wait_for 180 all_pods_ready; then
  ok "${#matrix_pods[@]} pods ready"
else
  failed "pods did not become ready"
  show k get pods -A -o wide
  logs_of node-1-agent
  exit 1
fi
show k get pods -A -o wide
declare -A pod_ip
while read -r pod ip; do
  pod_ip[$pod]=$ip
done <<<"$(k get pods -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name} {.status.podIP}{"\n"}{end}')"  # no <(): the VM has no /dev/fd
cluster_ip=$(k get svc -n y web -o jsonpath='{.spec.clusterIP}')

netns_of() { echo "$prefix${1%/*}_${1#*/}"; }  # a pod's namespace (kr-sandbox exec's naming)
# probe POD TARGET...: one request per target from the pod, all at once; "TARGET ANSWER|-" lines.
probe() {
  local pod=$1
  shift
  "$bin/kr-sandbox-probe" --timeout-ms 2000 --from "$(netns_of "$pod")" "$@" | cut -d' ' -f2-
}

# --- 1. pod to pod across nodes, and through a ClusterIP -------------------------------------
step "1. pod to pod across nodes (pod IPs) and through the ClusterIP $cluster_ip"
cross_ok() {  # SRC DST: the request from SRC reaches DST, on another node
  [[ $(probe "$1" "${pod_ip[$2]}:80") == "${pod_ip[$2]}:80 ${2#*/}" ]]
}
for pair in "x/a y/b" "y/b x/a" "z/b z/a" "z/a x/b" "z/b x/a"; do
  read -r src dst <<<"$pair"
  if cross_ok "$src" "$dst"; then
    ok "$src (${pod_ip[$src]}) -> $dst (${pod_ip[$dst]}): answered by ${dst#*/}"
  else
    failed "$src -> $dst (${pod_ip[$dst]}:80): $(probe "$src" "${pod_ip[$dst]}:80")"
  fi
done
if $have_ipvs; then
  if ! wait_for 30 sh -c "ip netns exec ${prefix}node-1 ipvsadm -Ln | grep -q '$cluster_ip:80'"; then
    failed "kr-proxyd did not program $cluster_ip:80"
  fi
  # 8 requests at once from a client on each node; rr spreads them over y/a and y/b.
  for client in z/a z/b; do
    targets=()
    for _ in 1 2 3 4 5 6 7 8; do targets+=("$cluster_ip:80"); done
    answers=$(probe "$client" "${targets[@]}" | awk '{print $2}')
    if [[ $(grep -c '^[ab]$' <<<"$answers") == 8 && $(sort -u <<<"$answers" | wc -l) == 2 ]]; then
      ok "$client -> $cluster_ip:80: 8 of 8 answered, by both pods (on both nodes)"
    else
      failed "$client -> $cluster_ip:80 answers: $(xargs <<<"$answers")"
    fi
  done
else
  echo "  this kernel has no IPVS (/proc/net/ip_vs): the ClusterIP checks need the vm tier"
fi

# Upstream keeps an EndpointSlice without endpoints for a service whose selector matches no pod.
empty_slice() {
  local slices
  slices=$(k get endpointslices -n y -l kubernetes.io/service-name=none \
    -o jsonpath='{range .items[*]}{.metadata.name}:{.endpoints}{"\n"}{end}')
  [[ $(wc -l <<<"$slices") == 1 && $slices =~ ^none-[^:]*:(\[\])?$ ]]
}
if wait_for 30 empty_slice; then
  ok "service y/none (selector matches nothing) has one EndpointSlice without endpoints"
else
  failed "service y/none: EndpointSlices $(k get endpointslices -n y -l kubernetes.io/service-name=none -o json | tr -d ' \n')"
fi

# --- 2. NetworkPolicy matrix -------------------------------------------------------------------
# The expected reachability per scenario: expect_<scenario> SRC DST PORT succeeds when the
# request SRC -> DST:PORT must pass. SRC and DST are ns/pod (${1%/*} is SRC's namespace). No
# subshells in these loops: under emulation every fork costs, and a matrix is 60 pairs.
expect_none() { true; }
expect_deny_ingress_x() { [[ ${2%/*} != x ]]; }
expect_from_namespace_y() { [[ ${2%/*} != x || ${1%/*} == y ]]; }
expect_from_pods() { [[ $2 != x/a || $1 == x/b || $1 == z/a ]]; }
expect_ports() { [[ ${2%/*} != x || $3 == 80 || ${1%/*} == z ]]; }
expect_egress_y_a() { [[ $1 != y/a || (${2%/*} == z && $3 == 80) ]]; }
expect_ip_block() { [[ ${2%/*} != x || ($1 != y/a && ${1#*/} == a) ]]; }

# scenario_yaml SCENARIO: its policies (every name starts with the scenario's, so that the ones
# of the scenario before can be told apart and deleted once these are in place).
scenario_yaml() {
  local np='apiVersion: networking.k8s.io/v1
kind: NetworkPolicy'
  case $1 in
    deny_ingress_x) cat <<YAML ;;
$np
metadata: {name: deny-ingress-x, namespace: x}
spec: {podSelector: {}, policyTypes: [Ingress]}
YAML
    from_namespace_y) cat <<YAML ;;
$np
metadata: {name: from-namespace-y, namespace: x}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "y"}}}]}]
YAML
    from_pods) cat <<YAML ;;
$np
metadata: {name: from-pods, namespace: x}
spec:
  podSelector: {matchLabels: {pod: "a"}}
  ingress:
  - from:
    - podSelector: {matchLabels: {pod: "b"}}
    - namespaceSelector: {matchLabels: {ns: "z"}}
      podSelector: {matchExpressions: [{key: pod, operator: In, values: [a]}]}
YAML
    ports) cat <<YAML ;;
$np
metadata: {name: ports, namespace: x}
spec:
  podSelector: {}
  ingress:
  - ports: [{port: 80, protocol: TCP}]
  - from: [{namespaceSelector: {matchLabels: {ns: "z"}}}]
    ports: [{port: serve-81}]
YAML
    egress_y_a) cat <<YAML ;;
$np
metadata: {name: egress-y-a, namespace: "y"}
spec:
  podSelector: {matchLabels: {pod: "a"}}
  policyTypes: [Egress]
  egress: [{to: [{namespaceSelector: {matchLabels: {ns: "z"}}}], ports: [{port: 80}]}]
YAML
    ip_block) cat <<YAML ;;
$np
metadata: {name: ip-block, namespace: x}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: "${node_cidr[node-1]}", except: ["${pod_ip[y/a]}/32"]}}]}]
YAML
    steady) cat <<YAML ;;
$np
metadata: {name: steady, namespace: x}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {ns: "z"}}}]}]
YAML
  esac
}

describe() {
  case $1 in
    none) echo "no policy: everything reaches everything" ;;
    deny_ingress_x) echo "default deny ingress in x" ;;
    from_namespace_y) echo "x admits only namespace y (namespaceSelector)" ;;
    from_pods) echo "x/a admits pods b of x (podSelector) and pods a of z (namespace+pod selector, matchExpressions)" ;;
    ports) echo "x admits port 80 from all, port serve-81 (named) only from namespace z" ;;
    egress_y_a) echo "y/a may only send to namespace z port 80 (egress)" ;;
    ip_block) echo "x admits ipBlock node-1's pod CIDR except y/a's IP" ;;
  esac
}

# apply_scenario SCENARIO: its policies in, then every other policy out.
apply_scenario() {
  if [[ $1 != none ]]; then
    scenario_yaml "$1" | k apply -f - | indent
  fi
  local keep=${1//_/-} policy
  for policy in $(k get networkpolicies -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}{"\n"}{end}'); do
    [[ ${policy#*/} == "$keep" ]] && continue
    k delete networkpolicy -n "${policy%/*}" "${policy#*/}" | indent
  done
}

# observe FILE: probes every pair and port at once (one probe process for all) and writes
# "SRC DST PORT 1|0" lines.
observe() {
  local src dst port args=() from target answer
  for src in "${matrix_pods[@]}"; do
    args+=(--from "$prefix${src%/*}_${src#*/}")
    for dst in "${matrix_pods[@]}"; do
      [[ $src == "$dst" ]] && continue
      for port in "${ports[@]}"; do args+=("${pod_ip[$dst]}:$port"); done
    done
  done
  local -A answer_of=()
  while read -r from target answer; do
    answer_of["$from $target"]=$answer
  done <<<"$("$bin/kr-sandbox-probe" --timeout-ms 2000 "${args[@]}")"
  for src in "${matrix_pods[@]}"; do
    for dst in "${matrix_pods[@]}"; do
      [[ $src == "$dst" ]] && continue
      for port in "${ports[@]}"; do
        if [[ ${answer_of["$prefix${src%/*}_${src#*/} ${pod_ip[$dst]}:$port"]:-} == "${dst#*/}" ]]; then
          echo "$src $dst $port 1"
        else
          echo "$src $dst $port 0"
        fi
      done
    done
  done >"$1"
}

expected_matrix() {  # SCENARIO FILE
  local src dst port
  for src in "${matrix_pods[@]}"; do
    for dst in "${matrix_pods[@]}"; do
      [[ $src == "$dst" ]] && continue
      for port in "${ports[@]}"; do
        if "expect_$1" "$src" "$dst" "$port"; then echo "$src $dst $port 1"; else echo "$src $dst $port 0"; fi
      done
    done
  done >"$2"
}

# print_grid FILE TITLE: rows are sources, columns destinations, one grid per port;
# "." reaches, "X" blocked, "-" itself.
print_grid() {
  local file=$1 port src dst
  for port in "${ports[@]}"; do
    printf '  %s, port %s\n  %-6s' "$2" "$port" "src\\dst"
    for dst in "${matrix_pods[@]}"; do printf ' %-4s' "$dst"; done
    echo
    for src in "${matrix_pods[@]}"; do
      printf '  %-7s' "$src"
      for dst in "${matrix_pods[@]}"; do
        if [[ $src == "$dst" ]]; then
          printf ' %-4s' -
        elif grep -qx "$src $dst $port 1" "$file"; then
          printf ' %-4s' .
        else
          printf ' %-4s' X
        fi
      done
      echo
    done
  done
}

matrix_matches() { observe "$work/observed" && cmp -s "$work/observed" "$work/expected"; }

step "2. NetworkPolicy matrix: ${#matrix_pods[@]} pods x ${#ports[@]} ports, same-node (a-a, b-b) and cross-node (a-b) pairs"
for scenario in none deny_ingress_x from_namespace_y from_pods ports egress_y_a ip_block; do
  printf '\n-- %s: %s\n' "$scenario" "$(describe "$scenario")"
  apply_scenario "$scenario"
  expected_matrix "$scenario" "$work/expected"
  allowed=$(grep -c ' 1$' "$work/expected")
  # Polled until the firewall matches, then probed once more so a passing state in the middle
  # of an update does not count.
  if wait_for 30 matrix_matches && matrix_matches; then
    ok "$scenario: all $(wc -l <"$work/expected") pairs as expected ($allowed reach, $(($(wc -l <"$work/expected") - allowed)) blocked)"
  else
    failed "$scenario: the observed matrix differs from the expected one"
    print_grid "$work/expected" expected
    print_grid "$work/observed" observed
    diff "$work/expected" "$work/observed" | grep '^[<>]' | sed 's/^</  expected/; s/^>/  observed/'
    show node-1 iptables -S
  fi
done

# --- 3. daemon restarts during traffic ----------------------------------------------------
step "3. restart each daemon of node-1 during traffic (z/a -> ClusterIP and x/b on node-2, z/b -> ClusterIP and x/a on node-1)"
apply_scenario steady
steady_in_force() {
  [[ $(probe y/a "${pod_ip[x/b]}:80") == *" -" &&
    $(probe z/a "${pod_ip[x/b]}:80") == *" b" ]]
}
if wait_for 30 steady_in_force; then
  ok "policy steady: x admits only namespace z (y/a -> x/b blocked, z/a -> x/b passes)"
else
  failed "policy steady not in force"
fi

# node_state NODE: what the daemons programmed, in a comparable form (counters and comments of
# the save tools removed, lines sorted).
node_state() {
  local ns=$prefix$1
  echo "## ipvs"
  in_ns "$ns" ipvsadm -Sn 2>/dev/null | sort
  echo "## routes"
  in_ns "$ns" ip route show table all | grep -v '^local\|^broadcast\|fe80\|^multicast' | sort
  echo "## rules"
  in_ns "$ns" ip rule
  local save
  for save in iptables-legacy-save iptables-nft-save; do
    echo "## $save"
    in_ns "$ns" "$save" 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//' | sort
  done
  echo "## ipsets"
  in_ns "$ns" ipset save 2>/dev/null | sed 's/ initval 0x[0-9a-f]*//' | sort
}
states_equal() {
  local node
  for node in "${nodes[@]}"; do
    node_state "$node" >"$work/state-$node.now"
    cmp -s "$work/state-$node.before" "$work/state-$node.now" || return 1
  done
}

loop_targets_1=("${pod_ip[x/b]}:80")
loop_targets_2=("${pod_ip[x/a]}:80")
if $have_ipvs; then
  loop_targets_1+=("$cluster_ip:80")
  loop_targets_2+=("$cluster_ip:80")
fi
start_loop() {  # N CLIENT TARGET...
  local n=$1 client=$2
  shift 2
  "$bin/kr-sandbox" exec --netns-prefix "$prefix" -n "${client%/*}" "${client#*/}" -- "$bin/kr-sandbox-probe" \
    --loop --interval-ms 100 --timeout-ms 3000 "$@" >"$work/loop-$n.log" 2>&1 &
  bg_pids[loop-$n]=$!
}
requests_so_far() { cat "$work"/loop-*.log | wc -l; }
traffic_flows() {  # MARK: both loops made at least 3 more rounds of requests since MARK
  (($(requests_so_far) >= $1 + 3 * (${#loop_targets_1[@]} + ${#loop_targets_2[@]})))
}

for node in "${nodes[@]}"; do node_state "$node" >"$work/state-$node.before"; done
start_loop 1 z/a "${loop_targets_1[@]}"
start_loop 2 z/b "${loop_targets_2[@]}"
wait_for 30 traffic_flows 0 || failed "the client loops send no requests"
for daemon in "${daemons[@]}"; do
  restart_start=$SECONDS
  stop_daemon node-1 "$daemon"
  start_daemon node-1 "$daemon"
  if wait_healthy node-1 "$daemon" 60; then
    healthy_after=$((SECONDS - restart_start))
  else
    failed "kr-$daemon did not become healthy after its restart"
    logs_of "node-1-$daemon"
    continue
  fi
  mark=$(requests_so_far)
  if wait_for 60 states_equal; then
    same="IPVS, routes, rules, iptables and ipsets of both nodes as before ($(cat "$work"/state-*.before | wc -l) lines)"
  else
    failed "kr-$daemon restart: node state differs from before"
    for node in "${nodes[@]}"; do
      diff "$work/state-$node.before" "$work/state-$node.now" | grep '^[<>]' | sed "s/^/  $node /"
    done
    logs_of "node-1-$daemon"
  fi
  wait_for 30 traffic_flows "$mark" || failed "no traffic after the kr-$daemon restart"
  dropped=$(cat "$work"/loop-*.log | grep -c FAILED)
  if ((dropped == 0)); then
    ok "kr-$daemon restarted (healthy after ${healthy_after}s): no failed request; ${same:-}"
  else
    failed "kr-$daemon restart: $dropped failed request(s) so far"
    grep -h FAILED "$work"/loop-*.log | head -5 | indent
  fi
  same=
done
for n in 1 2; do
  kill -TERM "${bg_pids[loop-$n]}" 2>/dev/null
  wait "${bg_pids[loop-$n]}"
  unset "bg_pids[loop-$n]"
done
for n in 1 2; do
  summary=$(tail -n 1 "$work/loop-$n.log")
  echo "  client loop $n (z/$([[ $n == 1 ]] && echo a || echo b)): $summary"
  [[ $summary == "total "*" failed 0 "* ]] || failed "client loop $n: $summary"
done

step "summary"
echo "  $((SECONDS - started_at)) s"
if ((failures == 0)); then
  echo "  every check passed"
else
  echo "  $failures check(s) failed; daemon logs:"
  for node in "${nodes[@]}"; do
    for daemon in agent informer proxyd policyd routed; do logs_of "$node-$daemon"; done
  done
fi
((failures == 0))
