//! Running scenarios on backends: concurrency, timeouts, panics, skips.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use muc_client::StreamReader;
use tokio::sync::Semaphore;

use super::{Outcome, Scenario, ScenarioCtx, check_ids, registry};
use crate::backend::{Availability, Backend, RunningServer, SKIP_ENV, ServerConfig, decide};
use crate::report::{CellResult, Report, ScenarioRow, ServerColumn, ServerStatus};

/// What to run, where, and how.
#[derive(Clone, Debug)]
pub struct SuiteConfig {
    /// Report columns, in order. Default: [`Backend::DEFAULT`] (embedded, prosody, ejabberd).
    pub backends: Vec<Backend>,
    /// The scenarios. Default: [`registry()`].
    pub scenarios: Vec<Scenario>,
    /// Run only scenarios whose id contains this substring.
    pub filter: Option<String>,
    /// Scenarios running at once on one backend. Default 4.
    pub parallelism: usize,
    /// Time limit of one scenario; past it the scenario fails with "timed out". Default 30 s.
    pub scenario_timeout: Duration,
    /// How to start servers (users, options, start-up timeout).
    pub server: ServerConfig,
    /// The skip list (see [`SKIP_ENV`]). Default: the environment variable's value.
    pub skip_servers: Option<String>,
    /// What reads the scenarios' client streams. Default: muc-client's
    /// default ([`StreamReader::Own`]).
    pub reader: StreamReader,
}

impl Default for SuiteConfig {
    fn default() -> Self {
        SuiteConfig {
            backends: Backend::DEFAULT.to_vec(),
            scenarios: registry(),
            filter: None,
            parallelism: 4,
            scenario_timeout: Duration::from_secs(30),
            server: ServerConfig::default(),
            skip_servers: std::env::var(SKIP_ENV).ok(),
            reader: StreamReader::default(),
        }
    }
}

impl SuiteConfig {
    /// The scenarios that pass the filter, in order.
    pub fn selected(&self) -> Vec<Scenario> {
        self.scenarios
            .iter()
            .filter(|s| self.filter.as_deref().is_none_or(|f| s.id.contains(f)))
            .copied()
            .collect()
    }
}

/// Why the suite could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The scenario list is malformed (duplicate or invalid ids).
    #[error("invalid scenario list: {0}")]
    Scenarios(String),
}

/// Runs every selected scenario on every backend and builds the report.
///
/// Backends run concurrently, each in its own task: start (or skip, or fail with the
/// install hint), run the scenarios with bounded parallelism, stop. A backend that
/// cannot start makes all of its cells fail with the reason; a skipped backend makes
/// them skipped, and a line saying so is printed to stderr.
///
/// ```no_run
/// # async fn demo() -> Result<(), conformance::runner::SuiteError> {
/// use conformance::runner::{SuiteConfig, run_suite};
/// let report = run_suite(SuiteConfig::default()).await?;
/// println!("{}", report.to_markdown());
/// assert_eq!(report.counts().failed, 0, "{}", report.summary_line());
/// # Ok(()) }
/// ```
pub async fn run_suite(config: SuiteConfig) -> Result<Report, SuiteError> {
    check_ids(&config.scenarios).map_err(SuiteError::Scenarios)?;
    let scenarios = Arc::new(config.selected());
    let config = Arc::new(config);
    let tasks: Vec<_> = config
        .backends
        .iter()
        .map(|&backend| {
            let scenarios = Arc::clone(&scenarios);
            let config = Arc::clone(&config);
            tokio::spawn(async move { run_backend(backend, &scenarios, &config).await })
        })
        .collect();

    let mut columns = Vec::new();
    let mut cells_by_backend = Vec::new();
    for (task, &backend) in futures::future::join_all(tasks)
        .await
        .into_iter()
        .zip(&config.backends)
    {
        let (status, cells) = match task {
            Ok(result) => result,
            Err(e) => {
                let message = format!("the {backend} task failed: {e}");
                let cells = uniform(&scenarios, Outcome::Fail(message.clone()));
                (ServerStatus::FailedToStart(message), cells)
            }
        };
        columns.push(ServerColumn { backend, status });
        cells_by_backend.push(cells);
    }

    let rows = scenarios
        .iter()
        .enumerate()
        .map(|(i, s)| ScenarioRow {
            id: s.id.to_owned(),
            section: s.section.to_owned(),
            title: s.title.to_owned(),
            cells: cells_by_backend
                .iter()
                .map(|cells| cells[i].clone())
                .collect(),
        })
        .collect();
    Ok(Report { columns, rows })
}

async fn run_backend(
    backend: Backend,
    scenarios: &[Scenario],
    config: &SuiteConfig,
) -> (ServerStatus, Vec<CellResult>) {
    match decide(backend, config.skip_servers.as_deref(), &backend.probe()) {
        Availability::Skipped(reason) => {
            eprintln!("muc-conformance: SKIPPED backend {backend}: {reason}");
            let cells = uniform(scenarios, Outcome::Skipped(reason.clone()));
            (ServerStatus::Skipped(reason), cells)
        }
        Availability::Missing(message) => {
            eprintln!("muc-conformance: FAILED backend {backend}: {message}");
            let cells = uniform(scenarios, Outcome::Fail(message.clone()));
            (ServerStatus::FailedToStart(message), cells)
        }
        Availability::Ready => match backend.start(&config.server).await {
            Err(e) => {
                let message = e.to_string();
                eprintln!("muc-conformance: FAILED backend {backend}: {message}");
                let cells = uniform(scenarios, Outcome::Fail(message.clone()));
                (ServerStatus::FailedToStart(message), cells)
            }
            Ok(server) => {
                let startup = server.startup_time();
                eprintln!(
                    "muc-conformance: {backend} ready at {} after {} ms; running {} scenarios",
                    server.addr(),
                    startup.as_millis(),
                    scenarios.len()
                );
                let server = Arc::new(server);
                let cells = run_on_server(
                    Arc::clone(&server),
                    scenarios,
                    config.parallelism,
                    config.scenario_timeout,
                    config.reader,
                )
                .await;
                match Arc::try_unwrap(server) {
                    Ok(server) => server.stop().await,
                    // A timed-out scenario's task may still hold a reference for a moment;
                    // the last one dropped stops the server.
                    Err(shared) => drop(shared),
                }
                (ServerStatus::Ran { startup }, cells)
            }
        },
    }
}

fn uniform(scenarios: &[Scenario], outcome: Outcome) -> Vec<CellResult> {
    scenarios
        .iter()
        .map(|_| CellResult {
            outcome: outcome.clone(),
            duration: Duration::ZERO,
        })
        .collect()
}

/// Runs `scenarios` on one server, `parallelism` at a time, each in its own task with a
/// time limit, its clients' streams read by `reader`. A panic or a timeout becomes
/// [`Outcome::Fail`]. Results keep the input order.
pub async fn run_on_server(
    server: Arc<RunningServer>,
    scenarios: &[Scenario],
    parallelism: usize,
    timeout: Duration,
    reader: StreamReader,
) -> Vec<CellResult> {
    let slots = Arc::new(Semaphore::new(parallelism.max(1)));
    let tasks: Vec<_> = scenarios
        .iter()
        .map(|&scenario| {
            let server = Arc::clone(&server);
            let slots = Arc::clone(&slots);
            tokio::spawn(async move {
                // The semaphore is never closed, so this only waits for a free slot.
                let _slot = slots.acquire_owned().await;
                run_one(server, scenario, timeout, reader).await
            })
        })
        .collect();
    let mut cells = Vec::with_capacity(tasks.len());
    for task in tasks {
        cells.push(task.await.unwrap_or_else(|e| CellResult {
            outcome: Outcome::Fail(format!("the runner task ended abnormally: {e}")),
            duration: Duration::ZERO,
        }));
    }
    cells
}

/// Runs one scenario in its own task, with a time limit, its clients' streams read by
/// `reader`.
pub async fn run_one(
    server: Arc<RunningServer>,
    scenario: Scenario,
    timeout: Duration,
    reader: StreamReader,
) -> CellResult {
    let backend = server.kind();
    let started = Instant::now();
    let task = tokio::spawn(async move {
        let ctx = ScenarioCtx::new(server, scenario.id).with_reader(reader);
        (scenario.run)(&ctx).await
    });
    let abort = task.abort_handle();
    let outcome = match tokio::time::timeout(timeout, task).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(e)) if e.is_panic() => {
            Outcome::Fail(format!("panicked: {}", panic_message(e.into_panic())))
        }
        Ok(Err(e)) => Outcome::Fail(format!("the scenario task ended abnormally: {e}")),
        Err(_) => {
            abort.abort();
            Outcome::Fail(format!("timed out after {} s", timeout.as_secs_f64()))
        }
    };
    if let Outcome::Fail(message) = &outcome {
        eprintln!(
            "muc-conformance: FAIL {} on {backend}: {message}",
            scenario.id
        );
    }
    CellResult {
        outcome,
        duration: started.elapsed(),
    }
}

fn panic_message(payload: Box<dyn Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "(a non-string panic payload)".to_owned(),
        },
    }
}
