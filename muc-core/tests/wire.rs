//! The fast presence decoder (`muc_core::wire`) against the general path:
//! same output, same typed errors, never a panic.

use muc_core::wire::{DecodeError, PresenceDecoder, Unsupported};

/// Runs both paths; the fast one, where it answers, must agree with the
/// general one. Returns why the fast path declined, if it did.
fn agree(stanza: &str) -> Option<Unsupported> {
    let mut d = PresenceDecoder::new();
    let general = d.decode_general(stanza.as_bytes());
    let fast = d.decode_fast(stanza.as_bytes());
    match (&fast, &general) {
        (Ok(f), Ok(g)) => assert_eq!(f, g, "{stanza}"),
        (Ok(f), Err(e)) => {
            panic!("the fast path accepts what the general path rejects ({e}):\n{stanza}\n{f:?}")
        }
        (Err(_), _) => {}
    }
    // `decode` is the general path's answer whenever the fast path declines.
    let both = d.decode(stanza.as_bytes());
    assert_eq!(format!("{both:?}"), format!("{general:?}"), "{stanza}");
    fast.err()
}

/// Like `agree`, and the fast path must have answered.
fn fast(stanza: &str) {
    if let Some(why) = agree(stanza) {
        panic!("declined ({why}): {stanza}");
    }
}

const MUC_USER: &str = "http://jabber.org/protocol/muc#user";

/// The benchmark workload's stanzas (research/bench/WORKLOAD.md).
#[test]
fn workload_stanzas_take_the_fast_path() {
    fast(
        "<presence from='bench@muc.example.org/benchbot' to='me@example.org/bench' id='self-1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='me@example.org/bench'/><status code='110'/></x></presence>",
    );
    for i in [0, 42, 9999] {
        fast(&format!(
            "<presence from='bench@muc.example.org/user{i:05}' to='me@example.org/bench' id='join-{i:05}'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='user{i:05}@example.org/res'/></x></presence>"
        ));
        fast(&format!(
            "<presence from='bench@muc.example.org/user{i:05}' to='me@example.org/bench' id='status-{i:05}'><show>away</show><status>be right back</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='user{i:05}@example.org/res'/></x></presence>"
        ));
        fast(&format!(
            "<presence from='bench@muc.example.org/user{i:05}' to='me@example.org/bench' id='leave-{i:05}' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none' jid='user{i:05}@example.org/res'/></x></presence>"
        ));
    }
}

/// What Prosody 0.12 and ejabberd 23.01 sent (research docs, §4 and §6).
#[test]
fn server_captures() {
    let mut declined = Vec::new();
    for line in include_str!("data/presence-captures.txt").lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(why) = agree(line) {
            declined.push((why, line));
        }
    }
    // Only error presences (and the client's own stanzas, which have no
    // 'from') are left to the general path.
    for (why, line) in &declined {
        assert!(
            line.contains("type='error'") || !line.contains("from="),
            "declined ({why}): {line}"
        );
    }
    assert!(declined.len() <= 12, "{declined:#?}");
}

#[test]
fn everything_a_presence_from_a_room_carries() {
    fast(&format!(
        "<presence from='room@muc.example.org/Nick' to='me@example.org/r' id='p1' xml:lang='en'>\
         <show>dnd</show><status>busy</status><status xml:lang='de'>besch&#228;ftigt</status>\
         <priority>-5</priority>\
         <c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v='/>\
         <x xmlns='vcard-temp:x:update'><photo>abc</photo></x>\
         <occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid=='/>\
         <x xmlns='{MUC_USER}'><status code='100'/>\
         <item affiliation='admin' role='moderator' jid='n@example.org/r' nick='Nick' foo='ignored'>\
         <actor nick='Boss' jid='boss@example.org'/><reason>because &amp; why not</reason><continue thread='t1'/></item>\
         <status code=' 170 '/><status code='999'/></x>\
         <delay xmlns='urn:xmpp:delay' stamp='2024-01-01T00:00:00Z'/></presence>"
    ));
    fast(&format!(
        "<presence from='room@muc.example.org/Nick' type='unavailable'>\
         <x xmlns='{MUC_USER}'><destroy jid='other@muc.example.org'><reason>moving</reason><password>pw</password></destroy>\
         <item role='none' affiliation='none'/></x></presence>"
    ));
    fast("<presence from='room@muc.example.org/Nick'/>");
    fast("<presence xmlns='jabber:client' from='room@muc.example.org'/>");
    fast(
        "<presence from='room@muc.example.org/O&apos;Brien' id='a&lt;b'><status>it&apos;s &quot;fine&quot; &#x1F600; \u{1F600}</status></presence>",
    );
    fast(&format!(
        "<presence from='r@s/n'>\n  <status>hi</status>\n  <x xmlns='{MUC_USER}'>\n    <item role='none'>\n    </item>\n  </x>\n</presence>\n"
    ));
    fast("<presence from='r@s/n' type='subscribe'/>");
    fast(
        "<presence from='r@s/n'><status/><x xmlns='urn:other'><x xmlns='http://jabber.org/protocol/muc#user'/></x></presence>",
    );
}

#[test]
fn status_texts_inherit_the_language_of_the_presence() {
    fast(
        "<presence from='r@s/n' xml:lang='en'><status>hi</status><status xml:lang='fr'>salut</status></presence>",
    );
    let p = PresenceDecoder::new()
        .decode_fast(b"<presence from='r@s/n' xml:lang='en'><status>hi</status></presence>")
        .unwrap();
    assert_eq!(
        p.statuses
            .iter()
            .map(|(l, _)| l.as_str())
            .collect::<Vec<_>>(),
        ["en"]
    );
}

#[test]
fn the_to_address_is_validated_once_per_value() {
    let mut d = PresenceDecoder::new();
    for to in [
        "me@example.org/r",
        "me@example.org/r",
        "other@example.org",
        "@bad",
        "@bad",
    ] {
        let s = format!("<presence from='r@s/n' to='{to}'/>");
        let fast = d.decode_fast(s.as_bytes());
        let general = d.decode_general(s.as_bytes());
        assert_eq!(fast.is_ok(), general.is_ok(), "{s}");
    }
}

/// Invalid values give muc-xso's typed errors, whichever path read them.
#[test]
fn invalid_values_give_the_typed_errors() {
    use muc_core::InputError;
    use muc_core::muc_xso::Error;
    let mut d = PresenceDecoder::new();
    let err = d
        .decode(
            format!("<presence from='r@s/n'><x xmlns='{MUC_USER}'><item affiliation='boss'/></x></presence>")
                .as_bytes(),
        )
        .unwrap_err();
    match err {
        DecodeError::Input(InputError::Payload(Error::InvalidAttribute {
            element,
            attribute,
            value,
            ..
        })) => assert_eq!(
            (element, attribute, value.as_str()),
            ("item", "affiliation", "boss")
        ),
        other => panic!("{other:?}"),
    }
    let err = d
        .decode(
            format!(
                "<presence from='r@s/n'><x xmlns='{MUC_USER}'><status code='abc'/></x></presence>"
            )
            .as_bytes(),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            DecodeError::Input(InputError::Payload(Error::InvalidAttribute {
                attribute: "code",
                ..
            }))
        ),
        "{err:?}"
    );
    assert!(matches!(
        d.decode(b"<presence to='me@example.org'/>").unwrap_err(),
        DecodeError::Input(InputError::NoFrom)
    ));
    assert!(matches!(
        d.decode(b"<message from='r@s/n'/>").unwrap_err(),
        DecodeError::NotPresence(_)
    ));
    assert!(matches!(
        d.decode(b"<presence from='r@s/n'><x xmlns='x'></presence>")
            .unwrap_err(),
        DecodeError::Xml(_)
    ));
    assert!(matches!(
        d.decode(b"<presence from='r@s/n' type='bogus'/>")
            .unwrap_err(),
        DecodeError::Presence(_)
    ));
}

/// Hostile and odd inputs: the fast path either agrees with the general
/// path or declines; nothing panics.
#[test]
fn hostile_inputs() {
    let x = MUC_USER;
    let cases: Vec<String> = vec![
        // malformed XML
        "".into(),
        "<".into(),
        "<presence".into(),
        "<presence from='r@s/n'>".into(),
        "<presence from='r@s/n'></message>".into(),
        "<presence from='r@s/n'/><presence from='r@s/m'/>".into(),
        "<presence from='r@s/n'/>trailing".into(),
        "<presence from='r@s/n' from='r@s/m'/>".into(),
        "<presence from='r@s/n'id='x'/>".into(),
        "<presence from='r@s/n' id='x'to='a@b'/>".into(),
        "<presence from=r@s/n/>".into(),
        "<presence from='r@s/n' id='a<b'/>".into(),
        "<presence from='r@s/n' id='a>b'/>".into(),
        "<presence from='r@s/n' id='a&b'/>".into(),
        "<presence from='r@s/n' id='a&bogus;b'/>".into(),
        "<presence from='r@s/n' id='&#0;'/>".into(),
        "<presence from='r@s/n' id='&#x1;'/>".into(),
        "<presence from='r@s/n' id='\u{1}'/>".into(),
        "<presence from='r@s/n' id='\u{fffe}'/>".into(),
        "<presence from='r@s/n' id='a\tb\nc\rd'/>".into(),
        "<presence from='r@s/n' id='&#9;&#10;&#13;'/>".into(),
        "<presence from='r@s/n'><status>a\r\nb</status></presence>".into(),
        "<presence from='r@s/n'><status>a&#13;b</status></presence>".into(),
        "<presence from='r@s/n'><status>a]]>b</status></presence>".into(),
        "<presence from='r@s/n'><status>a&unknown;b</status></presence>".into(),
        "<presence from='r@s/n'><status>a\u{0}b</status></presence>".into(),
        "<presence from='r@s/n'><status><![CDATA[x]]></status></presence>".into(),
        "<presence from='r@s/n'><!-- c --></presence>".into(),
        "<presence from='r@s/n'><?pi x?></presence>".into(),
        "<?xml version='1.0'?><presence from='r@s/n'/>".into(),
        "<!DOCTYPE x><presence from='r@s/n'/>".into(),
        " <presence from='r@s/n'/>".into(),
        "<presence from='r@s/n'/> \n".into(),
        "<p:presence xmlns:p='jabber:client' from='r@s/n'/>".into(),
        "<presence xmlns='jabber:server' from='r@s/n'/>".into(),
        "<presence xmlns:foo='urn:foo' from='r@s/n'/>".into(),
        "<presence from='r@s/n'><foo:bar/></presence>".into(),
        "<presence from='r@s/n'><c xmlns='urn:c'><foo:bar/></c></presence>".into(),
        "<presence from='r@s/n'><c xmlns='urn:c' a:b='1'/></presence>".into(),
        "<presence from='r@s/n'><c xmlns='urn:c' 1a='1'/></presence>".into(),
        "<presence from='r@s/n'><c xmlns='urn:c'><d></e></c></presence>".into(),
        "<presence from='r@s/n'><c xmlns='urn:c'>&#xD800;</c></presence>".into(),
        "<presence from='r@s/n'><1c xmlns='urn:c'/></presence>".into(),
        "<presence from='r@s/n'>text</presence>".into(),
        "<presence from='r@s/n'><status>a</show></presence>".into(),
        "<presence from='r@s/n'><show>away</status></presence>".into(),
        "<presence from='r@s/n'><status>a</status ></presence >".into(),
        "<presence from='r@s/n'></presence></presence>".into(),
        "<presence from='r@s/n'><x xmlns='http://jabber.org/protocol/muc#user'><item></x></item></presence>".into(),
        format!(
            "<presence from='r@s/n'><c xmlns='urn:c'>{}{}</c></presence>",
            "<d>".repeat(40),
            "</d>".repeat(40)
        ),
        format!(
            "<presence from='r@s/n'><c xmlns='urn:c'>{}{}</c></presence>",
            "<d>".repeat(10),
            "</d>".repeat(10)
        ),
        "\u{feff}<presence from='r@s/n'/>".into(),
        // invalid presence attributes and children
        "<presence from='@@' />".into(),
        "<presence from='' />".into(),
        "<presence from='r@s/n' to='//'/>".into(),
        "<presence from='r@s/n' type=''/>".into(),
        "<presence from='r@s/n' type='bogus'/>".into(),
        "<presence from='r@s/n' type='error'/>".into(),
        "<presence from='r@s/n' type='error'><error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>".into(),
        "<presence from='r@s/n'><show/></presence>".into(),
        "<presence from='r@s/n'><show>away </show></presence>".into(),
        "<presence from='r@s/n'><show>busy</show></presence>".into(),
        "<presence from='r@s/n'><show>away</show><show>dnd</show></presence>".into(),
        "<presence from='r@s/n'><show a='b'>away</show></presence>".into(),
        "<presence from='r@s/n'><show><b/>away</show></presence>".into(),
        "<presence from='r@s/n'><status/></presence>".into(),
        "<presence from='r@s/n'><status></status></presence>".into(),
        "<presence from='r@s/n'><status>a</status><status>b</status></presence>".into(),
        "<presence from='r@s/n'><status foo='x'>a</status></presence>".into(),
        "<presence from='r@s/n'><priority>128</priority></presence>".into(),
        "<presence from='r@s/n'><priority> 5 </priority></presence>".into(),
        "<presence from='r@s/n'><priority>5</priority><priority>6</priority></presence>".into(),
        "<presence from='r@s/n'><foo/></presence>".into(),
        "<presence from='r@s/n' foo='bar'/>".into(),
        "<presence from='r@s/n'><x/></presence>".into(),
        "<presence from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0'/></presence>".into(),
        "<presence from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='a' x='y'/></presence>".into(),
        "<presence from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='a'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='b'/></presence>".into(),
        "<presence from='r@s/n'><occupant-id xmlns='urn:xmpp:occupant-id:0' id='a'><x/></occupant-id></presence>".into(),
        // muc#user
        format!("<presence from='r@s/n'><x xmlns='{x}'/></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}' foo='bar'/></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'>text</x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item affiliation='boss'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item affiliation=' member'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item role='king'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item jid='@@'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item jid=' a@b'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item>text</item></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item><reason/></item></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item><reason xml:lang='en'>r</reason></item></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item><reason>a</reason><reason>b</reason></item></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item><actor/><actor/></item></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item><actor jid='@'/></item></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item><unknown/><other xmlns='urn:o'/></item></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item/><item/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><status/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><status code='-1'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><status code='70000'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><status code='110'><foo/></status></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><status code='110'>text</status></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><destroy jid='@'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><invite to='a@b'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><password>pw</password></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><foreign xmlns='urn:f'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><unknown/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item xmlns='{x}'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item/></x><x xmlns='{x}'><item role='bogus'/></x></presence>"),
        format!("<presence from='r@s/n'><x xmlns='{x}'><item affiliation='member' affiliation='owner'/></x></presence>"),
    ];
    let mut fast_count = 0;
    for case in &cases {
        if agree(case).is_none() {
            fast_count += 1;
        }
    }
    assert!(fast_count > 0);
}

/// Every prefix of a valid stanza, and single-byte corruptions of it.
#[test]
fn truncations_and_corruptions() {
    let stanza = format!(
        "<presence from='room@muc.example.org/Nick' to='me@example.org/r' id='p1' xml:lang='en'>\
         <show>dnd</show><status>busy &amp; away</status>\
         <occupant-id xmlns='urn:xmpp:occupant-id:0' id='oid'/>\
         <x xmlns='{MUC_USER}'><item affiliation='admin' role='moderator' jid='n@example.org/r'>\
         <actor nick='Boss'/><reason>r</reason></item><status code='110'/></x></presence>"
    );
    fast(&stanza);
    let bytes = stanza.as_bytes();
    for end in 0..bytes.len() {
        agree(&String::from_utf8_lossy(&bytes[..end]));
    }
    for i in 0..bytes.len() {
        for b in [
            b'<', b'>', b'\'', b'&', b'/', b' ', b'x', 0u8, b'=', b'\n', b':', b'"',
        ] {
            let mut v = bytes.to_vec();
            v[i] = b;
            agree(&String::from_utf8_lossy(&v));
        }
    }
}

mod random {
    use super::agree;
    use proptest::prelude::*;

    /// Pieces of presences, good and bad, to glue together at random.
    const PIECES: &[&str] = &[
        "<presence",
        " from='room@muc.example.org/Nick'",
        " from='room@muc.example.org'",
        " to='me@example.org/r'",
        " id='x&amp;y'",
        " type='unavailable'",
        " type='error'",
        " xml:lang='en'",
        " xmlns='jabber:client'",
        " foo='bar'",
        ">",
        "/>",
        "</presence>",
        "<show>",
        "away",
        "</show>",
        "<status",
        "<status>",
        "be right back",
        "&lt;",
        "&#x41;",
        "</status>",
        "<priority>1</priority>",
        "<x xmlns='http://jabber.org/protocol/muc#user'>",
        "<x xmlns='vcard-temp:x:update'>",
        "</x>",
        "<item",
        " affiliation='member'",
        " affiliation='boss'",
        " role='participant'",
        " jid='u@example.org/res'",
        " nick='N'",
        "</item>",
        "<actor nick='A'/>",
        "<reason>why</reason>",
        "<status code='110'/>",
        "<status code='x'/>",
        "<destroy jid='o@muc.example.org'>",
        "</destroy>",
        "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='o'/>",
        "<c xmlns='http://jabber.org/protocol/caps' ver='v'/>",
        " ",
        "\n",
        "'",
        "<",
        "&",
        "=",
    ];

    const ATTRS: &[&str] = &[
        " from='room@muc.example.org/Nick'",
        " to='me@example.org/r'",
        " id='x&amp;y'",
        " type='unavailable'",
        " type='probe'",
        " xml:lang='en'",
        " xmlns='jabber:client'",
    ];

    /// Whole children, good and bad.
    const CHILDREN: &[&str] = &[
        "<show>away</show>",
        "<show>xa</show>",
        "<status>be right back</status>",
        "<status xml:lang='de'>weg</status>",
        "<status/>",
        "<priority>1</priority>",
        "<x xmlns='vcard-temp:x:update'><photo/></x>",
        "<c xmlns='http://jabber.org/protocol/caps' ver='v'/>",
        "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='o'/>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant' jid='u@example.org/res'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><item role='none'><actor nick='A'/><reason>r</reason></item><status code='307'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><status code='110'/><item affiliation='owner' role='moderator'/><status code='201'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='o@muc.example.org'><reason>r</reason></destroy><item role='none'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><item nick='New' role='participant'/><status code='303'/></x>",
        "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='boss'/></x>",
        "<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>",
        " ",
        "text",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn random_presences_agree(
            attrs in proptest::collection::vec(0..ATTRS.len(), 0..5),
            children in proptest::collection::vec(0..CHILDREN.len(), 0..5),
        ) {
            let mut s = String::from("<presence");
            for a in attrs {
                s.push_str(ATTRS[a]);
            }
            s.push('>');
            for c in children {
                s.push_str(CHILDREN[c]);
            }
            s.push_str("</presence>");
            agree(&s);
        }

        #[test]
        fn random_glue_agrees(pieces in proptest::collection::vec(0..PIECES.len(), 1..30)) {
            let s: String = pieces.iter().map(|i| PIECES[*i]).collect();
            agree(&s);
        }

        #[test]
        fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            agree(&String::from_utf8_lossy(&bytes));
        }
    }
}
