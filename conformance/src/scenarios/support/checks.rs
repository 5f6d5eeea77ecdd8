//! Reading what happened: the condition of a refusal, the names in an
//! admin list, the text of an event; and turning a scenario's findings
//! into its [`Outcome`].

use std::collections::BTreeSet;

use muc_client::RoomEvent;

use super::Error;
use crate::runner::Outcome;

/// The condition (`forbidden`, `not-allowed` ...) of a request or join the
/// server refused with a stanza error; an error if it was allowed or failed
/// without a stanza error (timeout, disconnect ...).
pub fn refusal<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, muc_client::Error>,
) -> Result<&'static str, Error> {
    match result {
        Ok(value) => Err(format!("{what}: the server allowed it ({value:?})").into()),
        Err(e) => match e.server_error() {
            Some(server) => Ok(server.condition_name()),
            None => Err(format!("{what}: failed without a stanza error: {e}").into()),
        },
    }
}

/// `None` if a request succeeded, the condition (`forbidden` ...) if the
/// server refused it; an error if it failed without a stanza error.
pub fn refused_with<T>(
    result: &Result<T, muc_client::Error>,
) -> Result<Option<&'static str>, Error> {
    match result {
        Ok(_) => Ok(None),
        Err(e) => match e.server_error() {
            Some(s) => Ok(Some(s.condition_name())),
            None => Err(format!("a request failed without a stanza error: {e}").into()),
        },
    }
}

/// Fails with `message()` unless `condition` holds.
pub fn ensure(condition: bool, message: impl FnOnce() -> String) -> Result<(), Error> {
    if condition {
        Ok(())
    } else {
        Err(message().into())
    }
}

/// The bare JIDs of a `muc#admin` list, as text.
pub fn listed_jids(items: &[muc_client::AdminItem]) -> std::collections::BTreeSet<String> {
    items
        .iter()
        .filter_map(|i| i.jid.as_ref().map(|j| j.to_bare().to_string()))
        .collect()
}

/// The nicks of a `muc#admin` list.
pub fn listed_nicks(items: &[muc_client::AdminItem]) -> std::collections::BTreeSet<String> {
    items.iter().filter_map(|i| i.nick.clone()).collect()
}

/// The first body of a groupchat or private message event.
pub fn body(event: &RoomEvent) -> Option<&str> {
    match event {
        RoomEvent::Message { message, .. } | RoomEvent::PrivateMessage { message, .. } => {
            message.bodies.values().next().map(String::as_str)
        }
        _ => None,
    }
}

/// Whether `event` is a groupchat message with this body.
pub fn is_message(event: &RoomEvent, text: &str) -> bool {
    matches!(event, RoomEvent::Message { .. }) && body(event) == Some(text)
}

/// A one-line description of an event, for failure messages.
pub fn short(event: &RoomEvent) -> String {
    match event {
        RoomEvent::Enter { status, .. } => format!("Enter{status:?}"),
        RoomEvent::JoinFailed { error } => format!("JoinFailed({error})"),
        RoomEvent::Exit { mode, status, .. } => format!("Exit({mode:?}, {status:?})"),
        RoomEvent::Join { occupant } => format!("Join({})", occupant.nick()),
        RoomEvent::Leave { occupant, mode, .. } => {
            format!("Leave({}, {mode:?})", occupant.nick())
        }
        RoomEvent::Message {
            nick,
            source,
            message,
            ..
        } => format!(
            "Message({:?} from {:?}, {source:?})",
            message.bodies.values().next(),
            nick
        ),
        RoomEvent::PrivateMessage { nick, message, .. } => format!(
            "PrivateMessage({:?} from {nick})",
            message.bodies.values().next()
        ),
        RoomEvent::SubjectChange {
            subject, on_join, ..
        } => format!(
            "SubjectChange({:?}, on_join={on_join})",
            subject.values().next()
        ),
        RoomEvent::NickChange { old, new, .. } => format!("NickChange({old} -> {new})"),
        RoomEvent::StatusChange { occupant } => format!(
            "StatusChange({}, {:?}, {:?})",
            occupant.nick(),
            occupant.show(),
            occupant.status()
        ),
        RoomEvent::RoleChange {
            occupant, old, new, ..
        } => format!("RoleChange({}, {old:?} -> {new:?})", occupant.nick()),
        RoomEvent::AffiliationChange {
            occupant, old, new, ..
        } => format!("AffiliationChange({}, {old:?} -> {new:?})", occupant.nick()),
        RoomEvent::Error { error, .. } => format!("Error({error})"),
        RoomEvent::Tracker { state, .. } => format!("Tracker({state:?})"),
        other => format!("{other:?}").chars().take(80).collect(),
    }
}

/// [`short`] for a list.
pub fn summarize(events: &[RoomEvent]) -> String {
    let list: Vec<String> = events.iter().map(short).collect();
    format!("[{}]", list.join(", "))
}

/// The XEP-0082 DateTime (`YYYY-MM-DDThh:mm:ssZ`) of a moment, in UTC.
pub fn xmpp_datetime(at: std::time::SystemTime) -> String {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A set of strings, to compare with [`listed_jids`] and [`listed_nicks`].
pub fn set_of(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The condition of a failed join in a scenario's error (as [`join`](super::join)
/// returns it), if the room refused with a stanza error.
pub fn join_condition(e: &Error) -> Option<&'static str> {
    e.downcast_ref::<muc_client::Error>()
        .and_then(|e| e.server_error())
        .map(|s| s.condition_name())
}

/// The outcome of a scenario that collected its `problems`: pass if there
/// are none, else fail with all of them.
pub fn verdict(problems: Vec<String>) -> Outcome {
    if problems.is_empty() {
        Outcome::Pass
    } else {
        Outcome::fail(problems.join("; "))
    }
}

/// The outcome of a scenario with no problem left: differs if a server
/// deviated on the way.
pub fn pass_or_differs<S: std::borrow::Borrow<str>>(deviations: Vec<S>) -> Outcome {
    if deviations.is_empty() {
        Outcome::Pass
    } else {
        Outcome::differs(deviations.join("; "))
    }
}

/// The outcome of a scenario that collected its `problems` and the
/// server's known `deviations`: fail with the problems if there are any,
/// else [`pass_or_differs`].
pub fn verdict_with<S: std::borrow::Borrow<str>>(
    problems: Vec<String>,
    deviations: Vec<S>,
) -> Outcome {
    if problems.is_empty() {
        pass_or_differs(deviations)
    } else {
        Outcome::fail(problems.join("; "))
    }
}

/// Fails unless a refusal's `condition` is `want`: "refused with
/// {condition}, not {want}".
pub fn ensure_condition(condition: &str, want: &str) -> Result<(), Error> {
    ensure(condition == want, || {
        format!("refused with {condition}, not {want}")
    })
}
