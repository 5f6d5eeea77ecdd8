#!/usr/bin/env python3
"""Writes the seed corpora from the real server captures.

Reads ../shared/research/prosody-and-tokio-xmpp.md §4 and ejabberd.md §6
(and the examples of ../shared/xeps/xep-0045.xml and xep-0249.xml, when
present) and writes fuzz/corpus/<target>/seed-*. The seeds are committed;
run this only to regenerate them.
"""
import hashlib
import html
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("MUC_SHARED", os.path.join(HERE, "..", "..", "shared"))
RESEARCH = os.path.join(SHARED, "research")


def section(path, start, end):
    text = open(path, encoding="utf-8").read()
    a = text.index(start)
    b = text.index(end, a)
    return text[a:b]


def captured_lines(text):
    """(direction, who, xml) for every stanza line of a capture block."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^(?:(alice|bob) )?(R|S|<<|>>)(?: \((alice|bob)\))?\s+(<(presence|message|iq)\b.*)$", line.strip())
        if m:
            who = m.group(1) or m.group(3)
            inbound = m.group(2) in ("R", "<<")
            out.append((inbound, who, m.group(4)))
    return out


def with_ns(xml):
    if "jabber:client" in xml:
        return xml
    m = re.match(r"<(presence|message|iq)", xml)
    return xml[: m.end()] + " xmlns='jabber:client'" + xml[m.end():]


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    prosody = section(os.path.join(RESEARCH, "prosody-and-tokio-xmpp.md"), "## 4. Captured", "## 5. Pitfalls")
    ejabberd = section(os.path.join(RESEARCH, "ejabberd.md"), "## 6. Captured", "## 7. mod_muc")
    stanzas = captured_lines(prosody) + captured_lines(ejabberd)
    # Inline captures in the prose (`<presence ...>` in backticks).
    for text in (prosody, ejabberd):
        for m in re.finditer(r"`(<(presence|message|iq)\b[^`]*</\2>)`", text):
            if "…" not in m.group(1):
                stanzas.append((True, None, m.group(1)))

    # xso_decode: selector byte 10 (newline) = no wrapper; 1 = inside muc#user <x/>.
    seen = set()
    for _, _, xml in stanzas:
        xml = with_ns(xml)
        if xml in seen:
            continue
        seen.add(xml)
        h = hashlib.sha1(xml.encode()).hexdigest()[:12]
        write("xso_decode", "capture-" + h, b"\n" + xml.encode())
        inner = re.search(r"<x xmlns='http://jabber.org/protocol/muc#user'>(.*?)</x>", xml)
        if inner and inner.group(1):
            write("xso_decode", "user-" + h, b"\x01" + inner.group(1).encode())
    n_xep = 0
    for name in ("xep-0045.xml", "xep-0249.xml"):
        path = os.path.join(SHARED, "xeps", name)
        if not os.path.exists(path):
            continue
        text = open(path, encoding="utf-8").read()
        for ex in re.findall(r"<example caption=[^>]*><!\[CDATA\[(.*?)\]\]></example>", text, re.S):
            for m in re.finditer(r"<(presence|message|iq)\b.*?(?:/>|</\1>)", ex, re.S):
                xml = with_ns(m.group(0).strip())
                if "[ ... ]" in xml or "..." in xml:
                    continue
                h = hashlib.sha1(xml.encode()).hexdigest()[:12]
                write("xso_decode", "xep-" + h, b"\n" + xml.encode())
                n_xep += 1

    # wire_presence: the presences alone, as they sit in a stream (no xmlns).
    for _, _, xml in stanzas:
        if xml.startswith("<presence"):
            h = hashlib.sha1(xml.encode()).hexdigest()[:12]
            write("wire_presence", "capture-" + h, xml.encode())

    # core_sequence: whole conversations, one stanza per line (text mode).
    def conv(name, own, room, nick, lines):
        body = "!own %s %s %s\n" % (own, room, nick) + "\n".join(lines) + "\n"
        write("core_sequence", name, body.encode())

    def inbound_for(text, who):
        return [x for (inb, w, x) in captured_lines(text) if inb and (w in (None, who))]

    p_alice = [x for x in inbound_for(prosody, "alice") if "FOjJgIHd8r9h" in x]
    conv("prosody-owner", "alice@localhost/FOjJgIHd8r9h", "probe2@conference.localhost", "Alice", p_alice)
    p_bob = [x for x in inbound_for(prosody, "bob") if "ryBzHMmk5ePR" in x]
    conv("prosody-participant", "bob@localhost/ryBzHMmk5ePR", "probe2@conference.localhost", "Bob", p_bob)
    p3_bob = [x for x in inbound_for(prosody, "bob") if "probe3" in x and "qWv_SseKna3F" in x]
    conv("prosody-probe3", "bob@localhost/qWv_SseKna3F", "probe3@conference.localhost", "Bob",
         ["<presence from='probe3@conference.localhost/Bob'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>",
          "<message from='probe3@conference.localhost' type='groupchat'><subject/></message>"] + p3_bob)
    e_alice = [x for x in inbound_for(ejabberd, "alice") if "res-a" in x and "room1@" in x]
    conv("ejabberd-owner", "alice@localhost/res-a", "room1@conference.localhost", "Alice", e_alice)
    e_bob = [x for x in inbound_for(ejabberd, "bob") if "res-b" in x and "room1@" in x]
    conv("ejabberd-participant", "bob@localhost/res-b", "room1@conference.localhost", "Bob", e_bob)
    # A suspension and rejoin in the middle of a conversation.
    conv("ejabberd-resume", "bob@localhost/res-b", "room1@conference.localhost", "Bob",
         e_bob[:5] + ["!lost", "!tick 5", "!up"] + e_bob[:5] + ["!tick 400"])
    # Password refusal, and the join timeout.
    conv("password-refused", "bob@localhost/res-b", "room3@conference.localhost", "Bob",
         ["<presence from='room3@conference.localhost/Bob' type='error' id='j1'><x xmlns='http://jabber.org/protocol/muc'><password>nope</password></x><error type='auth'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Incorrect password</text></error></presence>"])
    conv("timeout", "bob@localhost/res-b", "room1@conference.localhost", "Bob", ["!tick 31", "!tick 600"])
    # Every XEP-0045 example addressed to thirdwitch, in document order.
    path = os.path.join(SHARED, "xeps", "xep-0045.xml")
    if os.path.exists(path):
        text = open(path, encoding="utf-8").read()
        lines = []
        for ex in re.findall(r"<example caption=[^>]*><!\[CDATA\[(.*?)\]\]></example>", text, re.S):
            for m in re.finditer(r"<(presence|message|iq)\b.*?(?:/>|</\1>)", ex, re.S):
                xml = " ".join(m.group(0).split())
                if "to='hag66@shakespeare.lit/pda'" in xml and "..." not in xml:
                    lines.append(xml)
        conv("xep0045-thirdwitch", "hag66@shakespeare.lit/pda", "coven@chat.shakespeare.lit", "thirdwitch", lines)
    # Structured inputs (arbitrary): a few fixed pseudo-random byte strings.
    import random
    rng = random.Random(45)
    for i in range(8):
        data = bytes([rng.randrange(0x80, 0x100)]) + bytes(rng.randrange(256) for _ in range(64 * (i + 1)))
        write("core_sequence", "structured-%d" % i, data)
    print("seeds: %d xso_decode captures, %d XEP examples, core_sequence %d+%d+%d+%d+%d lines"
          % (len(seen), n_xep, len(p_alice), len(p_bob), len(p3_bob), len(e_alice), len(e_bob)))


if __name__ == "__main__":
    sys.exit(main())
