//! The future returned by [`Service::join`](crate::Service::join).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use muc_core::OccupantRef;
use muc_core::muc_xso::StatusCode;
use tokio::sync::oneshot;
use tokio::time::Sleep;

use crate::error::{Error, Result};
use crate::state::{WaitGuard, Waiters};
use std::sync::Arc;

/// What the room said when we entered.
#[derive(Debug, Clone, PartialEq)]
pub struct Entered {
    /// The local user, as the room sees us (nick, role, affiliation ...).
    pub occupant: OccupantRef,
    /// The room was just created by this join and is locked until it is
    /// configured (status 201): call
    /// [`Room::create_instant`](crate::Room::create_instant) or fetch and
    /// submit the configuration.
    pub created: bool,
    /// The service assigned or changed our nick (210, or a self-presence
    /// from another nick than the one asked for).
    pub nick_assigned: bool,
    /// The status codes of the self-presence.
    pub status: Vec<StatusCode>,
}

/// Completes when the join succeeded ([`Entered`]) or failed
/// ([`Error::Join`], with the room's stanza error if it refused).
///
/// muc-core bounds the wait: [`JoinOptions::timeout`](crate::JoinOptions)
/// for the stream to come up if it is down, then again for the room to
/// answer. As a last resort the future itself gives up after twice that
/// plus five seconds. Dropping the future does not cancel the join; use
/// [`Room::leave`](crate::Room::leave) for that.
pub struct JoinFuture {
    rx: oneshot::Receiver<Result<Entered>>,
    /// The last-resort deadline; the timer is made on the first poll, so
    /// `join` works outside a runtime context.
    deadline: std::time::Instant,
    guard: Option<Pin<Box<Sleep>>>,
    waiters: Arc<Waiters>,
    /// Held while the future is being awaited (see `Waiters`).
    waiting: Option<WaitGuard>,
}

impl fmt::Debug for JoinFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinFuture").finish_non_exhaustive()
    }
}

impl JoinFuture {
    pub(crate) fn new(
        rx: oneshot::Receiver<Result<Entered>>,
        timeout: Duration,
        waiters: Arc<Waiters>,
    ) -> JoinFuture {
        let limit = timeout
            .saturating_mul(2)
            .saturating_add(Duration::from_secs(5));
        JoinFuture {
            rx,
            deadline: std::time::Instant::now() + limit,
            guard: None,
            waiters,
            waiting: None,
        }
    }
}

impl Future for JoinFuture {
    type Output = Result<Entered>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.rx).poll(cx) {
            Poll::Ready(Ok(result)) => {
                self.waiting = None;
                return Poll::Ready(result);
            }
            Poll::Ready(Err(_)) => {
                self.waiting = None;
                return Poll::Ready(Err(Error::Closed));
            }
            Poll::Pending => {}
        }
        if self.waiting.is_none() {
            let guard = self.waiters.enter();
            self.waiting = Some(guard);
        }
        let deadline = tokio::time::Instant::from_std(self.deadline);
        let guard = self
            .guard
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match guard.as_mut().poll(cx) {
            Poll::Ready(()) => {
                Poll::Ready(Err(Error::Timeout("join (no outcome from the driver)")))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}
