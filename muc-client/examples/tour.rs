//! A guided tour of muc-client.
//!
//! ```text
//! cargo run -p muc-client --example tour
//! cargo run -p muc-client --example tour -- --server 127.0.0.1:5222 \
//!     --jid alice@localhost --password alicepw --room tour@conference.localhost
//! ```
//!
//! Without arguments it starts the embedded muc-testserver, connects two
//! clients, creates and configures a room, exchanges messages, changes a
//! nick, sets the subject, kicks, leaves, and prints every event as it
//! arrives. With `--server` it does what one account can do on a real
//! server (plain TCP only: this crate builds tokio-xmpp without TLS).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use futures::StreamExt;
use muc_client::{
    ConnectOptions, JoinOptions, Role, RoomConfig, RoomEvent, RoomEvents, Service, ServiceEvent,
    ServiceEvents,
};
use tokio::task::JoinHandle;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One line per event, prefixed with whose stream it came from.
fn describe(event: &RoomEvent) -> String {
    let nick = |o: &muc_client::Occupant| o.nick().to_owned();
    match event {
        RoomEvent::Enter {
            occupant, created, ..
        } => format!(
            "entered as {} ({:?}, {:?}){}",
            occupant.nick(),
            occupant.affiliation(),
            occupant.role(),
            if *created {
                ", room created (locked until configured)"
            } else {
                ""
            }
        ),
        RoomEvent::JoinFailed { error } => format!("join failed: {error}"),
        RoomEvent::Exit {
            mode,
            cause,
            destroyed,
            ..
        } => format!(
            "exited: {mode:?}{}{}{}",
            cause
                .actor
                .as_ref()
                .and_then(|a| a.nick.as_ref())
                .map(|n| format!(" by {n}"))
                .unwrap_or_default(),
            cause
                .reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default(),
            destroyed
                .as_ref()
                .map(|_| " (room destroyed)")
                .unwrap_or_default()
        ),
        RoomEvent::Join { occupant } => format!("{} joined", nick(occupant)),
        RoomEvent::Leave {
            occupant,
            mode,
            cause,
            ..
        } => format!(
            "{} left: {mode:?}{}",
            nick(occupant),
            cause
                .reason
                .as_ref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        RoomEvent::Message {
            message,
            nick,
            source,
            ..
        } => format!(
            "{}<{}> {}",
            if *source == muc_client::MessageSource::History {
                "[history] "
            } else {
                ""
            },
            nick.as_deref().unwrap_or("room"),
            message
                .bodies
                .values()
                .next()
                .map(String::as_str)
                .unwrap_or("")
        ),
        RoomEvent::SubjectChange {
            subject, setter, ..
        } => format!(
            "subject: {:?} (set by {})",
            subject.values().next().map(String::as_str).unwrap_or(""),
            setter.as_deref().unwrap_or("the room")
        ),
        RoomEvent::AffiliationChange {
            occupant, old, new, ..
        } => {
            format!("{} affiliation {old:?} -> {new:?}", nick(occupant))
        }
        RoomEvent::RoleChange {
            occupant, old, new, ..
        } => format!("{} role {old:?} -> {new:?}", nick(occupant)),
        RoomEvent::StatusChange { occupant } => format!(
            "{} is now {:?} {:?}",
            nick(occupant),
            occupant.show(),
            occupant.status().unwrap_or("")
        ),
        RoomEvent::NickChange { old, new, .. } => format!("{old} is now known as {new}"),
        RoomEvent::ConfigChanged { status } => format!("configuration changed {status:?}"),
        RoomEvent::PrivateMessage { message, nick, .. } => format!(
            "private <{nick}> {}",
            message
                .bodies
                .values()
                .next()
                .map(String::as_str)
                .unwrap_or("")
        ),
        RoomEvent::Tracker { id, state } => format!("tracked message {id:?}: {state:?}"),
        other => format!("{other:?}"),
    }
}

/// Prints a room's events until its stream ends.
fn print_room(who: &'static str, room: String, mut events: RoomEvents) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            println!("[{who}] {room}: {}", describe(&event));
        }
        println!("[{who}] {room}: (no more events)");
    })
}

/// Prints a service's events until its stream ends.
fn print_service(who: &'static str, mut events: ServiceEvents) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = events.next().await {
            match event {
                ServiceEvent::Online(jid) => println!("[{who}] online as {jid}"),
                ServiceEvent::Offline => println!("[{who}] offline"),
                ServiceEvent::Invitation(i) => {
                    println!("[{who}] invited to {} by {:?}", i.room, i.inviter)
                }
                ServiceEvent::Stanza(_) => println!("[{who}] (a stanza that is not MUC's)"),
                ServiceEvent::TransportError(e) => println!("[{who}] transport: {e}"),
                other => println!("[{who}] {other:?}"),
            }
        }
    })
}

/// Waits for the printers to drain their streams (they end when the
/// services close).
async fn finish(printers: Vec<JoinHandle<()>>) {
    for p in printers {
        let _ = tokio::time::timeout(Duration::from_secs(5), p).await;
    }
}

async fn embedded() -> Result<(), BoxError> {
    let server = muc_testserver::Server::builder()
        .user("alice", "alicepw")
        .user("bob", "bobpw")
        .start()
        .await?;
    println!("== embedded muc-testserver on {}", server.addr());
    let mut printers = Vec::new();

    println!("== connecting alice and bob");
    let alice = Service::connect(
        "alice@localhost",
        "alicepw",
        server.addr(),
        ConnectOptions::default(),
    )
    .await?;
    printers.push(print_service("alice", alice.events()));
    let bob = Service::connect(
        "bob@localhost",
        "bobpw",
        server.addr(),
        ConnectOptions::default(),
    )
    .await?;
    printers.push(print_service("bob", bob.events()));

    let room_jid = "tour@conference.localhost";
    println!("== alice creates {room_jid} and configures it (reserved room)");
    let (aroom, joined) = alice.join(room_jid, "Alice", JoinOptions::default())?;
    printers.push(print_room("alice", room_jid.into(), aroom.events()));
    let entered = joined.await?;
    if entered.created {
        let mut config: RoomConfig = aroom.get_config().await?;
        config
            .set_roomname("The Tour")
            .set_room_desc("Where muc-client shows around");
        aroom.set_config(&config).await?;
        println!("== configured: {:?}", aroom.get_config().await?.roomname());
    }

    println!("== bob joins");
    let (broom, joined) = bob.join(room_jid, "Bob", JoinOptions::default())?;
    printers.push(print_room("bob", room_jid.into(), broom.events()));
    joined.await?;
    println!(
        "== occupants seen by bob: {:?}",
        broom
            .occupants()
            .iter()
            .map(|o| o.nick().to_owned())
            .collect::<Vec<_>>()
    );

    println!("== messages");
    let tracker = aroom.send_tracked_message("Welcome, Bob!", None).await?;
    println!("== alice's message: {:?}", tracker.wait_final().await?);
    let tracker = broom.send_tracked_message("Hi Alice!", None).await?;
    tracker.wait_final().await?;
    broom
        .send_private_message("Alice", "psst, nice room")
        .await?;

    println!("== bob changes his nick");
    let nick = broom.set_nick("Robert").await?;
    println!("== bob is now {nick}");
    match broom.set_nick("Alice").await {
        Err(e) => println!(
            "== taking alice's nick is refused: {e} (condition {:?})",
            e.condition()
        ),
        Ok(n) => println!("== unexpectedly got {n}"),
    }

    println!("== alice sets the subject");
    aroom.set_subject("Guided tour in progress").await?;
    println!(
        "== subject seen by bob: {:?} set by {:?}",
        broom.subject_text(),
        broom.subject_setter()
    );

    println!("== alice takes Robert's voice, then kicks him");
    println!("== may alice kick Robert? {}", {
        let target = aroom.occupant("Robert");
        target.is_some_and(|t| aroom.capabilities().may_kick(&t))
    });
    aroom
        .set_role("Robert", Role::Visitor, Some("quiet, please"))
        .await?;
    aroom.kick("Robert", Some("tour is over for you")).await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!("== bob still joined? {}", broom.joined());

    println!("== alice leaves");
    aroom.leave_and_wait().await?;
    println!("== alice joined? {}", aroom.joined());

    alice.close().await;
    bob.close().await;
    finish(printers).await;
    server.shutdown().await;
    println!("== done");
    Ok(())
}

struct Args {
    server: SocketAddr,
    jid: String,
    password: String,
    room: String,
    nick: Option<String>,
}

fn usage() -> String {
    "usage: tour [--server HOST:PORT --jid JID --password PW --room ROOM [--nick NICK]]".into()
}

async fn parse(mut argv: impl Iterator<Item = String>) -> Result<Option<Args>, BoxError> {
    let (mut server, mut jid, mut password, mut room, mut nick) = (None, None, None, None, None);
    let mut any = false;
    while let Some(flag) = argv.next() {
        if flag == "--help" || flag == "-h" {
            println!("{}", usage());
            println!("Without arguments the tour runs on an embedded muc-testserver.");
            std::process::exit(0);
        }
        any = true;
        let value = argv
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{}", usage()))?;
        match flag.as_str() {
            "--server" => server = Some(value),
            "--jid" => jid = Some(value),
            "--password" => password = Some(value),
            "--room" => room = Some(value),
            "--nick" => nick = Some(value),
            _ => return Err(format!("unknown flag {flag}\n{}", usage()).into()),
        }
    }
    if !any {
        return Ok(None);
    }
    let missing = |what: &str| format!("{what} is missing\n{}", usage());
    let server = server.ok_or_else(|| missing("--server"))?;
    let addr = tokio::net::lookup_host(&server)
        .await?
        .next()
        .ok_or_else(|| format!("{server} does not resolve"))?;
    Ok(Some(Args {
        server: addr,
        jid: jid.ok_or_else(|| missing("--jid"))?,
        password: password.ok_or_else(|| missing("--password"))?,
        room: room.ok_or_else(|| missing("--room"))?,
        nick,
    }))
}

/// Against a real server: everything one account can do alone. Failures
/// of single steps are printed, not fatal.
async fn real(args: Args) -> Result<(), BoxError> {
    println!("== connecting to {} as {}", args.server, args.jid);
    let service = Service::connect(
        args.jid.as_str(),
        args.password.as_str(),
        args.server,
        ConnectOptions::default(),
    )
    .await?;
    let mut printers = vec![print_service("me", service.events())];
    let nick = args
        .nick
        .clone()
        .or_else(|| args.jid.split('@').next().map(str::to_owned))
        .unwrap_or_else(|| "tour".into());
    if let Some(domain) = args.room.split('@').nth(1) {
        match service.discover_rooms(domain).await {
            Ok(items) => println!("== {} public rooms on {domain}", items.len()),
            Err(e) => println!("== room discovery failed: {e}"),
        }
    }
    let (room, joined) = service.join(args.room.as_str(), &nick, JoinOptions::default())?;
    printers.push(print_room("me", args.room.clone(), room.events()));
    let entered = joined.await?;
    if entered.created {
        println!("== the room is new; accepting the default configuration");
        if let Err(e) = room.create_instant().await {
            println!("== instant room failed: {e}");
        }
    }
    match room.room_info().await {
        Ok(info) => println!(
            "== room info: name {:?}, features {:?}",
            info.name, info.features.all
        ),
        Err(e) => println!("== room info failed: {e}"),
    }
    println!(
        "== occupants: {:?}",
        room.occupants()
            .iter()
            .map(|o| o.nick().to_owned())
            .collect::<Vec<_>>()
    );
    match room
        .send_tracked_message("Hello from the muc-client tour", None)
        .await
    {
        Ok(t) => match tokio::time::timeout(Duration::from_secs(10), t.wait_final()).await {
            Ok(Ok(state)) => println!("== message: {state:?}"),
            Ok(Err(e)) => println!("== message: {e}"),
            Err(_) => println!("== message: no reflection within 10 s"),
        },
        Err(e) => println!("== sending failed: {e}"),
    }
    let caps = room.capabilities();
    if caps.may_set_subject() {
        if let Err(e) = room.set_subject("muc-client tour").await {
            println!("== setting the subject failed: {e}");
        }
    } else {
        println!("== not allowed to set the subject here");
    }
    match room.set_nick(&format!("{nick}_")).await {
        Ok(n) => {
            println!("== nick is now {n}");
            let _ = room.set_nick(&nick).await;
        }
        Err(e) => println!("== nick change failed: {e}"),
    }
    room.leave_and_wait().await?;
    service.close().await;
    finish(printers).await;
    println!("== done");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let outcome = match parse(std::env::args().skip(1)).await {
        Ok(None) => embedded().await,
        Ok(Some(args)) => real(args).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tour failed: {e}");
            ExitCode::FAILURE
        }
    }
}
