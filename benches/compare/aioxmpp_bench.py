"""aioxmpp 0.13 on the shared workload: one measurement per process.

    python aioxmpp_bench.py applied|bytes|memory [--n N]

The room lives in aioxmpp's own MUC service (``aioxmpp.muc.MUCClient``),
wired as aioxmpp's unit tests wire it: a connected-client mock from
``aioxmpp.testutils``, a real ``IMDispatcher``, mocks for the unrelated
services. Presences enter through ``stream.on_presence_received``, the
signal the StanzaStream fires for every inbound presence.

* applied: presences parsed into aioxmpp XSOs before the clock; only the
  dispatch into the room is timed (its events counted by listeners).
* bytes: each stanza's bytes fed to aioxmpp's own SAX pipeline (the one
  ``aioxmpp.protocol.XMLStream`` builds), one feed per stanza, each parsed
  presence dispatched at once. Parsing, XSO building and dispatch are timed.
* memory: the self-presence, then N joins fed as bytes one at a time;
  tracemalloc's bytes still allocated afterwards, over N. rss: the same
  without tracemalloc, growth of ru_maxrss over N.

Every BATCH stanzas control goes back to the asyncio loop, as on a live
stream. Prints one JSON object.
"""

import asyncio
import gc
import json
import sys
import time
import unittest.mock

import pyworkload as w


def room_env():
    import aioxmpp
    import aioxmpp.im.dispatcher
    import aioxmpp.im.service
    import aioxmpp.muc
    import aioxmpp.tracking
    from aioxmpp.testutils import make_connected_client

    client = make_connected_client()
    client.local_jid = aioxmpp.JID.fromstr(w.ME)
    dispatcher = aioxmpp.im.dispatcher.IMDispatcher(client)
    deps = {
        aioxmpp.im.dispatcher.IMDispatcher: dispatcher,
        aioxmpp.im.service.ConversationService:
            unittest.mock.Mock(spec=aioxmpp.im.service.ConversationService),
        aioxmpp.tracking.BasicTrackingService:
            unittest.mock.Mock(spec=aioxmpp.tracking.BasicTrackingService),
        aioxmpp.DiscoServer: unittest.mock.Mock(spec=aioxmpp.DiscoServer),
    }
    muc = aioxmpp.muc.MUCClient(client, dependencies=deps)
    room, _joined = muc.join(aioxmpp.JID.fromstr(w.ROOM), w.NICK)
    counts = {}
    for signal in ("on_enter", "on_join", "on_presence_changed", "on_leave"):
        counts[signal] = 0

        def bump(*_args, _s=signal, **_kw):
            counts[_s] += 1
        getattr(room, signal).connect(bump)
    return client.stream.on_presence_received, room, counts, (client, dispatcher, muc)


def sax_pipeline(sink):
    """aioxmpp's stream parser, fed the stream header once."""
    import aioxmpp
    import aioxmpp.xml
    import aioxmpp.xso

    stanzas = aioxmpp.xso.XSOParser()
    stanzas.add_class(aioxmpp.Presence, sink)
    processor = aioxmpp.xml.XMPPXMLProcessor()
    processor.stanza_parser = stanzas

    def fail(exc):
        raise exc
    processor.on_exception = fail
    parser = aioxmpp.xml.make_parser()
    parser.setContentHandler(processor)
    parser.feed(w.HEADER.encode())
    return parser


def parsed(blobs):
    out = []
    parser = sax_pipeline(out.append)
    for b in blobs:
        parser.feed(b)
    return out


async def timed(mode, n):
    feed, room, counts, _keep = room_env()
    if mode == "applied":
        feed(parsed([w.SELF.encode()])[0])
        inputs = {p: parsed(w.phase_bytes(p, n)) for p in w.PHASES}
        step = feed
    else:
        parser = sax_pipeline(feed)
        parser.feed(w.SELF.encode())
        inputs = {p: w.phase_bytes(p, n) for p in w.PHASES}
        step = parser.feed
    assert counts["on_enter"] == 1
    times = {}
    for phase in w.PHASES:
        items = inputs.pop(phase)
        gc.collect()
        t0 = time.perf_counter()
        for start in range(0, n, w.BATCH):
            for item in items[start:start + w.BATCH]:
                step(item)
            await asyncio.sleep(0)
        times[phase] = time.perf_counter() - t0
    assert counts["on_join"] == n and counts["on_leave"] == n, counts
    assert counts["on_presence_changed"] >= n, counts
    assert len(room.members) == 1
    return times


async def memory(n, trace):
    feed, room, counts, _keep = room_env()
    parser = sax_pipeline(feed)
    parser.feed(w.SELF.encode())
    await asyncio.sleep(0)
    gc.collect()
    return await w.measure_joins(parser.feed, n, trace, lambda: len(room.members))


def main():
    mode = sys.argv[1]
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else w.N
    loop = asyncio.new_event_loop()
    if mode in ("memory", "rss"):
        print(json.dumps(loop.run_until_complete(memory(n, mode == "memory"))))
    else:
        times = loop.run_until_complete(timed(mode, n))
        print(json.dumps({"times": times, "per_second": 3 * n / sum(times.values())}))


if __name__ == "__main__":
    main()
