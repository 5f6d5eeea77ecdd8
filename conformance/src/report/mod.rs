//! The conformance report: a Markdown table of scenario × server, footnotes for every
//! failure and deviation, and the closing line
//! `scenarios: <p> passed, <f> failed, <d> differ, <s> skipped`.

mod markdown;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::backend::Backend;
use crate::runner::Outcome;

/// Where the report goes by default: `target/conformance-report.md` of this workspace
/// (when run from the source tree), else `./target/conformance-report.md`.
pub fn default_path() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let base = if workspace.join("Cargo.toml").is_file() {
        workspace.join("target")
    } else {
        PathBuf::from("target")
    };
    base.join("conformance-report.md")
}

/// The result of one scenario on one server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellResult {
    /// What the scenario concluded.
    pub outcome: Outcome,
    /// How long it ran (zero when the backend was skipped or did not start).
    pub duration: Duration,
}

/// What happened to a server column as a whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerStatus {
    /// Started, and the scenarios ran.
    Ran {
        /// Time from start to ready (users registered).
        startup: Duration,
    },
    /// Not started: skipped for this reason (all its cells are skipped).
    Skipped(String),
    /// Could not start (all its cells failed with this message).
    FailedToStart(String),
}

/// One report column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerColumn {
    /// The backend.
    pub backend: Backend,
    /// How it went.
    pub status: ServerStatus,
}

/// One report row: a scenario and its result on every server, in column order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioRow {
    /// The scenario's id.
    pub id: String,
    /// Its XEP-0045 section.
    pub section: String,
    /// Its title.
    pub title: String,
    /// One cell per column.
    pub cells: Vec<CellResult>,
}

/// Cell counts over all (scenario, server) cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// `pass` cells.
    pub passed: usize,
    /// `FAIL` cells.
    pub failed: usize,
    /// `differs` cells.
    pub differ: usize,
    /// `skipped` cells.
    pub skipped: usize,
}

/// The whole result of a suite run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The servers, in column order.
    pub columns: Vec<ServerColumn>,
    /// The scenarios, in row order.
    pub rows: Vec<ScenarioRow>,
}

impl Report {
    /// Counts every cell by outcome.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for cell in self.rows.iter().flat_map(|r| &r.cells) {
            match cell.outcome {
                Outcome::Pass => c.passed += 1,
                Outcome::Fail(_) => c.failed += 1,
                Outcome::Differs(_) => c.differ += 1,
                Outcome::Skipped(_) => c.skipped += 1,
            }
        }
        c
    }

    /// Whether any cell failed or any server failed to start (the binary then exits non-zero).
    pub fn has_failures(&self) -> bool {
        self.counts().failed > 0
            || self
                .columns
                .iter()
                .any(|c| matches!(c.status, ServerStatus::FailedToStart(_)))
    }

    /// The closing line: `scenarios: <p> passed, <f> failed, <d> differ, <s> skipped`.
    pub fn summary_line(&self) -> String {
        let c = self.counts();
        format!(
            "scenarios: {} passed, {} failed, {} differ, {} skipped",
            c.passed, c.failed, c.differ, c.skipped
        )
    }

    /// The whole report as Markdown; its last line is [`summary_line`](Self::summary_line).
    pub fn to_markdown(&self) -> String {
        markdown::render(self)
    }

    /// Writes [`to_markdown`](Self::to_markdown) to `path`, creating parent directories.
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, self.to_markdown())
    }
}
