//! Helpers: a server, connected services, and waits that always time out.

#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use futures::{Stream, StreamExt};
use muc_client::{
    ConnectOptions, Entered, JoinOptions, Room, RoomEvent, RoomEvents, Service, ServiceEvent,
    ServiceEvents, ServiceOptions,
};
use muc_testserver::{Profile, Server};

/// The longest any single wait in these tests may take.
pub const WAIT: Duration = Duration::from_secs(5);

pub const DOMAIN: &str = "localhost";

/// Runs `fut`, failing the test if it takes longer than [`WAIT`].
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// A server with the given users (password = name + "pw").
pub async fn server(users: &[&str]) -> Server {
    server_with(users, Profile::Prosody).await
}

pub async fn server_with(users: &[&str], profile: Profile) -> Server {
    let mut b = Server::builder().profile(profile);
    for u in users {
        b = b.user(u, &format!("{u}pw"));
    }
    b.start().await.expect("server starts")
}

/// Options that keep tests quick: reconnect right away.
pub fn fast() -> ConnectOptions {
    ConnectOptions::default()
        .connect_timeout(Duration::from_secs(5))
        .reconnect_delay(Duration::from_millis(50))
        .reader(crate::READER)
}

pub fn fast_with(service: ServiceOptions) -> ConnectOptions {
    fast().service(service)
}

/// `name@localhost` connected with `fast()` options.
pub async fn login(server: &Server, name: &str) -> Service {
    login_with(server, name, fast()).await
}

pub async fn login_with(server: &Server, name: &str, options: ConnectOptions) -> Service {
    let service = within(
        "connect",
        Service::connect(
            format!("{name}@{DOMAIN}"),
            format!("{name}pw"),
            server.addr(),
            options,
        ),
    )
    .await
    .unwrap_or_else(|e| panic!("{name} connects: {e}"));
    // Tests that want service events call `events()` themselves first.
    service
}

pub fn room_jid(name: &str) -> String {
    format!("{name}@conference.{DOMAIN}")
}

/// Joins (creating and unlocking if needed); returns the room, its events
/// and how we entered.
pub async fn join(service: &Service, room: &str, nick: &str) -> (Room, RoomEvents, Entered) {
    join_with(service, room, nick, JoinOptions::default()).await
}

pub async fn join_with(
    service: &Service,
    room: &str,
    nick: &str,
    options: JoinOptions,
) -> (Room, RoomEvents, Entered) {
    let (r, fut) = service
        .join(room_jid(room), nick, options)
        .expect("join starts");
    let events = r.events();
    let entered = within("join", fut)
        .await
        .unwrap_or_else(|e| panic!("{nick} joins {room}: {e}"));
    if entered.created {
        within("instant room", r.create_instant())
            .await
            .expect("instant room");
    }
    (r, events, entered)
}

/// Waits for the first event matching `pred` (others are skipped).
pub async fn wait_for<S, T>(events: &mut S, what: &str, mut pred: impl FnMut(&T) -> bool) -> T
where
    S: Stream<Item = T> + Unpin,
    T: std::fmt::Debug,
{
    within(what, async {
        loop {
            match events.next().await {
                Some(ev) if pred(&ev) => return ev,
                Some(_) => continue,
                None => panic!("stream ended while waiting for {what}"),
            }
        }
    })
    .await
}

/// Every event up to and including the first matching `pred`.
pub async fn collect_until<S, T>(
    events: &mut S,
    what: &str,
    mut pred: impl FnMut(&T) -> bool,
) -> Vec<T>
where
    S: Stream<Item = T> + Unpin,
    T: std::fmt::Debug,
{
    within(what, async {
        let mut v = Vec::new();
        loop {
            match events.next().await {
                Some(ev) => {
                    let done = pred(&ev);
                    v.push(ev);
                    if done {
                        return v;
                    }
                }
                None => panic!("stream ended while waiting for {what}; got {v:#?}"),
            }
        }
    })
    .await
}

/// Asserts that nothing matching arrives within `d`.
pub async fn expect_none<S, T>(events: &mut S, d: Duration, mut pred: impl FnMut(&T) -> bool)
where
    S: Stream<Item = T> + Unpin,
    T: std::fmt::Debug,
{
    let deadline = tokio::time::Instant::now() + d;
    loop {
        match tokio::time::timeout_at(deadline, events.next()).await {
            Ok(Some(ev)) if pred(&ev) => panic!("unexpected event {ev:#?}"),
            Ok(Some(_)) => continue,
            Ok(None) | Err(_) => return,
        }
    }
}

/// The body of a message event.
pub fn body(ev: &RoomEvent) -> Option<String> {
    match ev {
        RoomEvent::Message { message, .. } => message.bodies.values().next().cloned(),
        _ => None,
    }
}

pub fn is_message_with(text: &str) -> impl Fn(&RoomEvent) -> bool + '_ {
    move |ev| body(ev).as_deref() == Some(text)
}

pub fn drop_service_events(service: &Service) {
    drop(service.events());
}

pub async fn next_service_event(
    events: &mut ServiceEvents,
    what: &str,
    pred: impl FnMut(&ServiceEvent) -> bool,
) -> ServiceEvent {
    wait_for(events, what, pred).await
}
