//! A room of 100 tokio-xmpp clients exchanging messages. Prints the
//! throughput (run with `--nocapture` to see it); asserts only delivery.

mod common;

use std::time::{Duration, Instant};

use common::*;
use muc_testserver::{Profile, RoomSpec, Server};

const CLIENTS: usize = 100;
const MESSAGES_PER_CLIENT: usize = 5;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_clients_in_one_room() {
    let names: Vec<String> = (0..CLIENTS).map(|i| format!("user{i}")).collect();
    let mut builder = Server::builder().room(RoomSpec::new("big", Profile::Prosody));
    for n in &names {
        builder = builder.user(n, "pw");
    }
    let server = builder.start().await.unwrap();
    let room = server.room_jid("big");

    let t0 = Instant::now();
    let mut clients = Vec::new();
    let mut connects = Vec::new();
    for n in &names {
        let addr = server.addr();
        let jid = format!("{n}@localhost");
        connects.push(tokio::spawn(async move {
            TestClient::connect(addr, &jid, "pw").await
        }));
    }
    for c in connects {
        clients.push(c.await.unwrap());
    }
    let connected = t0.elapsed();

    let t1 = Instant::now();
    for (i, c) in clients.iter_mut().enumerate() {
        let seq = c.join(&room, &format!("n{i}")).await;
        assert!(seq.iter().any(is_self_presence));
    }
    let joined = t1.elapsed();
    assert_eq!(server.room("big").unwrap().occupants.len(), CLIENTS);

    // Everybody sends, then everybody waits for every message.
    let t2 = Instant::now();
    let mut tasks = Vec::new();
    for (i, mut c) in clients.into_iter().enumerate() {
        let room = room.clone();
        tasks.push(tokio::spawn(async move {
            for k in 0..MESSAGES_PER_CLIENT {
                c.send_xml(&format!(
                    "<message to='{room}' type='groupchat' id='m{i}-{k}'><body>hello {k} from {i}</body></message>"
                ));
            }
            let mut got = 0;
            let want = CLIENTS * MESSAGES_PER_CLIENT;
            let deadline = Instant::now() + Duration::from_secs(60);
            while got < want && Instant::now() < deadline {
                match c.try_recv(Duration::from_secs(10)).await {
                    Some(e) if e.name() == "message" && e.attr("type") == Some("groupchat") => got += 1,
                    Some(_) => {}
                    None => break,
                }
            }
            (got, c)
        }));
    }
    let mut total = 0;
    let mut keep = Vec::new();
    for t in tasks {
        let (got, c) = t.await.unwrap();
        total += got;
        keep.push(c);
    }
    let exchanged = t2.elapsed();
    let sent = CLIENTS * MESSAGES_PER_CLIENT;
    assert_eq!(total, sent * CLIENTS, "every client got every message");
    let secs = exchanged.as_secs_f64();
    println!(
        "100-client room: connect {connected:?}, join {joined:?}; {sent} messages sent, {total} delivered in {exchanged:?}: {:.0} messages/s in, {:.0} stanzas/s out",
        sent as f64 / secs,
        total as f64 / secs
    );
    for c in &keep {
        c.end();
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(keep);
}
