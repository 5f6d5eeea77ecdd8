//! The three transports, connecting and closing.

use std::time::{Duration, Instant};

use futures::StreamExt;
use muc_client::tokio_xmpp::Client;
use muc_client::tokio_xmpp::connect::{DnsConfig, TcpServerConnector};
use muc_client::tokio_xmpp::stanzastream::{
    Event as StreamEvent, StanzaStream, StreamEvent as StreamState,
};
use muc_client::tokio_xmpp::xmlstream::Timeouts;
use muc_client::xmpp_parsers::iq::Iq;
use muc_client::xmpp_parsers::message::{Lang, Message};
use muc_client::xmpp_parsers::ping::Ping;
use muc_client::xmpp_parsers::stanza::Stanza;
use muc_client::{
    AppInbound, AppOutbound, ConnectOptions, Error, JoinOptions, RoomEvent, Service, ServiceEvent,
    ServiceOptions, TrackerState,
};
use muc_testserver::Server;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::common::*;

/// A real tokio-xmpp stream for `user`, piped through an application-owned
/// service's link. Stanzas the service gives back go to the returned
/// channel. (A `StanzaStream`, not a `Client`: see `Service::from_client`
/// for the tokio-xmpp 6.0.0 bug that makes a `Client` lose inbound
/// stanzas.)
pub async fn pipe(
    server: &Server,
    user: &str,
    inbound: AppInbound,
    outbound: AppOutbound,
) -> JoinHandle<()> {
    pipe_returning(server, user, inbound, outbound, None).await
}

pub async fn pipe_returning(
    server: &Server,
    user: &str,
    inbound: AppInbound,
    mut outbound: AppOutbound,
    returned: Option<mpsc::UnboundedSender<Stanza>>,
) -> JoinHandle<()> {
    let jid: muc_client::jid::BareJid = format!("{user}@{DOMAIN}").parse().unwrap();
    let mut client = StanzaStream::new_c2s(
        TcpServerConnector(DnsConfig::addr(&server.addr().to_string())),
        jid.into(),
        format!("{user}pw"),
        Timeouts::tight(),
        16,
    );
    tokio::spawn(async move {
        loop {
            tokio::select! {
                ev = client.next() => match ev {
                    Some(StreamEvent::Stream(StreamState::Reset { bound_jid, .. })) => {
                        if inbound.online(bound_jid.try_into_full().unwrap()).await.is_err() {
                            break;
                        }
                    }
                    Some(StreamEvent::Stanza(st)) => match inbound.incoming(st).await {
                        Ok(Some(back)) => {
                            if let Some(tx) = &returned {
                                let _ = tx.send(back);
                            }
                        }
                        Ok(None) => {}
                        Err(_) => break,
                    },
                    Some(StreamEvent::Stream(StreamState::Suspended)) => {
                        let _ = inbound.offline().await;
                    }
                    Some(StreamEvent::Stream(StreamState::Resumed)) => {}
                    None => break,
                },
                out = outbound.next_stanza() => match out {
                    Some(st) => {
                        let _ = client.send(Box::new(st)).await;
                    }
                    None => {
                        let _ = tokio::time::timeout(Duration::from_secs(2), client.close()).await;
                        return;
                    }
                },
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(2), client.close()).await;
    })
}

#[tokio::test]
async fn application_owned_transport_gives_back_what_is_not_mucs() {
    let server = server(&["alice", "bob"]).await;
    let (service, link) = Service::application_owned(ServiceOptions::default());
    let (inbound, outbound) = link.split();
    let (tx, mut returned) = mpsc::unbounded_channel();
    let pump = pipe_returning(&server, "alice", inbound, outbound, Some(tx)).await;
    let me = within("online", service.wait_online(WAIT)).await.unwrap();
    assert_eq!(me.node().unwrap().as_str(), "alice");
    let (room, mut events, _) = join(&service, "app", "Alice").await;
    // A second, library-owned client in the same room.
    let bob = login(&server, "bob").await;
    let (broom, _bev, _) = join(&bob, "app", "Bob").await;
    broom.send_message("hi from bob").await.unwrap();
    wait_for(&mut events, "bob's message", is_message_with("hi from bob")).await;
    let t = room
        .send_tracked_message("hi from alice", None)
        .await
        .unwrap();
    let state = within("reflection", t.wait_final()).await.unwrap();
    assert!(
        matches!(state, TrackerState::DeliveredToRecipient { .. }),
        "{state:?}"
    );
    // A chat message from bob's account to alice's is not MUC's: it comes
    // back to the application.
    let chat = Message::chat(Some(me.clone().into())).with_body(Lang::new(), "direct".into());
    bob.send_raw(Stanza::Message(chat)).unwrap();
    let back = within("returned stanza", returned.recv()).await.unwrap();
    match back {
        Stanza::Message(m) => {
            assert_eq!(m.bodies.values().next().map(String::as_str), Some("direct"))
        }
        other => panic!("{other:?}"),
    }
    // Closing the service ends the outbound stream, which ends the pipe.
    service.close().await;
    within("pipe ends", pump).await.unwrap();
}

#[tokio::test]
async fn service_from_a_tokio_xmpp_client_and_its_silent_reconnect() {
    let server = server(&["alice", "bob"]).await;
    let client = Client::new_plaintext(
        "alice@localhost"
            .parse::<muc_client::jid::BareJid>()
            .unwrap(),
        "alicepw",
        DnsConfig::addr(&server.addr().to_string()),
        Timeouts::tight(),
    );
    let service = Service::from_client(client, ServiceOptions::default());
    let mut sev = service.events();
    let first = within("online", service.wait_online(WAIT)).await.unwrap();
    let (room, mut events, _) = join(&service, "fromclient", "Alice").await;
    let bob = login(&server, "bob").await;
    join(&bob, "fromclient", "Bob").await;
    wait_for(&mut events, "bob joins", |e| {
        matches!(e, RoomEvent::Join { .. })
    })
    .await;
    // Cut the connection: tokio-xmpp's client says nothing until it is back
    // online (after ~1 s) with a new resource; the room is then rejoined.
    assert_eq!(server.faults().cut("alice@localhost"), 1);
    let resumed = collect_until(&mut events, "rejoin", |e| {
        matches!(e, RoomEvent::Resumed { .. })
    })
    .await;
    assert!(
        resumed.iter().any(|e| matches!(e, RoomEvent::Suspend)),
        "{resumed:#?}"
    );
    assert!(resumed.iter().any(|e| matches!(e, RoomEvent::Resume)));
    let second = wait_for(
        &mut sev,
        "second online",
        |e| matches!(e, ServiceEvent::Online(j) if *j != first),
    )
    .await;
    assert!(matches!(second, ServiceEvent::Online(_)));
    assert!(room.active());
    assert_eq!(room.occupants().len(), 2);
    service.close().await;
}

#[tokio::test]
async fn connect_fails_fast_on_a_wrong_password() {
    let server = server(&["alice"]).await;
    let started = Instant::now();
    let r = Service::connect("alice@localhost", "wrong", server.addr(), fast()).await;
    match r {
        Err(Error::Auth(text)) => assert!(
            text.contains("not-authorized") || !text.is_empty(),
            "{text}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn connect_to_nothing_times_out() {
    // A port nobody listens on.
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let started = Instant::now();
    let r = Service::connect(
        "alice@localhost",
        "pw",
        addr,
        ConnectOptions::default().connect_timeout(Duration::from_millis(500)),
    )
    .await;
    match r {
        Err(Error::Connect { last_error, .. }) => assert!(last_error.is_some()),
        other => panic!("{other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn service_events_local_answers_and_raw_stanzas() {
    let server = server(&["alice", "bob"]).await;
    let alice = login(&server, "alice").await;
    let mut aev = alice.events();
    assert!(matches!(
        within("online event", aev.next()).await,
        Some(ServiceEvent::Online(_))
    ));
    let bob = login(&server, "bob").await;
    let mut bev = bob.events();
    let alice_jid = alice.own_jid().unwrap();
    // Bob pings alice's session: alice's service answers by itself, and
    // the answer is not MUC's business at bob's end.
    bob.send_raw(Stanza::Iq(
        Iq::from_get("ping-1", Ping).with_to(alice_jid.clone().into()),
    ))
    .unwrap();
    let pong = wait_for(&mut bev, "pong", |e| matches!(e, ServiceEvent::Stanza(_))).await;
    match pong {
        ServiceEvent::Stanza(s) => match *s {
            Stanza::Iq(Iq::Result { id, .. }) => assert_eq!(id, "ping-1"),
            other => panic!("{other:?}"),
        },
        _ => unreachable!(),
    }
    // A chat message is not MUC's: it shows up as a service event.
    bob.send_raw(Stanza::Message(
        Message::chat(Some(alice_jid.clone().into())).with_body(Lang::new(), "psst".into()),
    ))
    .unwrap();
    let ev = wait_for(&mut aev, "chat", |e| matches!(e, ServiceEvent::Stanza(_))).await;
    match ev {
        ServiceEvent::Stanza(s) => assert!(matches!(*s, Stanza::Message(_))),
        _ => unreachable!(),
    }
    assert!(alice.is_online());
    alice.close().await;
    assert!(!alice.is_online());
    // The stream ends after the Offline of the close.
    assert_eq!(
        within("offline", aev.next()).await,
        Some(ServiceEvent::Offline)
    );
    assert!(within("events end", aev.next()).await.is_none());
}

#[tokio::test]
async fn close_ends_streams_and_fails_what_is_pending() {
    let server = server(&["alice"]).await;
    let alice = login(&server, "alice").await;
    let (room, mut events, _) = join(&alice, "closing", "Alice").await;
    alice.close().await;
    let rest = collect_until(&mut events, "exit", |e| matches!(e, RoomEvent::Exit { .. })).await;
    assert!(!rest.is_empty());
    assert!(within("end", events.next()).await.is_none());
    assert!(!room.joined());
    assert!(matches!(room.set_subject("x").await, Err(Error::Closed)));
    assert!(matches!(
        alice.join(room_jid("after"), "Alice", JoinOptions::default()),
        Err(Error::Closed)
    ));
    // The server saw us leave.
    let info = server.room("closing");
    assert!(
        info.as_ref().is_none_or(|r| r.occupants.is_empty()),
        "{info:?}"
    );
}

#[tokio::test]
async fn connect_asks_for_a_resource() {
    let server = server(&["alice"]).await;
    let options = ConnectOptions {
        resource: Some("laptop".into()),
        ..fast()
    };
    let alice = login_with(&server, "alice", options).await;
    assert_eq!(alice.own_jid().unwrap().resource().as_str(), "laptop");
}

/// A connector that counts its connections and otherwise is plain TCP.
#[derive(Debug, Clone)]
struct CountingConnector {
    inner: TcpServerConnector,
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl muc_client::tokio_xmpp::connect::ServerConnector for CountingConnector {
    type Stream = <TcpServerConnector as muc_client::tokio_xmpp::connect::ServerConnector>::Stream;

    async fn connect(
        &self,
        jid: &muc_client::jid::Jid,
        ns: &'static str,
        timeouts: Timeouts,
    ) -> Result<
        (
            muc_client::tokio_xmpp::xmlstream::PendingFeaturesRecv<Self::Stream>,
            sasl::common::ChannelBinding,
        ),
        muc_client::tokio_xmpp::Error,
    > {
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.connect(jid, ns, timeouts).await
    }
}

#[tokio::test]
async fn connect_with_logs_in_through_the_given_connector() {
    let server = server(&["alice", "bob"]).await;
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let connector = CountingConnector {
        inner: TcpServerConnector(DnsConfig::addr(&server.addr().to_string())),
        count: count.clone(),
    };
    let alice = Service::connect_with(format!("alice@{DOMAIN}"), "alicepw", connector, fast())
        .await
        .unwrap();
    assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), 1);
    // A working service: it joins and hears another occupant.
    let bob = login(&server, "bob").await;
    let (room, mut events, _) = join(&alice, "viaconnector", "Alice").await;
    let _ = join(&bob, "viaconnector", "Bob").await;
    let joined = wait_for(&mut events, "Bob's join", |e: &RoomEvent| {
        matches!(e, RoomEvent::Join { .. })
    })
    .await;
    assert!(matches!(joined, RoomEvent::Join { occupant } if occupant.nick() == "Bob"));
    assert!(room.joined());
    // A wrong password through the connector fails fast too.
    let connector = CountingConnector {
        inner: TcpServerConnector(DnsConfig::addr(&server.addr().to_string())),
        count: count.clone(),
    };
    match Service::connect_with(format!("alice@{DOMAIN}"), "wrong", connector, fast()).await {
        Err(Error::Auth(_)) => {}
        other => panic!("{other:?}"),
    }
}
