"""Runs each measurement RUNS times, each in a fresh process, and prints the
medians in workload-summary's line format (n/a where a library has no such
depth). Usage: python compare.py aioxmpp|slixmpp [--runs 3] [--n N]"""

import json
import os
import subprocess
import sys

import pyworkload as w

HERE = os.path.dirname(os.path.abspath(__file__))


def run(script, mode, n):
    out = subprocess.run([sys.executable, os.path.join(HERE, script), mode, "--n", str(n)],
                         check=True, capture_output=True, text=True, cwd=HERE).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    lib = sys.argv[1]
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 3
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else w.N
    if n == w.N:
        w.verify()
    script = f"{lib}_bench.py"
    modes = ["applied", "bytes"] if lib == "aioxmpp" else ["bytes"]
    figures = {}
    for mode in modes:
        results = [run(script, mode, n) for _ in range(runs)]
        for r in results:
            phases = ", ".join(f"{p} {n / t:.0f}/s" for p, t in r["times"].items())
            print(f"# {lib} {mode}: {phases}; total {r['per_second']:.0f}/s", file=sys.stderr)
        figures[mode] = w.median([r["per_second"] for r in results])
    mem = w.median([run(script, "memory", n)["per_occupant"] for _ in range(runs)])
    rss = w.median([run(script, "rss", n)["per_occupant"] for _ in range(runs)])
    print(f"# {lib}: ru_maxrss growth per occupant {rss:.0f} B (median of {runs})", file=sys.stderr)

    def fig(name):
        return f"{figures[name]:.0f}" if name in figures else "n/a"
    print(f"# {lib}, median of {runs} runs, each in a fresh process")
    print(f"applied: {fig('applied')}")
    print("element: n/a")
    print(f"bytes: {fig('bytes')}")
    print("baseline: n/a")
    print("bytes/baseline: n/a")
    print(f"memory per occupant: {mem:.0f}")
    print(f"rss per occupant: {rss:.0f}")


if __name__ == "__main__":
    main()
