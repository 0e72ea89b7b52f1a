"""Load: N pods created over several connections, a watch started during the creation that
must see every later create in order, and a paged list of everything (kr-apiserver-load
does the work and the checks; this starts and stops the server around it).

    load_test.py <kr-apiserver> <kr-apiserver-load> <pods> [extra kr-apiserver-load flags]
"""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from apiserver_harness import ApiServer  # noqa: E402


def main():
    binary, load, pods = sys.argv[1], sys.argv[2], int(sys.argv[3])
    # The history must hold every event the watch has not read yet.
    with ApiServer(binary, "--history-size", str(pods * 2 + 100), tls=False, token=None) as server:
        result = subprocess.run([load, "--url", server.url, "--pods", str(pods), "--threads", "4"] +
                                sys.argv[4:],
                                timeout=1800)
        if result.returncode != 0:
            print(server.server_log()[-4000:], file=sys.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
