"""slixmpp 1.17 (xep_0045 plugin) on the shared workload: one measurement
per process.

    python slixmpp_bench.py bytes|memory|rss [--n N]

A never-connected ``slixmpp.ClientXMPP`` with the xep_0045 plugin; the
room is marked joined in the plugin's tables (what ``join_muc_wait`` does
before it sends the join presence). The XML stream is started on a
transport that only swallows writes, and the stream header is fed once.

* bytes: each stanza's bytes through ``data_received``, one call per
  stanza: slixmpp's XMLPullParser, stanza objects, every matching handler
  (the MUC plugin's among them). slixmpp's stanza objects are lazy views
  over ElementTree, so there is no separate "already decoded" depth that
  would compare with aioxmpp's.
* memory / rss: as for aioxmpp (see aioxmpp_bench.py).

Every BATCH stanzas control goes back to the asyncio loop. Prints one JSON
object.
"""

import asyncio
import gc
import json
import sys
import time

import pyworkload as w


class NullTransport:
    def write(self, data):
        pass

    def get_extra_info(self, name, default=None):
        return default

    def close(self):
        pass

    def abort(self):
        pass


def room_env():
    import slixmpp

    xmpp = slixmpp.ClientXMPP(w.ME, "unused-password")
    xmpp.register_plugin("xep_0045")
    muc = xmpp.plugin["xep_0045"]
    room = slixmpp.JID(w.ROOM)
    muc.rooms[None][room] = {}
    muc.our_nicks[None][room] = w.NICK
    counts = {"online": 0, "offline": 0, "presence": 0}
    for event, key in ((f"muc::{room}::got_online", "online"),
                       (f"muc::{room}::got_offline", "offline"),
                       (f"muc::{room}::presence", "presence")):
        def bump(_stanza, _k=key):
            counts[_k] += 1
        xmpp.add_event_handler(event, bump)
    xmpp.connection_made(NullTransport(), send_event=False)
    xmpp.data_received(w.HEADER.encode())
    xmpp.data_received(w.SELF.encode())

    def occupants():
        return len(muc.rooms[None][room])
    return xmpp, counts, occupants


async def timed(n):
    xmpp, counts, occupants = room_env()
    times = {}
    for phase in w.PHASES:
        items = w.phase_bytes(phase, n)
        gc.collect()
        t0 = time.perf_counter()
        for start in range(0, n, w.BATCH):
            for b in items[start:start + w.BATCH]:
                xmpp.data_received(b)
            await asyncio.sleep(0)
        times[phase] = time.perf_counter() - t0
    assert counts["offline"] == n and counts["online"] == n + 1, counts
    assert occupants() == 1, occupants()
    return times


async def memory(n, trace):
    xmpp, _counts, occupants = room_env()
    await asyncio.sleep(0)
    gc.collect()
    return await w.measure_joins(xmpp.data_received, n, trace, occupants)


def main():
    mode = sys.argv[1]
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else w.N
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    if mode in ("memory", "rss"):
        print(json.dumps(loop.run_until_complete(memory(n, mode == "memory"))))
    elif mode == "bytes":
        times = loop.run_until_complete(timed(n))
        print(json.dumps({"times": times, "per_second": 3 * n / sum(times.values())}))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
