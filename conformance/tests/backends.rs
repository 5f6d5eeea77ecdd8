//! The backend harness against real servers: Prosody and ejabberd start as throwaway
//! processes, real tokio-xmpp clients log in and join a room, several instances run at
//! once, and nothing (process, epmd, temporary directory) outlives a `RunningServer`.
//!
//! A backend named in `MUC_SKIP_SERVERS` is skipped with a printed line; a backend that
//! is not installed fails with the install hint.
//!
//! The clients are tokio-xmpp `StanzaStream`s, each owned by the test, not
//! `tokio_xmpp::Client`: in tokio-xmpp 6.0.0 the `Client`'s worker can lose
//! the wakeup for a stanza that arrives while `send_stanza` holds its lock,
//! and the stanza is never delivered (this test failed that way on a loaded
//! machine: the server had written the self-presence, the client never
//! yielded it).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use conformance::backend::{
    Account, Availability, Backend, BackendError, RunningServer, ServerConfig,
};
use futures::StreamExt;
use tokio::time::timeout;
use tokio_xmpp::Stanza;
use tokio_xmpp::connect::{DnsConfig, TcpServerConnector};
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::iq::Iq;
use tokio_xmpp::parsers::jid::{BareJid, FullJid, Jid};
use tokio_xmpp::parsers::muc::Muc;
use tokio_xmpp::parsers::presence::Presence;
use tokio_xmpp::stanzastream::{Event, StanzaStream, StreamEvent};
use tokio_xmpp::xmlstream::Timeouts;

const MUC_USER: &str = "http://jabber.org/protocol/muc#user";
/// Every wait on the network is bounded: tokio-xmpp retries a failed login forever.
const WAIT: Duration = Duration::from_secs(15);

/// `false` (with a printed line) if the backend is to be skipped; panics with the install
/// hint if it is missing.
fn should_run(backend: Backend) -> bool {
    match backend.availability() {
        Availability::Ready => true,
        Availability::Skipped(reason) => {
            eprintln!("SKIPPED {backend}: {reason}");
            false
        }
        Availability::Missing(message) => panic!("{message}"),
    }
}

async fn start(backend: Backend) -> RunningServer {
    let t = Instant::now();
    let server = match backend.start(&ServerConfig::default()).await {
        Ok(server) => server,
        Err(e) => panic!("{e}"),
    };
    eprintln!(
        "{backend}: ready at {} in {} ms (start() returned after {} ms)",
        server.addr(),
        server.startup_time().as_millis(),
        t.elapsed().as_millis()
    );
    server
}

/// Logs in and waits for `Online`.
async fn connect(server: &RunningServer, account: &Account) -> (StanzaStream, FullJid) {
    let mut client = StanzaStream::new_c2s(
        TcpServerConnector::from(DnsConfig::addr(&server.addr().to_string())),
        account.jid().clone().into(),
        account.password().to_owned(),
        Timeouts::tight(),
        16,
    );
    let online = timeout(WAIT, async {
        loop {
            match client.next().await {
                Some(Event::Stream(StreamEvent::Reset { bound_jid, .. })) => return bound_jid,
                Some(_) => continue,
                None => panic!("{}: the client stream ended before Online", account.jid()),
            }
        }
    })
    .await;
    let bound = match online {
        Ok(jid) => jid,
        Err(_) => panic!(
            "{} could not log in to {} within {WAIT:?}; server log:\n{}",
            account.jid(),
            server.kind(),
            server.log_tail(30).unwrap_or_default()
        ),
    };
    let full = bound.try_into_full().expect("the server binds a full JID");
    (client, full)
}

fn status_codes(presence: &Presence) -> BTreeSet<String> {
    presence
        .payloads
        .iter()
        .filter(|p| p.is("x", MUC_USER))
        .flat_map(Element::children)
        .filter(|c| c.name() == "status")
        .filter_map(|c| c.attr("code").map(str::to_owned))
        .collect()
}

/// Waits for a presence from `from` (ignoring everything else) and returns its status codes.
async fn presence_from(client: &mut StanzaStream, from: &FullJid) -> BTreeSet<String> {
    let wanted = Jid::from(from.clone());
    let got = timeout(WAIT, async {
        loop {
            match client.next().await {
                Some(Event::Stanza(Stanza::Presence(p))) if p.from.as_ref() == Some(&wanted) => {
                    return status_codes(&p);
                }
                // tokio-xmpp reconnects on its own and the new session is in
                // no room: say so instead of timing out.
                Some(Event::Stream(StreamEvent::Suspended)) => {
                    panic!("the stream dropped while waiting for {from}")
                }
                Some(Event::Stream(StreamEvent::Reset { bound_jid, .. })) => {
                    panic!("reconnected as {bound_jid} while waiting for {from}")
                }
                Some(_) => continue,
                None => panic!("the client stream ended while waiting for {from}"),
            }
        }
    })
    .await;
    got.unwrap_or_else(|_| panic!("no presence from {from} within {WAIT:?}"))
}

async fn join(client: &mut StanzaStream, occupant: &FullJid) -> BTreeSet<String> {
    let join = Presence::available()
        .with_to(Jid::from(occupant.clone()))
        .with_payload(Muc::new());
    client.send(Box::new(join.into())).await;
    presence_from(client, occupant).await
}

async fn two_users_join_a_room(backend: Backend) {
    if !should_run(backend) {
        return;
    }
    let server = start(backend).await;
    let (alice, bob) = (
        server.user("alice").unwrap().clone(),
        server.user("bob").unwrap().clone(),
    );
    let ((mut a, a_jid), (mut b, _)) =
        tokio::join!(connect(&server, &alice), connect(&server, &bob));
    eprintln!("{backend}: alice online as {a_jid}");

    let room: BareJid = format!("harness-{}@{}", rand_suffix(), server.muc_domain())
        .parse()
        .unwrap();
    let alice_in_room = room.with_resource_str("Alice").unwrap();
    let codes = join(&mut a, &alice_in_room).await;
    assert!(
        codes.contains("110"),
        "{backend}: self-presence without 110: {codes:?}"
    );
    assert!(
        codes.contains("201"),
        "{backend}: creating join without 201: {codes:?}"
    );

    // Instant room: unlock it (Prosody locks new rooms until the owner submits the form).
    let submit: Element = "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>"
        .parse()
        .unwrap();
    let submit = Iq::Set {
        from: None,
        to: Some(Jid::from(room.clone())),
        id: "instant-room".to_owned(),
        payload: submit,
    };
    a.send(Box::new(submit.into())).await;
    let answer = timeout(WAIT, async {
        loop {
            match a.next().await {
                Some(Event::Stanza(Stanza::Iq(iq))) if iq.id() == "instant-room" => return iq,
                Some(_) => continue,
                None => panic!("the client stream ended while waiting for the submit's answer"),
            }
        }
    })
    .await;
    match answer {
        Ok(Iq::Result { .. }) => {}
        other => panic!("{backend}: instant-room submit: {other:?}"),
    }

    let bob_in_room = room.with_resource_str("Bob").unwrap();
    let codes = join(&mut b, &bob_in_room).await;
    assert!(
        codes.contains("110"),
        "{backend}: bob's self-presence without 110: {codes:?}"
    );
    assert!(
        !codes.contains("201"),
        "{backend}: bob did not create the room: {codes:?}"
    );
    let seen = presence_from(&mut a, &bob_in_room).await;
    assert!(
        !seen.contains("110"),
        "{backend}: alice got bob's presence with 110: {seen:?}"
    );

    // More users than the pre-registered ones.
    let carl = server.fresh_user().await.unwrap_or_else(|e| panic!("{e}"));
    let (c, c_jid) = connect(&server, &carl).await;
    assert_eq!(c_jid.to_bare(), *carl.jid());

    for client in [a, b, c] {
        // Close the streams first: Prosody waits ~1 s for open sessions on SIGTERM.
        let _ = timeout(WAIT, client.close()).await;
    }
    let t = Instant::now();
    server.stop().await;
    eprintln!("{backend}: stopped in {} ms", t.elapsed().as_millis());
}

fn rand_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos:x}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prosody_two_users_join_a_room() {
    two_users_join_a_room(Backend::Prosody).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_two_users_join_a_room() {
    two_users_join_a_room(Backend::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ejabberd_two_users_join_a_room() {
    two_users_join_a_room(Backend::Ejabberd).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backends_run_concurrently() {
    let backends: Vec<Backend> = [
        Backend::Prosody,
        Backend::Prosody,
        Backend::Ejabberd,
        Backend::Ejabberd,
    ]
    .into_iter()
    .filter(|b| should_run(*b))
    .collect();
    let servers = futures::future::join_all(backends.iter().map(|b| start(*b))).await;
    let addrs: BTreeSet<_> = servers.iter().map(RunningServer::addr).collect();
    let dirs: BTreeSet<_> = servers.iter().filter_map(RunningServer::dir).collect();
    assert_eq!(addrs.len(), servers.len(), "each instance has its own port");
    assert_eq!(
        dirs.len(),
        servers.len(),
        "each instance has its own directory"
    );
    // Every instance answers, with its own accounts.
    let clients =
        futures::future::join_all(servers.iter().map(|s| connect(s, s.user("dave").unwrap())))
            .await;
    for (client, _) in clients {
        let _ = timeout(WAIT, client.close()).await;
    }
    futures::future::join_all(servers.into_iter().map(RunningServer::stop)).await;
}

/// PIDs of processes named like an Erlang port mapper.
fn epmd_pids() -> BTreeSet<u32> {
    processes()
        .into_iter()
        .filter(|(_, _, comm)| comm == "epmd")
        .map(|(pid, _, _)| pid)
        .collect()
}

/// (pid, ppid, comm) of every process.
fn processes() -> Vec<(u32, u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // "pid (comm) state ppid ...": comm may contain spaces, so split at the last ')'.
            let (head, tail) = stat.rsplit_once(')')?;
            let comm = head.split_once('(')?.1.to_owned();
            let ppid = tail.split_whitespace().nth(1)?.parse().ok()?;
            Some((pid, ppid, comm))
        })
        .collect()
}

fn descendants(root: u32) -> BTreeSet<u32> {
    let all = processes();
    let mut found = BTreeSet::from([root]);
    loop {
        let before = found.len();
        for (pid, ppid, _) in &all {
            if found.contains(ppid) {
                found.insert(*pid);
            }
        }
        if found.len() == before {
            found.remove(&root);
            return found;
        }
    }
}

fn alive(pid: u32) -> bool {
    // A zombie still has a /proc entry; we reap our children, so any entry means alive.
    Path::new(&format!("/proc/{pid}")).exists()
}

async fn drop_leaves_nothing(backend: Backend) {
    if !should_run(backend) {
        return;
    }
    let epmd_before = epmd_pids();
    let server = start(backend).await;
    let pid = server.pid().expect("native backends have a PID");
    let dir = server
        .dir()
        .expect("native backends have a directory")
        .to_path_buf();
    let (_, ppid, comm) = processes()
        .into_iter()
        .find(|(p, _, _)| *p == pid)
        .expect("the server runs");
    assert_eq!(
        ppid,
        std::process::id(),
        "{backend}: the server is our direct child"
    );
    if backend == Backend::Ejabberd {
        assert_eq!(
            comm, "beam.smp",
            "erl execs down to beam.smp, so the PID we hold is the VM"
        );
    }
    let helpers = descendants(pid);
    assert!(dir.join("data").exists() || dir.join("spool").exists());

    let t = Instant::now();
    drop(server); // the blocking path: SIGTERM, wait, SIGKILL fallback, remove the directory
    eprintln!("{backend}: dropped in {} ms", t.elapsed().as_millis());

    assert!(
        !alive(pid),
        "{backend}: server process {pid} survived the drop"
    );
    // Helpers (erl_child_setup, inet_gethost ...) notice the VM is gone a
    // moment after it exits: give them a short while.
    let deadline = Instant::now() + std::time::Duration::from_secs(5);
    while helpers.iter().any(|h| alive(*h)) && Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    for helper in &helpers {
        assert!(
            !alive(*helper),
            "{backend}: helper process {helper} survived the drop"
        );
    }
    assert!(
        !dir.exists(),
        "{backend}: {} survived the drop",
        dir.display()
    );
    let new_epmd: Vec<u32> = epmd_pids().difference(&epmd_before).copied().collect();
    assert!(
        new_epmd.is_empty(),
        "{backend}: an epmd appeared: {new_epmd:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prosody_drop_leaves_nothing() {
    drop_leaves_nothing(Backend::Prosody).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ejabberd_drop_leaves_nothing() {
    drop_leaves_nothing(Backend::Ejabberd).await;
}

/// A broken config fails fast with the server's own words, instead of hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_config_fails_with_the_log_tail() {
    let cases = [
        (
            Backend::Prosody,
            ServerConfig::default().with_prosody_muc_option("max_history_messages", "{ unclosed"),
        ),
        (
            Backend::Ejabberd,
            ServerConfig::default().with_ejabberd_muc_option("history_size", "not-a-number"),
        ),
    ];
    for (backend, mut config) in cases {
        if !should_run(backend) {
            continue;
        }
        config.startup_timeout = Duration::from_secs(20);
        let t = Instant::now();
        let error = match backend.start(&config).await {
            Ok(_) => panic!("{backend} started with a broken config"),
            Err(e) => e,
        };
        let text = error.to_string();
        eprintln!(
            "{backend}: failed as expected after {} ms:\n{text}",
            t.elapsed().as_millis()
        );
        // It failed because the harness saw the server fail (prosodyctl's
        // complaint, ejabberd's exit), not because it gave up waiting; a
        // clock here would only measure how loaded the machine is.
        assert!(
            !text.contains("before the start-up timeout"),
            "{backend} was only given up at its start-up timeout: {text}"
        );
        match (backend, &error) {
            // prosodyctl reads the config first and says what is wrong with it.
            (Backend::Prosody, BackendError::Registration { message, .. }) => {
                assert!(
                    message.contains("A problem occurred while reading the config file"),
                    "{text}"
                );
            }
            (_, BackendError::Startup { tail, .. }) => {
                assert!(text.contains("--- last lines of"), "{text}");
                assert!(tail.contains("history_size"), "{text}");
            }
            _ => panic!("{backend}: unexpected error {text}"),
        }
    }
}

#[test]
fn container_backends_say_why_they_are_skipped() {
    for backend in Backend::CONTAINERS {
        match backend.availability() {
            Availability::Skipped(reason) => {
                eprintln!("SKIPPED {backend}: {reason}");
                assert!(!reason.is_empty());
            }
            Availability::Ready => eprintln!("{backend}: a Docker engine answers"),
            Availability::Missing(m) => panic!("container backends are never 'missing': {m}"),
        }
    }
}
