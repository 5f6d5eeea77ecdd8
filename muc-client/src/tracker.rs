//! Tracked groupchat messages: did the room reflect what we sent?

use std::fmt;
use std::time::Duration;

use jid::BareJid;
use muc_core::{TrackerId, TrackerState};
use tokio::sync::watch;

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::state::Waiters;

/// How long a tracked message is followed by default (as in the seed): a
/// room that rewrites ids and bodies would otherwise make every tracker
/// live until the room is left.
pub const DEFAULT_TRACKING_TIMEOUT: Duration = Duration::from_secs(120);

/// Follows one message sent with
/// [`Room::send_tracked_message`](crate::Room::send_tracked_message).
///
/// The state starts at [`TrackerState::InFlight`], becomes
/// [`DeliveredToServer`](TrackerState::DeliveredToServer) once written to
/// the stream, and ends in a final state: the room reflected it
/// ([`DeliveredToRecipient`](TrackerState::DeliveredToRecipient)), refused it
/// ([`Error`](TrackerState::Error)), tracking timed out, the room was left or
/// the stream lost ([`Unknown`](TrackerState::Unknown)), or it could not be
/// written ([`Aborted`](TrackerState::Aborted)).
///
/// Cheap to clone; every clone sees the same state.
///
/// ```
/// # use muc_client::{ConnectOptions, JoinOptions, Service, TrackerState, DEFAULT_TRACKING_TIMEOUT};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let server = muc_testserver::Server::builder().user("alice", "alicepw").start().await?;
/// # let service = Service::connect("alice@localhost", "alicepw", server.addr(), ConnectOptions::default()).await?;
/// # let (room, joined) = service.join("coven@conference.localhost", "thirdwitch", JoinOptions::default())?;
/// # if joined.await?.created { room.create_instant().await?; }
/// let tracker = room.send_tracked_message("When shall we three meet again?", Some(DEFAULT_TRACKING_TIMEOUT)).await?;
/// match tracker.wait_final().await? {
///     TrackerState::DeliveredToRecipient { .. } => println!("the room has it"),
///     TrackerState::Error(e) => println!("refused: {e}"),
///     other => println!("{other:?}"),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct MessageTracker {
    id: TrackerId,
    room: BareJid,
    rx: watch::Receiver<TrackerState>,
    waiters: Arc<Waiters>,
}

impl fmt::Debug for MessageTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageTracker")
            .field("id", &self.id)
            .field("room", &self.room)
            .field("state", &*self.rx.borrow())
            .finish()
    }
}

impl MessageTracker {
    pub(crate) fn new(
        id: TrackerId,
        room: BareJid,
        rx: watch::Receiver<TrackerState>,
        waiters: Arc<Waiters>,
    ) -> MessageTracker {
        MessageTracker {
            id,
            room,
            rx,
            waiters,
        }
    }

    /// The tracker's id (as in [`RoomEvent::Tracker`](crate::RoomEvent::Tracker)).
    pub fn id(&self) -> TrackerId {
        self.id
    }

    /// The room the message went to.
    pub fn room(&self) -> &BareJid {
        &self.room
    }

    /// The current state.
    pub fn state(&self) -> TrackerState {
        self.rx.borrow().clone()
    }

    /// Whether the state is final.
    pub fn is_final(&self) -> bool {
        self.rx.borrow().is_final()
    }

    /// Waits until the state satisfies `pred` and returns it.
    ///
    /// Ends with [`Error::Closed`] if the tracking ends (the service closed)
    /// before `pred` holds. A tracker with a timeout always reaches a final
    /// state by then; one without is followed until the room is left.
    pub async fn wait_for(
        &self,
        mut pred: impl FnMut(&TrackerState) -> bool,
    ) -> Result<TrackerState> {
        let _waiting = self.waiters.enter();
        let mut rx = self.rx.clone();
        let state = rx
            .wait_for(|s| pred(s))
            .await
            .map_err(|_| Error::Closed)?
            .clone();
        Ok(state)
    }

    /// Waits for a final state and returns it.
    pub async fn wait_final(&self) -> Result<TrackerState> {
        self.wait_for(TrackerState::is_final).await
    }

    /// Waits at most `timeout` for a state that satisfies `pred`.
    pub async fn wait_for_within(
        &self,
        timeout: Duration,
        pred: impl FnMut(&TrackerState) -> bool,
    ) -> Result<TrackerState> {
        tokio::time::timeout(timeout, self.wait_for(pred))
            .await
            .map_err(|_| Error::Timeout("tracked message state"))?
    }
}
