//! The scenario runner: the scenario model, the registry and the suite runner.
//!
//! A scenario is an `async fn(&ScenarioCtx) -> impl IntoOutcome`, declared with
//! [`scenario!`](crate::scenario) and listed by a `fn() -> Vec<Scenario>` in
//! [`registry::GROUPS`]. [`run_suite`] runs them on every selected backend and returns
//! a [`Report`](crate::report::Report).

mod context;
pub mod registry;
mod scenario;
mod suite;
#[cfg(test)]
mod tests;

pub use context::ScenarioCtx;
pub use registry::{check_ids, registry};
pub use scenario::{IntoOutcome, Outcome, Scenario, ScenarioFn, ScenarioFuture};
pub use suite::{SuiteConfig, SuiteError, run_on_server, run_one, run_suite};
