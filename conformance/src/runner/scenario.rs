//! The scenario model: an id, a title, an XEP-0045 section and an async body.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::ScenarioCtx;

/// What one scenario concluded on one server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server and the library behaved as XEP-0045 says.
    Pass,
    /// Something went wrong: the message says what (a bug in the library, the scenario or
    /// the harness, or a server deviation the scenario did not anticipate).
    Fail(String),
    /// The server deviates from XEP-0045 in a way the scenario knows and states: the
    /// explanation says how (e.g. "ejabberd 23.01 never locks new rooms (§10.1.1)").
    Differs(String),
    /// The scenario does not apply here; the text says why.
    Skipped(String),
}

impl Outcome {
    /// A failure with a message.
    pub fn fail(message: impl Into<String>) -> Outcome {
        Outcome::Fail(message.into())
    }

    /// A known deviation of this server from the XEP.
    pub fn differs(explanation: impl Into<String>) -> Outcome {
        Outcome::Differs(explanation.into())
    }

    /// Not applicable here.
    pub fn skipped(reason: impl Into<String>) -> Outcome {
        Outcome::Skipped(reason.into())
    }

    /// Whether this is a failure.
    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }

    /// The word used in the report: `pass`, `FAIL`, `differs` or `skipped`.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "FAIL",
            Outcome::Differs(_) => "differs",
            Outcome::Skipped(_) => "skipped",
        }
    }

    /// The message, explanation or reason, if any.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Outcome::Pass => None,
            Outcome::Fail(s) | Outcome::Differs(s) | Outcome::Skipped(s) => Some(s),
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail() {
            Some(detail) => write!(f, "{}: {detail}", self.label()),
            None => f.write_str(self.label()),
        }
    }
}

/// What a scenario body may return; [`scenario!`](crate::scenario) converts it to an [`Outcome`].
///
/// * `Outcome` as is;
/// * `Result<(), E>`: `Ok` passes, `Err(e)` fails with `e`'s `Display`;
/// * `Result<Outcome, E>`: `Ok(o)` is `o`, `Err(e)` fails with `e`'s `Display`.
///
/// So a body can use `?` on any error type that implements `Display`.
pub trait IntoOutcome {
    /// The conversion.
    fn into_outcome(self) -> Outcome;
}

impl IntoOutcome for Outcome {
    fn into_outcome(self) -> Outcome {
        self
    }
}

impl<E: fmt::Display> IntoOutcome for Result<(), E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(()) => Outcome::Pass,
            Err(e) => Outcome::Fail(e.to_string()),
        }
    }
}

impl<E: fmt::Display> IntoOutcome for Result<Outcome, E> {
    fn into_outcome(self) -> Outcome {
        self.unwrap_or_else(|e| Outcome::Fail(e.to_string()))
    }
}

/// The boxed future a scenario body returns; it borrows the context.
pub type ScenarioFuture<'a> = Pin<Box<dyn Future<Output = Outcome> + Send + 'a>>;

/// A scenario body: takes the context, returns an [`Outcome`].
pub type ScenarioFn = for<'a> fn(&'a ScenarioCtx) -> ScenarioFuture<'a>;

/// One scenario of the suite. Plain data (`Copy`), usually built with
/// [`scenario!`](crate::scenario).
#[derive(Clone, Copy)]
pub struct Scenario {
    /// Stable dotted id, e.g. `enter.password.wrong`. Unique in the suite.
    pub id: &'static str,
    /// The XEP-0045 section it exercises, e.g. `7.2.5`.
    pub section: &'static str,
    /// A one-line title.
    pub title: &'static str,
    /// The body.
    pub run: ScenarioFn,
}

impl Scenario {
    /// A scenario from its parts.
    pub const fn new(
        id: &'static str,
        section: &'static str,
        title: &'static str,
        run: ScenarioFn,
    ) -> Self {
        Scenario {
            id,
            section,
            title,
            run,
        }
    }
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scenario")
            .field("id", &self.id)
            .field("section", &self.section)
            .field("title", &self.title)
            .finish_non_exhaustive()
    }
}

/// Declares a [`Scenario`] from an `async fn(&ScenarioCtx) -> T` where `T` is any
/// [`IntoOutcome`] (an [`Outcome`], or a `Result` so that `?` works).
///
/// ```
/// use conformance::runner::{Outcome, Scenario, ScenarioCtx};
///
/// async fn wrong_password(ctx: &ScenarioCtx) -> Result<Outcome, String> {
///     let room = ctx.fresh_room();
///     let _alice = ctx.user("alice");
///     // ... drive muc-client against ctx.addr() ...
///     let _ = room;
///     Ok(Outcome::Pass)
/// }
///
/// pub fn scenarios() -> Vec<Scenario> {
///     vec![conformance::scenario!(
///         "enter.password.wrong",
///         "7.2.5",
///         "Entering a password-protected room with a wrong password is refused",
///         wrong_password
///     )]
/// }
/// # assert_eq!(scenarios()[0].section, "7.2.5");
/// ```
#[macro_export]
macro_rules! scenario {
    ($id:expr, $section:expr, $title:expr, $body:path $(,)?) => {
        $crate::runner::Scenario::new($id, $section, $title, |ctx| {
            ::std::boxed::Box::pin(async move {
                $crate::runner::IntoOutcome::into_outcome($body(ctx).await)
            })
        })
    };
}
