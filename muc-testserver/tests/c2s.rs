//! The c2s part: login, binding, routing, disco, shutdown, SCRAM, bad input.
//! Every test uses real tokio-xmpp clients over TCP.

mod common;

use std::time::Duration;

use common::*;
use muc_testserver::{Profile, Server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn login_bind_and_route_messages() {
    let server = server_with(&["alice", "bob"], Profile::Prosody).await;
    let alice = login(&server, "alice").await;
    let mut bob = login(&server, "bob").await;
    assert_eq!(alice.jid.domain().as_str(), "localhost");
    assert_eq!(server.sessions().len(), 2);
    alice.send_xml(&format!(
        "<message to='{}' type='chat' id='m1'><body>hi bob</body></message>",
        bob.jid
    ));
    let m = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&m, "body").as_deref(), Some("hi bob"));
    assert_eq!(m.attr("from"), Some(alice.jid.to_string().as_str()));
    // To the bare JID: delivered to the online resource.
    alice.send_xml("<message to='bob@localhost' type='chat'><body>bare</body></message>");
    let m = bob.recv_until(|e| e.name() == "message").await;
    assert_eq!(child_text(&m, "body").as_deref(), Some("bare"));
}

#[tokio::test]
async fn wrong_password_never_gets_online() {
    let server = server_with(&["alice"], Profile::Prosody).await;
    let c = TestClient::try_connect(
        server.addr(),
        "alice@localhost",
        "wrong",
        Duration::from_millis(700),
    )
    .await;
    assert!(c.is_none());
    let c = TestClient::try_connect(
        server.addr(),
        "nobody@localhost",
        "x",
        Duration::from_millis(300),
    )
    .await;
    assert!(c.is_none());
    assert!(server.sessions().is_empty());
}

#[tokio::test]
async fn scram_when_offered() {
    let server = Server::builder()
        .user("alice", "alicepw")
        .scram(true)
        .start()
        .await
        .unwrap();
    // tokio-xmpp picks SCRAM-SHA-256 when it is offered.
    let c = TestClient::connect(server.addr(), "alice@localhost", "alicepw").await;
    assert_eq!(c.jid.node().map(|n| n.as_str()), Some("alice"));
    let bad = TestClient::try_connect(
        server.addr(),
        "alice@localhost",
        "nope",
        Duration::from_millis(500),
    )
    .await;
    assert!(bad.is_none());
}

#[tokio::test]
async fn disco_server_and_service() {
    let server = server_with(&["alice"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    let info = alice
        .iq("<iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        .await;
    assert_eq!(info.attr("type"), Some("result"));
    let items = alice
        .iq("<iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>")
        .await;
    let q = items.get_child("query", ns::DISCO_ITEMS).unwrap();
    assert!(
        q.children()
            .any(|i| i.attr("jid") == Some("conference.localhost"))
    );
    let muc = alice
        .iq("<iq type='get' to='conference.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>")
        .await;
    let q = muc.get_child("query", ns::DISCO_INFO).unwrap();
    let id = q.get_child("identity", ns::DISCO_INFO).unwrap();
    assert_eq!(id.attr("category"), Some("conference"));
    assert!(q.children().any(|f| f.attr("var") == Some(ns::MUC)));
    // Unknown IQ → service-unavailable; unknown domain → remote-server-not-found.
    let e = alice
        .iq("<iq type='get' to='localhost'><query xmlns='urn:example:nope'/></iq>")
        .await;
    assert_eq!(error_condition(&e), "service-unavailable");
    let e = alice
        .iq("<iq type='get' to='elsewhere.example'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    assert_eq!(error_condition(&e), "remote-server-not-found");
    let pong = alice
        .iq("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    assert_eq!(pong.attr("type"), Some("result"));
    // IQ to an offline resource → service-unavailable.
    let e = alice
        .iq("<iq type='get' to='alice@localhost/gone'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    assert_eq!(error_condition(&e), "service-unavailable");
}

#[tokio::test]
async fn clean_shutdown_sends_332_then_system_shutdown() {
    let server = server_with(&["alice"], Profile::Prosody).await;
    let mut alice = login(&server, "alice").await;
    create_room(&mut alice, "room@conference.localhost", "Alice").await;
    let before = alice.online_count();
    server.shutdown().await;
    let p = alice
        .recv_until(|e| e.name() == "presence" && e.attr("type") == Some("unavailable"))
        .await;
    let c = codes(&p);
    assert!(c.contains(&110) && c.contains(&332), "{c:?}");
    // The stream error is not visible to tokio-xmpp users; the client
    // never gets online again because the server is gone.
    assert!(
        alice
            .wait_reconnect(Duration::from_millis(300))
            .await
            .is_none()
    );
    assert_eq!(alice.online_count(), before);
}

#[tokio::test]
async fn binary_flags_and_listening_line() {
    use std::process::Stdio;
    use tokio::io::AsyncBufReadExt;
    let exe = env!("CARGO_BIN_EXE_muc-testserver");
    let mut child = tokio::process::Command::new(exe)
        .args([
            "--port",
            "0",
            "--domain",
            "example.test",
            "--user",
            "carol:carolpw",
            "--profile",
            "ejabberd",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary runs");
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("line in time")
        .unwrap()
        .unwrap();
    let addr = line
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected line {line:?}"));
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    let mut carol = TestClient::connect(addr, "carol@example.test", "carolpw").await;
    // ejabberd profile: rooms are not locked and the bare room JID sends caps.
    let seq = carol.join("r@conference.example.test", "Carol").await;
    assert_eq!(seq[0].attr("from"), Some("r@conference.example.test"));
    carol.end();
    // SIGTERM stops it.
    let pid = child.id().unwrap();
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits")
        .unwrap();
    assert!(status.success());
    // Bad flags: exit code 2.
    let out = std::process::Command::new(exe)
        .args(["--profile", "openfire"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// Speak raw XML to the server, as a misbehaving client would.
async fn raw_session(addr: std::net::SocketAddr, user: &str, pw: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let header = "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
    s.write_all(header.as_bytes()).await.unwrap();
    read_until(&mut s, "</stream:features>").await;
    let auth = base64_plain(user, pw);
    s.write_all(
        format!("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>{auth}</auth>")
            .as_bytes(),
    )
    .await
    .unwrap();
    read_until(&mut s, "success").await;
    s.write_all(header.as_bytes()).await.unwrap();
    read_until(&mut s, "</stream:features>").await;
    s.write_all(b"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>")
        .await
        .unwrap();
    read_until(&mut s, "</iq>").await;
    s
}

fn base64_plain(user: &str, pw: &str) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let data = format!("\0{user}\0{pw}").into_bytes();
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

async fn read_until(s: &mut TcpStream, needle: &str) -> String {
    let mut buf = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let mut chunk = [0u8; 4096];
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, s.read(&mut chunk)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                if String::from_utf8_lossy(&buf).contains(needle) {
                    break;
                }
            }
            Ok(Err(_)) => break,
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

#[tokio::test]
async fn bad_input_ends_only_that_session() {
    let server = Server::builder()
        .user("alice", "alicepw")
        .user("mallory", "mallorypw")
        .max_stanza_size(4096)
        .max_stanzas_per_second(Some(50))
        .start()
        .await
        .unwrap();
    let mut alice = login(&server, "alice").await;

    // Malformed XML → not-well-formed.
    let mut m = raw_session(server.addr(), "mallory", "mallorypw").await;
    m.write_all(b"<message to='alice@localhost'><body>oops</bod></message>")
        .await
        .unwrap();
    let got = read_until(&mut m, "</stream:stream>").await;
    assert!(got.contains("not-well-formed"), "{got}");

    // Unknown top-level element → unsupported-stanza-type.
    let mut m = raw_session(server.addr(), "mallory", "mallorypw").await;
    m.write_all(b"<foo xmlns='urn:example:foo'/>")
        .await
        .unwrap();
    let got = read_until(&mut m, "</stream:stream>").await;
    assert!(got.contains("unsupported-stanza-type"), "{got}");

    // Oversized stanza → policy-violation.
    let mut m = raw_session(server.addr(), "mallory", "mallorypw").await;
    let big = format!(
        "<message to='alice@localhost'><body>{}</body></message>",
        "x".repeat(20_000)
    );
    let _ = m.write_all(big.as_bytes()).await;
    let got = read_until(&mut m, "</stream:stream>").await;
    assert!(got.contains("policy-violation"), "{got}");

    // Flood → policy-violation.
    let mut m = raw_session(server.addr(), "mallory", "mallorypw").await;
    let mut flood = String::new();
    for i in 0..300 {
        flood.push_str(&format!(
            "<presence to='nobody@localhost' id='f{i}' type='probe'/>"
        ));
    }
    let _ = m.write_all(flood.as_bytes()).await;
    let got = read_until(&mut m, "</stream:stream>").await;
    assert!(got.contains("policy-violation"), "{got}");

    // Invalid stanza → stanza error, session lives on.
    let mut m = raw_session(server.addr(), "mallory", "mallorypw").await;
    m.write_all(b"<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await
        .unwrap();
    let got = read_until(&mut m, "</iq>").await;
    assert!(got.contains("bad-request"), "{got}");
    m.write_all(b"<message to='not a jid@@' id='x'><body>x</body></message>")
        .await
        .unwrap();
    let got = read_until(&mut m, "</message>").await;
    assert!(got.contains("jid-malformed"), "{got}");

    // Alice is unharmed.
    let pong = alice
        .iq("<iq type='get' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>")
        .await;
    assert_eq!(pong.attr("type"), Some("result"));
    // Wrong stream 'to' → host-unknown.
    let mut s = TcpStream::connect(server.addr()).await.unwrap();
    s.write_all(b"<?xml version='1.0'?><stream:stream to='other.example' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>").await.unwrap();
    let got = read_until(&mut s, "</stream:stream>").await;
    assert!(got.contains("host-unknown"), "{got}");
}

#[tokio::test]
async fn raw_bytes_go_out_as_they_are_between_the_stanzas_around_them() {
    let server = Server::builder()
        .user("mallory", "mallorypw")
        .start()
        .await
        .unwrap();
    let mut m = raw_session(server.addr(), "mallory", "mallorypw").await;
    let faults = server.faults();
    let message = |id: &str| {
        xml(&format!(
            "<message xmlns='jabber:client' from='localhost' id='{id}'><body>{id}</body></message>"
        ))
    };
    let raw = "<oops>&bogus; </not-oops>\u{0}";
    assert_eq!(faults.inject("mallory@localhost", message("before")), 1);
    assert_eq!(faults.inject_raw("mallory@localhost", raw), 1);
    assert_eq!(faults.inject("mallory@localhost", message("after")), 1);
    assert_eq!(faults.inject_raw("nobody@localhost", raw), 0);
    assert_eq!(faults.inject_raw("not a jid@@", raw), 0);
    let got = read_until(&mut m, ">after</body></message>").await;
    let before = got.find(">before</body></message>").expect(&got);
    let at = got.find(raw).expect(&got);
    let after = got.find(">after</body></message>").expect(&got);
    assert!(before < at && at < after, "{got}");
}
