//! The fault-injection matrix: the local user's TCP connection is cut at
//! every step of join, nick change, kick, leave, configuration, destroy and
//! tracked send. Every pending future completes (a value, a typed error or a
//! timeout), the room comes back where it should (autorejoin), does not come
//! back where it must not (after a leave or a destroy), no message is lost or
//! shown twice, and every tracker ends in a defined state. alice acts, bob
//! is the one kicked, carol talks throughout.
//!
//! The steps, for a request the client sends and the answer it waits for:
//!
//! | cut | what the server saw | what the client saw |
//! |---|---|---|
//! | `BeforeRequest` | nothing | nothing |
//! | `AfterRequest` | the request | no answer |
//! | `BeforeAnswer` | the request, answered | no answer |
//! | `AfterAnswer` | the request, answered | the answer |

use std::time::Duration;

use futures::StreamExt;
use muc_client::xmpp_parsers::minidom::Element;
use muc_client::{
    Destruction, Error, JoinOptions, Room, RoomEvent, RoomEvents, Service, TrackerState,
};
use muc_testserver::{Action, Rule, RuleId, Server, ns, predicates};

use crate::common::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Join,
    NickChange,
    Kick,
    Leave,
    Configure,
    Destroy,
    TrackedSend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    BeforeRequest,
    AfterRequest,
    BeforeAnswer,
    AfterAnswer,
}

const CUTS: [Cut; 4] = [
    Cut::BeforeRequest,
    Cut::AfterRequest,
    Cut::BeforeAnswer,
    Cut::AfterAnswer,
];

const ROOM: &str = "matrix";

fn room_bare() -> String {
    room_jid(ROOM)
}

fn iq_with(e: &Element, type_: &str, ns: &str, child: Option<&str>) -> bool {
    e.name() == "iq"
        && e.attr("type") == Some(type_)
        && e.children()
            .any(|q| q.ns() == ns && child.is_none_or(|c| q.children().any(|x| x.name() == c)))
}

/// The client's request for `op` (to the room: [`rule`] narrows to it).
fn request(op: Op) -> impl Fn(&Element) -> bool + Send + Sync + 'static {
    let tracked = predicates::body_is("tracked");
    move |e: &Element| match op {
        Op::Join => predicates::is_presence(e) && e.children().any(|x| x.is("x", ns::MUC)),
        Op::NickChange => {
            predicates::is_presence(e) && e.attr("to") == Some(&format!("{}/Alicia", room_bare()))
        }
        Op::Kick => iq_with(e, "set", ns::MUC_ADMIN, None),
        Op::Leave => predicates::is_presence(e) && e.attr("type") == Some("unavailable"),
        Op::Configure => iq_with(e, "set", ns::MUC_OWNER, Some("x")),
        Op::Destroy => iq_with(e, "set", ns::MUC_OWNER, Some("destroy")),
        Op::TrackedSend => predicates::is_groupchat_message(e) && tracked(e),
    }
}

/// The room's answer to it, as the client receives it.
fn answer(op: Op) -> impl Fn(&Element) -> bool + Send + Sync + 'static {
    let tracked = predicates::body_is("tracked");
    move |e: &Element| match op {
        Op::Join => predicates::is_self_presence(e),
        Op::NickChange => predicates::is_presence(e) && predicates::status_codes(e).contains(&303),
        Op::Leave => {
            predicates::is_presence(e)
                && e.attr("type") == Some("unavailable")
                && predicates::status_codes(e).contains(&110)
        }
        Op::Kick | Op::Configure | Op::Destroy => {
            predicates::is_iq(e) && e.attr("type") == Some("result")
        }
        Op::TrackedSend => predicates::is_message(e) && tracked(e),
    }
}

fn rule(op: Op, cut: Cut) -> Rule {
    let (builder, action) = match cut {
        Cut::BeforeRequest => (Rule::from_client().when(request(op)), Action::CutBefore),
        Cut::AfterRequest => (Rule::from_client().when(request(op)), Action::CutAfter),
        Cut::BeforeAnswer => (Rule::to_client().when(answer(op)), Action::CutBefore),
        Cut::AfterAnswer => (Rule::to_client().when(answer(op)), Action::CutAfter),
    };
    builder
        .for_user("alice@localhost")
        .in_room(&room_bare())
        .times(1)
        .then(action)
}

/// Bodies of the groupchat messages in `events`.
fn bodies(events: &[RoomEvent]) -> Vec<String> {
    events.iter().filter_map(body).collect()
}

/// Reads events until `room` is active again and `after` has arrived.
async fn until_back(room: &Room, events: &mut RoomEvents, after: &str, seen: &mut Vec<RoomEvent>) {
    within("room back and the last message", async {
        loop {
            if room.active() && bodies(seen).iter().any(|b| b == after) {
                return;
            }
            match events.next().await {
                Some(e) => seen.push(e),
                None => panic!("alice's event stream ended; seen {seen:#?}"),
            }
        }
    })
    .await;
}

struct Setup {
    server: Server,
    alice: Service,
    /// The one who talks throughout.
    carol: Service,
    carol_room: Room,
    /// The one who gets kicked.
    bob: Service,
}

/// alice owns the room, bob and carol are in it (for `Op::Join`, carol owns
/// it and alice is not in it yet).
async fn setup(op: Op) -> (Setup, Option<(Room, RoomEvents)>) {
    let server = server(&["alice", "bob", "carol"]).await;
    let alice = login(&server, "alice").await;
    let bob = login(&server, "bob").await;
    let carol = login(&server, "carol").await;
    if op == Op::Join {
        let (carol_room, _cev, _) = join(&carol, ROOM, "Carol").await;
        return (
            Setup {
                server,
                alice,
                carol,
                carol_room,
                bob,
            },
            None,
        );
    }
    let (aroom, mut aev, _) = join(&alice, ROOM, "Alice").await;
    let (_bob_room, _bev, _) = join(&bob, ROOM, "Bob").await;
    let (carol_room, _cev, _) = join(&carol, ROOM, "Carol").await;
    for _ in 0..2 {
        wait_for(&mut aev, "the others join", |e| {
            matches!(e, RoomEvent::Join { .. })
        })
        .await;
    }
    (
        Setup {
            server,
            alice,
            carol,
            carol_room,
            bob,
        },
        Some((aroom, aev)),
    )
}

async fn say(room: &Room, text: &str) {
    let t = within("send", room.send_tracked_message(text, None))
        .await
        .expect("sent");
    let state = within("reflection", t.wait_final()).await.expect("final");
    assert!(
        matches!(state, TrackerState::DeliveredToRecipient { .. }),
        "{text}: {state:?}"
    );
}

async fn wait_cut(server: &Server, id: RuleId) {
    assert!(
        server.faults().wait_hits(id, 1, WAIT).await,
        "the cut happened"
    );
}

/// One cell of the matrix.
async fn case(op: Op, cut: Cut) {
    let (s, joined) = setup(op).await;
    // The configuration form is fetched before the cut is armed: the cut is
    // about submitting it.
    let mut config = match &joined {
        Some((room, _)) if op == Op::Configure => Some(
            within("the form", room.get_config())
                .await
                .expect("the form"),
        ),
        _ => None,
    };
    let id = s.server.faults().add(rule(op, cut));
    let label = format!("{op:?} / {cut:?}");

    // The operation; its future must finish with a value or a typed error.
    let (room, mut events, mut seen) = match (op, joined) {
        (Op::Join, _) => {
            let (room, fut) = s
                .alice
                .join(room_jid(ROOM), "Alice", JoinOptions::default())
                .expect("join starts");
            let events = room.events();
            let outcome = within(&label, fut).await;
            assert!(
                outcome.is_ok(),
                "{label}: with autorejoin the join comes through: {outcome:?}"
            );
            (room, events, Vec::new())
        }
        (_, Some((room, mut events))) => {
            say(&s.carol_room, "before").await;
            let mut seen = Vec::new();
            wait_for(&mut events, "before", |e| {
                seen.push(e.clone());
                matches!(e, RoomEvent::Message { .. })
            })
            .await;
            let outcome: Result<(), Error> = match op {
                Op::NickChange => within(&label, room.set_nick("Alicia")).await.map(drop),
                Op::Kick => within(&label, room.kick("Bob", Some("matrix"))).await,
                Op::Leave => within(&label, room.leave_and_wait()).await,
                Op::Configure => {
                    let config = config.as_mut().expect("fetched above");
                    config.set_roomname("Matrix");
                    within(&label, room.set_config(config)).await
                }
                Op::Destroy => within(&label, room.destroy(Destruction::default())).await,
                Op::TrackedSend => {
                    let t = within(&label, room.send_tracked_message("tracked", None))
                        .await
                        .expect("sent");
                    let state = within(&label, t.wait_final()).await.expect("a final state");
                    assert!(
                        matches!(
                            state,
                            TrackerState::DeliveredToRecipient { .. }
                                | TrackerState::Unknown
                                | TrackerState::Aborted
                        ),
                        "{label}: {state:?}"
                    );
                    Ok(())
                }
                Op::Join => unreachable!(),
            };
            if let Err(e) = &outcome {
                assert!(
                    e.is_disconnected() || e.is_timeout() || e.server_error().is_some(),
                    "{label}: untyped outcome {e:?}"
                );
            }
            (room, events, seen)
        }
        (_, None) => unreachable!(),
    };
    wait_cut(&s.server, id).await;
    within("alice back online", s.alice.wait_online(WAIT))
        .await
        .expect("online");

    match op {
        Op::Leave | Op::Destroy => {
            // The room must not come back: we left it, or it may be gone.
            within("the room ends", async {
                while room.joined() {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
            .await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            assert!(!room.joined() && !room.active(), "{label}: not rejoined");
            let occupants = s.server.room(ROOM).map(|r| r.occupants.len()).unwrap_or(0);
            let alice_there = s.server.room(ROOM).is_some_and(|r| {
                r.occupants
                    .iter()
                    .any(|(_, real, _)| real == "alice@localhost")
            });
            assert!(
                !alice_there,
                "{label}: alice is not in the room on the server ({occupants} occupants)"
            );
        }
        _ => {
            // carol talks while alice may still be away, then once she is back.
            say(&s.carol_room, "during").await;
            until_back(&room, &mut events, "during", &mut seen).await;
            say(&s.carol_room, "after").await;
            until_back(&room, &mut events, "after", &mut seen).await;
            let got = bodies(&seen);
            for text in ["before", "during", "after"] {
                if op == Op::Join && text == "before" {
                    continue;
                }
                let n = got.iter().filter(|b| *b == text).count();
                assert_eq!(n, 1, "{label}: {text:?} seen {n} times in {got:?}");
            }
            assert!(room.joined() && room.active(), "{label}");
        }
    }
    s.alice.close().await;
    s.bob.close().await;
    s.carol.close().await;
}

async fn row(op: Op) {
    for cut in CUTS {
        case(op, cut).await;
    }
}

#[tokio::test]
async fn cut_during_join() {
    row(Op::Join).await;
}

#[tokio::test]
async fn cut_during_nick_change() {
    row(Op::NickChange).await;
}

#[tokio::test]
async fn cut_during_kick() {
    row(Op::Kick).await;
}

#[tokio::test]
async fn cut_during_leave() {
    row(Op::Leave).await;
}

#[tokio::test]
async fn cut_during_configuration() {
    row(Op::Configure).await;
}

#[tokio::test]
async fn cut_during_destroy() {
    row(Op::Destroy).await;
}

#[tokio::test]
async fn cut_during_tracked_send() {
    row(Op::TrackedSend).await;
}
