#!/usr/bin/python3
"""A kr-node state bus consumer written from proto/SPEC.md alone.

Needs Debian's python3-zmq and python3-cbor2 (run it with /usr/bin/python3).

    /usr/bin/python3 bus_consumer.py --bus-dir /run/kr-node/bus [--topic pods ...]

prints every change of the consumer's view as one JSON line:
{"op": "upsert"|"delete", "topic": ..., "key": ..., "value": ...} and {"op": "in-sync"}.

The BusConsumer class is the reusable part: give it callbacks and call poll() in a loop.
"""

import argparse
import json
import os
import struct
import sys
import time

import cbor2
import zmq

PROTOCOL = 2
HEADER = struct.Struct(">BBBBQQ")  # protocol, type, schema major, schema minor, epoch, seq
UPSERT, DELETE, HEARTBEAT, IN_SYNC, SNAPSHOT_ITEM, SNAPSHOT_END, BATCH = 1, 2, 3, 4, 5, 6, 7
ENTRY = struct.Struct(">BBBI")  # BATCH entry: type, schema major, schema minor, key size
SIZE = struct.Struct(">I")
CONTROL = b"$bus"
TOPICS = ["services", "endpoints", "pods", "nodes", "namespaces", "networkpolicies"]
KNOWN_MAJOR = {topic: 1 for topic in TOPICS}  # schema major versions this consumer reads
SNAPSHOT_TIMEOUT = 10.0


class Malformed(Exception):
    pass


def parse(frames):
    """[topic, header, key, body] -> (topic, type, major, minor, epoch, seq, key, body)."""
    if len(frames) != 4:
        raise Malformed("%d frames" % len(frames))
    if len(frames[1]) != HEADER.size:
        raise Malformed("header of %d bytes" % len(frames[1]))
    protocol, mtype, major, minor, epoch, seq = HEADER.unpack(frames[1])
    if protocol != PROTOCOL or not UPSERT <= mtype <= BATCH:
        raise Malformed("protocol %d type %d" % (protocol, mtype))
    return frames[0], mtype, major, minor, epoch, seq, frames[2].decode(), frames[3]


def parse_batch(body):
    """A BATCH body -> ([(type, major, minor, key, body), ...], damaged).

    The list holds the entries before any damage; `damaged` says that the body was truncated,
    garbled or longer than its count announced (SPEC section 3.1), so the rest is lost."""
    if len(body) < SIZE.size:
        return [], True
    (count,), at, entries = SIZE.unpack_from(body, 0), SIZE.size, []
    if count == 0:
        return [], True
    while len(entries) < count:
        if len(body) - at < ENTRY.size:
            return entries, True
        etype, major, minor, key_size = ENTRY.unpack_from(body, at)
        at += ENTRY.size
        if etype not in (UPSERT, DELETE) or len(body) - at < key_size + SIZE.size:
            return entries, True
        key = body[at:at + key_size]
        (body_size,) = SIZE.unpack_from(body, at + key_size)
        at += key_size + SIZE.size
        if len(body) - at < body_size:
            return entries, True
        try:
            key = key.decode()
        except UnicodeDecodeError:
            return entries, True
        entries.append((etype, major, minor, key, body[at:at + body_size]))
        at += body_size
    return entries, at != len(body)


def wire_deltas(frames):
    """The deltas of one raw update-socket message as [(topic, UPSERT|DELETE, key, seq)]:
    for tools and tests that watch the wire itself, without a view."""
    try:
        topic, mtype, _, _, _, seq, _, body = parse(frames)
    except Malformed:
        return []
    if mtype != BATCH:
        return []
    entries, _ = parse_batch(body)
    return [(topic.decode(errors="replace"), etype, key, seq + i)
            for i, (etype, _, _, key, _) in enumerate(entries)]


def decode_map(body):
    try:
        value = cbor2.loads(body)
    except Exception as error:  # cbor2 raises several types for bad input
        raise Malformed("bad CBOR: %s" % error)
    if not isinstance(value, dict):
        raise Malformed("body is not a map")
    return value


class BusConsumer:
    """Keeps a view {topic: {key: object}} equal to the publisher's (SPEC section 8)."""

    def __init__(self, updates, snapshot, topics=TOPICS, on_upsert=None, on_delete=None,
                 on_in_sync=None):
        self.context = zmq.Context()
        self.snapshot_endpoint = snapshot
        self.topics = list(topics)
        self.on_upsert = on_upsert or (lambda topic, key, value: None)
        self.on_delete = on_delete or (lambda topic, key: None)
        self.on_in_sync = on_in_sync or (lambda: None)
        self.view = {topic: {} for topic in self.topics}  # key -> (body bytes, epoch, object)
        self.seq = {topic: 0 for topic in self.topics}
        self.epoch = None
        self.publisher_in_sync = False
        self.in_sync_reported = False
        self.heartbeat = 1.0
        self.counters = {"malformed": 0, "unknown_version": 0, "gaps": 0, "snapshots": 0,
                         "duplicates": 0, "publisher_timeouts": 0}
        # 1. Subscribe first, to $bus and the wanted topics.
        self.sub = self.context.socket(zmq.SUB)
        self.sub.setsockopt(zmq.LINGER, 0)
        self.sub.setsockopt(zmq.SUBSCRIBE, CONTROL)
        for topic in self.topics:
            self.sub.setsockopt(zmq.SUBSCRIBE, topic.encode())
        self.sub.connect(updates)
        self.dealer = None
        self.last_heard = time.monotonic()
        self.alive = False
        self.lost = False
        self.request_snapshot()

    # -- snapshots (steps 2 and 3) --------------------------------------------------------
    def request_snapshot(self):
        if self.dealer is not None:
            self.dealer.close(0)
        self.dealer = self.context.socket(zmq.DEALER)  # fresh per request
        self.dealer.setsockopt(zmq.LINGER, 0)
        self.dealer.connect(self.snapshot_endpoint)
        self.dealer.send_multipart([b"snapshot", bytes([PROTOCOL])] +
                                   [topic.encode() for topic in self.topics])
        self.items = []
        self.queue = []  # everything queued so far is covered by this request
        self.requested_at = time.monotonic()

    def on_snapshot_message(self, frames):
        try:
            topic, mtype, major, minor, epoch, seq, key, body = parse(frames)
            if self.items and epoch != self.items[0][4]:
                raise Malformed("snapshot mixes epochs")
            if mtype == SNAPSHOT_ITEM:
                self.items.append((topic.decode(), key, major, body, epoch))
                return
            if mtype != SNAPSHOT_END:
                raise Malformed("unexpected type %d in snapshot" % mtype)
            status = decode_map(body)
            if status.get("error") or status.get("objects", 0) != len(self.items):
                raise Malformed("snapshot refused or incomplete")
        except Malformed:
            self.counters["malformed"] += 1
            self.request_snapshot()
            return
        self.install(epoch, status)

    def install(self, epoch, status):
        if epoch != self.epoch:
            self.publisher_in_sync = False
        self.epoch = epoch
        self.seq = {topic: status["seqs"].get(topic, 0) for topic in self.topics}
        self.heartbeat = status.get("heartbeatMs", 1000) / 1000.0
        self.dealer.close(0)
        self.dealer = None
        self.last_heard = time.monotonic()
        self.alive, self.lost = True, False
        self.counters["snapshots"] += 1
        incoming = {topic: {} for topic in self.topics}
        for topic, key, major, body, _ in self.items:
            if topic in incoming:
                incoming[topic][key] = (major, body)
        self.items = []
        for topic in self.topics:
            for key, (major, body) in incoming[topic].items():
                self.apply_upsert(topic, key, major, body)
            for key, (_, confirmed_epoch, _) in list(self.view[topic].items()):
                # Missing: deleted if the snapshot is complete or this epoch had it.
                if key not in incoming[topic] and (status.get("inSync") or
                                                   confirmed_epoch == self.epoch):
                    self.apply_delete(topic, key)
        if status.get("inSync"):
            self.become_in_sync()
        queued, self.queue = self.queue, []
        for frames in queued:  # 4. drain the queue; other epochs are stale
            if self.dealer is not None:
                break  # a re-snapshot started; it covers the rest
            if parse(frames)[4] == self.epoch:
                self.on_live_message(frames)

    # -- live messages (step 5) -----------------------------------------------------------
    def on_update_frames(self, frames):
        self.last_heard = time.monotonic()
        self.alive = True
        if self.lost:
            self.lost = False
            self.request_snapshot()
        try:
            parse(frames)
        except Malformed:
            self.counters["malformed"] += 1
            return
        if self.dealer is not None:
            self.queue.append(frames)
        else:
            self.on_live_message(frames)

    def on_live_message(self, frames):
        topic, mtype, major, minor, epoch, seq, key, body = parse(frames)
        if epoch != self.epoch:
            self.request_snapshot()  # a new publisher
            return
        if topic == CONTROL:
            if mtype not in (HEARTBEAT, IN_SYNC):
                self.counters["malformed"] += 1
                return
            try:
                status = decode_map(body)
                seqs, in_sync = status.get("seqs", {}), bool(status.get("inSync"))
                self.heartbeat = status.get("heartbeatMs", 1000) / 1000.0
            except (Malformed, AttributeError, TypeError):
                self.counters["malformed"] += 1
                return
            if any(seqs.get(t, 0) > self.seq[t] for t in self.topics):
                self.counters["gaps"] += 1  # tail loss
                self.request_snapshot()
                return
            if in_sync:
                self.become_in_sync()
            return
        topic = topic.decode(errors="replace")
        if topic not in self.view:
            return  # a topic this consumer does not know or want
        if mtype != BATCH:
            self.counters["malformed"] += 1
            return
        entries, damaged = parse_batch(body)
        if seq == 0 or not entries:
            self.counters["malformed"] += 1  # which sequences it held is unknown
            self.request_snapshot()
            return
        if seq > self.seq[topic] + 1:
            self.counters["gaps"] += 1
            self.request_snapshot()
            return
        for entry_seq, (etype, major, minor, key, entry_body) in enumerate(entries, seq):
            if entry_seq <= self.seq[topic]:
                self.counters["duplicates"] += 1  # already in the snapshot
                continue
            self.seq[topic] = entry_seq
            if etype == UPSERT:
                self.apply_upsert(topic, key, major, entry_body)
            else:
                self.apply_delete(topic, key)
        if damaged:
            # The rest of the batch, and how many sequences it held, is lost: re-snapshot.
            self.counters["malformed"] += 1
            self.request_snapshot()

    # -- the view -------------------------------------------------------------------------
    def apply_upsert(self, topic, key, major, body):
        old = self.view[topic].get(key)
        if old is not None and old[0] == body:
            self.view[topic][key] = (body, self.epoch, old[2])  # unchanged: confirmed only
            return
        try:
            if major != KNOWN_MAJOR[topic]:
                self.counters["unknown_version"] += 1
                raise ValueError
            value = decode_map(body)
        except (Malformed, ValueError) as error:
            if isinstance(error, Malformed):
                self.counters["malformed"] += 1
            if old is not None:
                self.view[topic][key] = (old[0], self.epoch, old[2])  # exists, unreadable
            return
        self.view[topic][key] = (body, self.epoch, value)
        self.on_upsert(topic, key, value)

    def apply_delete(self, topic, key):
        if self.view[topic].pop(key, None) is not None:
            self.on_delete(topic, key)

    def become_in_sync(self):
        if not self.publisher_in_sync:
            self.publisher_in_sync = True
            for topic in self.topics:  # objects the new epoch never confirmed are gone
                for key, (_, epoch, _) in list(self.view[topic].items()):
                    if epoch != self.epoch:
                        self.apply_delete(topic, key)
        if not self.in_sync_reported:
            self.in_sync_reported = True
            self.on_in_sync()

    @property
    def in_sync(self):
        return self.in_sync_reported and self.publisher_in_sync

    def state(self):
        return {topic: {key: entry[2] for key, entry in objects.items()}
                for topic, objects in self.view.items()}

    # -- the loop -------------------------------------------------------------------------
    def poll(self, timeout=0.1, extra_fds=()):
        """Handles what arrives within `timeout` seconds; returns the ready extra fds."""
        poller = zmq.Poller()
        poller.register(self.sub, zmq.POLLIN)
        if self.dealer is not None:
            poller.register(self.dealer, zmq.POLLIN)
        for fd in extra_fds:
            poller.register(fd, zmq.POLLIN)
        ready = dict(poller.poll(timeout * 1000))
        if self.sub in ready:
            while True:
                try:
                    frames = self.sub.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self.on_update_frames(frames)
        dealer = self.dealer
        if dealer is not None and dealer in ready:
            while self.dealer is dealer:
                try:
                    frames = dealer.recv_multipart(zmq.NOBLOCK)
                except zmq.Again:
                    break
                self.on_snapshot_message(frames)
        now = time.monotonic()
        dead_after = 3 * self.heartbeat
        if self.alive and now - self.last_heard > dead_after:
            self.alive, self.lost = False, True  # keep the view, delete nothing
            self.counters["publisher_timeouts"] += 1
            self.request_snapshot()
        elif self.dealer is not None and now - self.requested_at > (
                dead_after if self.lost else max(SNAPSHOT_TIMEOUT, dead_after)):
            self.request_snapshot()
        return [fd for fd in extra_fds if fd in ready]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bus-dir", default="/run/kr-node/bus")
    parser.add_argument("--topic", action="append", choices=TOPICS)
    parser.add_argument("--targets-from-stdin", action="store_true",
                        help="for tests: for each stdin line {\"epoch\": E, \"inSync\": B, "
                             "\"seqs\": {...}}, print the view as one JSON line once it "
                             "reaches that point (or after 60 s)")
    args = parser.parse_args()

    def emit(line):
        print(json.dumps(line, sort_keys=True), flush=True)

    quiet = args.targets_from_stdin
    consumer = BusConsumer(
        "ipc://%s/updates.sock" % args.bus_dir, "ipc://%s/snapshot.sock" % args.bus_dir,
        topics=args.topic or TOPICS,
        on_upsert=None if quiet else
        lambda t, k, v: emit({"op": "upsert", "topic": t, "key": k, "value": v}),
        on_delete=None if quiet else lambda t, k: emit({"op": "delete", "topic": t, "key": k}),
        on_in_sync=None if quiet else lambda: emit({"op": "in-sync"}))

    stdin = sys.stdin.fileno()
    pending = []
    buffered = b""
    try:
        while True:
            ready = consumer.poll(0.05, [stdin] if quiet else [])
            if ready:
                chunk = os.read(stdin, 65536)
                if not chunk:
                    return 0
                buffered += chunk
                while b"\n" in buffered:
                    line, buffered = buffered.split(b"\n", 1)
                    pending.append((json.loads(line), time.monotonic() + 60))
            while pending:
                target, deadline = pending[0]
                reached = (consumer.in_sync == target["inSync"] and
                           consumer.epoch == int(target["epoch"]) and
                           all(consumer.seq[t] >= target["seqs"][t] for t in consumer.topics))
                if not reached and time.monotonic() < deadline:
                    break
                emit(consumer.state())
                pending.pop(0)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
