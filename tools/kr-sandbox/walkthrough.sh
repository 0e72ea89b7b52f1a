#!/usr/bin/env bash
# The sandbox cluster and the seed walkthrough, on the kernel this runs on (root). tools/sandbox.sh
# runs it inside the vm tier's VM, whose kernel has IPVS; it also runs on a host without IPVS,
# where the proxy steps say so. Everything it makes (namespaces, processes, files) is removed at
# exit. The cluster itself (layout, start and stop) is cluster.sh's, shared with the end-to-end
# suite in test/e2e/sandbox.
#
#   tools/kr-sandbox/walkthrough.sh BUILDDIR
#
# Walkthrough steps report OK or FAILED and go on; the exit status is 1 when the cluster did not
# come up or a step failed, 77 (skipped) without root or kubectl. Also the privileged test
# kr-sandbox-walkthrough (on the host kernel: without the IPVS steps).
set -uo pipefail
# shellcheck source-path=SCRIPTDIR source=cluster.sh
source "$(dirname "$0")/cluster.sh"
cluster_init "${1:?usage: walkthrough.sh BUILDDIR}"
cluster_up || exit 1

# Pod routes between nodes come from kr-routed's BGP mesh; without them, static routes stand in.
step "pod routes between the nodes (kr-routed's BGP mesh)"
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
