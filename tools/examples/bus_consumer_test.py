#!/usr/bin/python3
"""Cross-language test of the bus: the C++ publisher, the Python consumer written from
proto/SPEC.md, the C++ Subscriber and `kr-bus snapshot` must all hold the same state, through
live churn, a late join and a publisher restart with a new epoch.

usage: bus_consumer_test.py PUBLISHER SUBSCRIBER KR_BUS BUS_CONSUMER_PY
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from schema_check import SchemaChecker  # noqa: E402

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto",
                       "schemas")

TIMEOUT = 90


class Child:
    """A line-oriented child process; killed (by its own pid) if still running at close."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("%s exited without answering %r" % (self.proc.args[0], line))
        return answer.strip()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.proc.kill()
                self.proc.wait()


def compare(label, expected, actual):
    if expected == actual:
        return True
    for topic in sorted(set(expected) | set(actual)):
        want, got = expected.get(topic, {}), actual.get(topic, {})
        for key in sorted(set(want) | set(got)):
            if want.get(key) != got.get(key):
                print("%s: %s %s: expected %s, got %s" % (
                    label, topic, key, json.dumps(want.get(key)), json.dumps(got.get(key))))
    return False


def check_batch_parsing(consumer_py):
    """The consumer's BATCH parser on the example of proto/SPEC.md section 3.1, and on damage."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(consumer_py)))
    import bus_consumer
    example = bytes.fromhex("00000002" "01010000000004" "6e732f61" "00000001" "a0"
                            "02010000000004" "6e732f62" "00000000")
    entries, damaged = bus_consumer.parse_batch(example)
    ok = not damaged and entries == [(bus_consumer.UPSERT, 1, 0, "ns/a", b"\xa0"),
                                     (bus_consumer.DELETE, 1, 0, "ns/b", b"")]
    header = bus_consumer.HEADER.pack(bus_consumer.PROTOCOL, bus_consumer.BATCH, 0, 0, 5, 41)
    ok &= bus_consumer.wire_deltas([b"pods", header, b"", example]) == [
        ("pods", bus_consumer.UPSERT, "ns/a", 41), ("pods", bus_consumer.DELETE, "ns/b", 42)]
    # Damage: every truncation, trailing bytes, a bad entry type, no entries.
    for cut in range(len(example)):
        entries, damaged = bus_consumer.parse_batch(example[:cut])
        ok &= damaged and len(entries) <= 1
    ok &= bus_consumer.parse_batch(example + b"x") == (entries_of(example), True)
    garbled = bytearray(example)
    garbled[4 + 11 + 4 + 1] = 9  # the second entry's type
    ok &= bus_consumer.parse_batch(bytes(garbled)) == (entries_of(example)[:1], True)
    ok &= bus_consumer.parse_batch(b"\0\0\0\0") == ([], True)
    print("batch parsing as in SPEC section 3.1: %s" % ok)
    return ok


def entries_of(body):
    import bus_consumer
    return bus_consumer.parse_batch(body)[0]


def main():
    publisher_bin, subscriber_bin, kr_bus, consumer_py = sys.argv[1:5]
    if not check_batch_parsing(consumer_py):
        return 1
    python = "/usr/bin/python3"
    children = []
    ok = True
    checker = SchemaChecker(SCHEMAS)
    kinds_checked = set()
    with tempfile.TemporaryDirectory(prefix="kr-bus-example-") as tmp:
        bus_dir = tmp + "/bus"
        try:
            publisher = Child([publisher_bin, "--bus-dir", bus_dir])
            children.append(publisher)
            assert publisher.ask("list") == "ok"
            early_python = Child([python, consumer_py, "--bus-dir", bus_dir,
                                  "--targets-from-stdin"])
            early_cpp = Child([subscriber_bin, "--bus-dir", bus_dir])
            children += [early_python, early_cpp]

            # (command, label, whether consumers that lived through the restart still hold
            # the objects the new publisher has not listed yet)
            rounds = [("churn 3000 1", "live churn", False),
                      ("restart 7", "restart, not in-sync yet", True),
                      ("insync", "restart, in-sync", False),
                      ("churn 2000 2", "churn after restart", False)]
            previous = {}
            for command, label, keeps_unlisted in rounds:
                assert publisher.ask(command) == "ok"
                target = json.loads(publisher.ask("state"))
                expected = target.pop("state")
                for topic, objects in expected.items():
                    for key, value in objects.items():
                        problems = checker.check_object(topic, value)
                        kinds_checked.add(topic)
                        for problem in problems:
                            print("schema: %s %s: %s" % (topic, key, problem))
                        ok &= not problems
                early_expected = expected
                if keeps_unlisted:  # no delete before in-sync (SPEC section 7)
                    early_expected = {t: dict(previous.get(t, {}), **objects)
                                      for t, objects in expected.items()}
                request = json.dumps(target)
                late_python = Child([python, consumer_py, "--bus-dir", bus_dir,
                                     "--targets-from-stdin"])
                children.append(late_python)
                for name, child, want in [("python consumer", early_python, early_expected),
                                          ("c++ subscriber", early_cpp, early_expected),
                                          ("late python consumer", late_python, expected)]:
                    ok &= compare("%s, %s" % (label, name), want,
                                  json.loads(child.ask(request)))
                late_python.close()
                snapshot = json.loads(subprocess.run(
                    [kr_bus, "--bus-dir", bus_dir, "snapshot", "--compact"], check=True,
                    capture_output=True, text=True, timeout=TIMEOUT).stdout)
                ok &= compare("%s, kr-bus snapshot" % label, expected, snapshot["objects"])
                ok &= snapshot["seqs"] == target["seqs"]
                print("%s: %d objects, consumers as expected: %s" % (
                    label, sum(len(v) for v in expected.values()), ok))
                previous = expected
        finally:
            for child in reversed(children):
                child.close()
    if len(kinds_checked) != 6:
        print("schema: only these kinds were checked: %s" % sorted(kinds_checked))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
