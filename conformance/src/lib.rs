//! XEP-0045 conformance suite: one scenario suite, run on every server.
//!
//! * [`backend`]: throwaway servers. `embedded` (muc-testserver in-process), `prosody`
//!   and `ejabberd` (native processes from the system packages, each in its own temporary
//!   directory on free loopback ports, stopped by PID), and, with the cargo feature
//!   `containers`, the same two servers from their official container images.
//! * [`runner`]: the scenario model ([`runner::Scenario`], [`runner::Outcome`],
//!   [`runner::ScenarioCtx`]), the registry and [`runner::run_suite`].
//! * [`report`]: the Markdown table of scenario × server and the closing line
//!   `scenarios: <p> passed, <f> failed, <d> differ, <s> skipped`.
//!
//! The binary `muc-conformance` runs the suite:
//! `cargo run -p conformance --bin muc-conformance -- --servers embedded,prosody,ejabberd`.
//!
//! # Example
//!
//! Declaring a scenario and running it on Prosody and ejabberd:
//!
//! ```no_run
//! use conformance::backend::Backend;
//! use conformance::runner::{Outcome, ScenarioCtx, SuiteConfig, run_suite};
//!
//! async fn server_is_there(ctx: &ScenarioCtx) -> Result<Outcome, std::io::Error> {
//!     let _tcp = tokio::net::TcpStream::connect(ctx.addr()).await?;
//!     let _room = ctx.fresh_room(); // e.g. demo-tcp-1a2b3c-1@conference.localhost
//!     let _alice = ctx.user("alice"); // alice@localhost / alicepw
//!     Ok(match ctx.backend() {
//!         Backend::Ejabberd => Outcome::differs("explain how ejabberd deviates, and where"),
//!         _ => Outcome::Pass,
//!     })
//! }
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SuiteConfig {
//!     backends: vec![Backend::Prosody, Backend::Ejabberd],
//!     scenarios: vec![conformance::scenario!("demo.tcp", "6", "The server accepts TCP", server_is_there)],
//!     ..SuiteConfig::default()
//! };
//! let report = run_suite(config).await?;
//! print!("{}", report.to_markdown()); // ends with "scenarios: 1 passed, 0 failed, 1 differ, 0 skipped"
//! assert!(!report.has_failures());
//! # Ok(()) }
//! ```
//!
//! Environment: `MUC_SKIP_SERVERS=prosody,ejabberd` skips backends (loudly);
//! `MUC_KEEP_SERVER_DIRS=1` keeps the servers' directories (configs, logs) for debugging;
//! `MUC_EJABBERD_ERL_LIBS` points at ejabberd's Erlang applications if they are not under
//! `/usr/lib/*-linux-gnu`.

pub mod backend;
pub mod report;
pub mod runner;
pub mod scenarios;
