"""The shared presence workload (research/bench/WORKLOAD.md), for the
Python libraries. Written for this repository; it checks itself against the
SHA-256 sums of WORKLOAD.md before anything is measured."""

import asyncio
import gc
import hashlib
import resource
import statistics
import tracemalloc

N = 10_000
ROOM = "bench@muc.example.org"
NICK = "benchbot"
ME = "me@example.org/bench"
MUC_USER = "http://jabber.org/protocol/muc#user"
BATCH = 100  # stanzas between two returns to the event loop

HEADER = ("<stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' id='bench-stream' "
          "from='example.org' to='me@example.org' version='1.0' xml:lang='en'>")
FOOTER = "</stream:stream>"
SELF = (f"<presence from='{ROOM}/{NICK}' to='{ME}' id='self-1'>"
        f"<x xmlns='{MUC_USER}'><item affiliation='member' role='participant' "
        f"jid='{ME}'/><status code='110'/></x></presence>")

SUMS = {
    "join": "2127ac32877f13f9b5c68532691fd82b3da817312b46507bfd8af9d87af8fb94",
    "status": "ef0dc514ca9c7b4de9bba410d3e3e871f3d9247a66b52432f406bceb81bcd161",
    "leave": "66a6017605255e72d13bc8a2d58ff4b890900967780ca51e097ea7db796a246b",
    "stream": "daa7da836d396f0042759172c7ec4247503bdda8b112b9d97b1684204e54d51b",
}


def stanza(phase, i):
    """Stanza i of phase 'join', 'status' or 'leave', as str."""
    user = f"user{i:05d}"
    head = f"<presence from='{ROOM}/{user}' to='{ME}' id='{phase}-{i:05d}'"
    role = "participant"
    body = ""
    if phase == "leave":
        head += " type='unavailable'"
        role = "none"
    elif phase == "status":
        body = "<show>away</show><status>be right back</status>"
    return (f"{head}>{body}<x xmlns='{MUC_USER}'><item affiliation='member' "
            f"role='{role}' jid='{user}@example.org/res'/></x></presence>")


PHASES = ("join", "status", "leave")


def phase_bytes(phase, n=N):
    return [stanza(phase, i).encode() for i in range(n)]


def verify():
    """Raises unless the generated workload is byte-identical to WORKLOAD.md."""
    whole = hashlib.sha256((HEADER + SELF).encode())
    for phase in PHASES:
        h = hashlib.sha256()
        for b in phase_bytes(phase):
            h.update(b)
            whole.update(b)
        if h.hexdigest() != SUMS[phase]:
            raise SystemExit(f"workload mismatch in phase {phase}")
    whole.update(FOOTER.encode())
    if whole.hexdigest() != SUMS["stream"]:
        raise SystemExit("workload mismatch (whole stream)")


def median(values):
    return statistics.median(values)


async def measure_joins(feed, n, trace, occupants):
    """Feeds N join stanzas as bytes, generated one at a time; returns the
    retained heap (tracemalloc, if trace) or the ru_maxrss growth, per
    occupant."""
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    for start in range(0, n, BATCH):
        for i in range(start, min(n, start + BATCH)):
            feed(stanza("join", i).encode())
        await asyncio.sleep(0)
    gc.collect()
    assert occupants() == n + 1, occupants()
    if trace:
        retained = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.stop()
        return {"per_occupant": retained / n}
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"per_occupant": (rss1 - rss0) * 1024 / n}
