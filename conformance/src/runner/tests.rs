//! Runner and report tests with demo scenarios (which never enter the registry).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::*;
use crate::backend::{Backend, RunningServer, default_accounts};
use crate::report::{Report, ScenarioRow, ServerColumn, ServerStatus};
use crate::scenario;
use muc_client::StreamReader;

async fn demo_pass(ctx: &ScenarioCtx) -> Outcome {
    assert_eq!(ctx.user("alice").password(), "alicepw");
    assert_eq!(ctx.muc_domain(), "conference.localhost");
    Outcome::Pass
}

async fn demo_fail(_: &ScenarioCtx) -> Result<(), String> {
    Err("expected status 110 | got none".to_owned())
}

async fn demo_differs(ctx: &ScenarioCtx) -> Result<Outcome, std::io::Error> {
    Ok(match ctx.backend() {
        Backend::Ejabberd => Outcome::differs("ejabberd never locks new rooms"),
        _ => Outcome::Pass,
    })
}

async fn demo_skipped(_: &ScenarioCtx) -> Outcome {
    Outcome::skipped("needs mod_muc_mam")
}

async fn demo_panics(ctx: &ScenarioCtx) -> Outcome {
    let _ = ctx.user("mallory"); // not pre-registered: panics
    Outcome::Pass
}

async fn demo_hangs(_: &ScenarioCtx) -> Outcome {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Outcome::Pass
}

async fn demo_rooms(ctx: &ScenarioCtx) -> Outcome {
    let a = ctx.fresh_room();
    let b = ctx.fresh_room();
    if a == b || a.domain().as_str() != "conference.localhost" {
        return Outcome::fail(format!("{a} / {b}"));
    }
    if !a
        .node()
        .is_some_and(|n| n.as_str().starts_with("demo-rooms-"))
    {
        return Outcome::fail(format!("unexpected room name {a}"));
    }
    Outcome::Pass
}

fn demo_scenarios() -> Vec<Scenario> {
    vec![
        scenario!("demo.pass", "7.2.1", "Always passes", demo_pass),
        scenario!("demo.fail", "7.2.3", "Always fails", demo_fail),
        scenario!(
            "demo.differs",
            "10.1.1",
            "Differs on ejabberd",
            demo_differs
        ),
        scenario!("demo.skipped", "7.2.12", "Always skipped", demo_skipped),
        scenario!("demo.panics", "7.1", "Panics", demo_panics),
        scenario!("demo.hangs", "7.1", "Never ends", demo_hangs),
        scenario!("demo.rooms", "10.1.2", "Fresh room names", demo_rooms),
    ]
}

fn detached(backend: Backend) -> Arc<RunningServer> {
    let addr: SocketAddr = ([127, 0, 0, 1], 9).into();
    Arc::new(RunningServer::detached(backend, addr, default_accounts()))
}

#[tokio::test]
async fn outcomes_panics_and_timeouts() {
    let cells = run_on_server(
        detached(Backend::Ejabberd),
        &demo_scenarios(),
        4,
        Duration::from_millis(300),
        StreamReader::default(),
    )
    .await;
    let outcomes: Vec<&Outcome> = cells.iter().map(|c| &c.outcome).collect();
    assert_eq!(outcomes[0], &Outcome::Pass);
    assert_eq!(
        outcomes[1],
        &Outcome::fail("expected status 110 | got none")
    );
    assert_eq!(
        outcomes[2],
        &Outcome::differs("ejabberd never locks new rooms")
    );
    assert_eq!(outcomes[3], &Outcome::skipped("needs mod_muc_mam"));
    match outcomes[4] {
        Outcome::Fail(m) => assert!(m.starts_with("panicked: ") && m.contains("mallory"), "{m}"),
        other => panic!("{other:?}"),
    }
    match outcomes[5] {
        Outcome::Fail(m) => assert!(m.contains("timed out"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(outcomes[6], &Outcome::Pass);
}

static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MAX_RUNNING: AtomicUsize = AtomicUsize::new(0);

async fn demo_counts_concurrency(_: &ScenarioCtx) -> Outcome {
    let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
    MAX_RUNNING.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(20)).await;
    RUNNING.fetch_sub(1, Ordering::SeqCst);
    Outcome::Pass
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallelism_is_bounded_and_order_kept() {
    let scenarios: Vec<Scenario> = (0..10)
        .map(|_| scenario!("demo.concurrency", "7", "Counts", demo_counts_concurrency))
        .collect();
    let cells = run_on_server(
        detached(Backend::Prosody),
        &scenarios,
        3,
        Duration::from_secs(5),
        StreamReader::default(),
    )
    .await;
    assert_eq!(cells.len(), 10);
    assert!(cells.iter().all(|c| c.outcome == Outcome::Pass));
    let max = MAX_RUNNING.load(Ordering::SeqCst);
    assert!((2..=3).contains(&max), "max concurrency {max}");
}

fn demo_report(
    cells_a: Vec<crate::report::CellResult>,
    cells_b: Vec<crate::report::CellResult>,
) -> Report {
    let scenarios = demo_scenarios();
    Report {
        columns: vec![
            ServerColumn {
                backend: Backend::Prosody,
                status: ServerStatus::Ran {
                    startup: Duration::from_millis(120),
                },
            },
            ServerColumn {
                backend: Backend::Ejabberd,
                status: ServerStatus::Ran {
                    startup: Duration::from_millis(900),
                },
            },
        ],
        rows: scenarios
            .iter()
            .enumerate()
            .map(|(i, s)| ScenarioRow {
                id: s.id.into(),
                section: s.section.into(),
                title: s.title.into(),
                cells: vec![cells_a[i].clone(), cells_b[i].clone()],
            })
            .collect(),
    }
}

#[tokio::test]
async fn report_table_notes_and_counting_line() {
    let t = Duration::from_millis(200);
    let r = StreamReader::default();
    let a = run_on_server(detached(Backend::Prosody), &demo_scenarios(), 4, t, r).await;
    let b = run_on_server(detached(Backend::Ejabberd), &demo_scenarios(), 4, t, r).await;
    let report = demo_report(a, b);

    let c = report.counts();
    // prosody: pass, fail, pass, skipped, fail, fail, pass; ejabberd: same but differs.
    assert_eq!((c.passed, c.failed, c.differ, c.skipped), (5, 6, 1, 2));
    assert!(report.has_failures());
    assert_eq!(
        report.summary_line(),
        "scenarios: 5 passed, 6 failed, 1 differ, 2 skipped"
    );

    let md = report.to_markdown();
    assert!(
        md.ends_with("\nscenarios: 5 passed, 6 failed, 1 differ, 2 skipped\n"),
        "{md}"
    );
    assert!(
        md.contains("| Scenario | § | Title | prosody | ejabberd |"),
        "{md}"
    );
    assert!(
        md.contains("| `demo.pass` | 7.2.1 | Always passes | pass | pass |"),
        "{md}"
    );
    // The same failure on both servers shares one note; pipes are escaped.
    assert!(
        md.contains("| `demo.fail` | 7.2.3 | Always fails | FAIL [1] | FAIL [1] |"),
        "{md}"
    );
    assert!(md.contains("1. **FAIL**, prosody: `demo.fail`; ejabberd: `demo.fail`: expected status 110 | got none"), "{md}");
    assert!(
        md.contains("| `demo.differs` | 10.1.1 | Differs on ejabberd | pass | differs [2] |"),
        "{md}"
    );
    assert!(
        md.contains("**differs**, ejabberd: `demo.differs`: ejabberd never locks new rooms"),
        "{md}"
    );
    assert!(
        md.contains(
            "**skipped**, prosody: `demo.skipped`; ejabberd: `demo.skipped`: needs mod_muc_mam"
        ),
        "{md}"
    );
    assert!(md.contains("timed out after 0.2 s"), "{md}");
    assert!(md.contains("| prosody | ready in 120 ms |"), "{md}");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("report.md");
    report.write_to(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), md);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_and_embedded_backends_fill_their_columns() {
    let config = SuiteConfig {
        backends: vec![Backend::Prosody, Backend::Embedded],
        scenarios: demo_scenarios(),
        filter: Some("demo.pa".into()),
        skip_servers: Some("prosody".into()),
        ..SuiteConfig::default()
    };
    let report = run_suite(config).await.unwrap();
    assert_eq!(
        report.rows.len(),
        2,
        "filter keeps demo.pass and demo.panics"
    );
    assert!(
        matches!(report.columns[0].status, ServerStatus::Skipped(ref r) if r.contains("MUC_SKIP_SERVERS"))
    );
    assert!(matches!(report.columns[1].status, ServerStatus::Ran { .. }));
    assert_eq!(
        report.summary_line(),
        "scenarios: 1 passed, 1 failed, 0 differ, 2 skipped"
    );
    let md = report.to_markdown();
    assert!(
        md.contains("| `demo.pass` | 7.2.1 | Always passes | skipped [1] | pass |"),
        "{md}"
    );
    assert!(
        md.contains("**skipped**, prosody (all 2 scenarios): MUC_SKIP_SERVERS"),
        "{md}"
    );
    assert!(md.contains("| embedded | ready in "), "{md}");
}

#[test]
fn a_server_that_failed_to_start_is_a_failure_even_without_scenarios() {
    let report = Report {
        columns: vec![ServerColumn {
            backend: Backend::Ejabberd,
            status: ServerStatus::FailedToStart(
                "ejabberd is not installed: `erl` not found on PATH".into(),
            ),
        }],
        rows: Vec::new(),
    };
    assert!(report.has_failures());
    assert_eq!(
        report.summary_line(),
        "scenarios: 0 passed, 0 failed, 0 differ, 0 skipped"
    );
    let md = report.to_markdown();
    assert!(md.contains("| ejabberd | FAILED to start [1] |"), "{md}");
    assert!(
        md.contains("1. **FAIL**, ejabberd: ejabberd is not installed"),
        "{md}"
    );
}

#[tokio::test]
async fn all_skipped_is_not_a_failure() {
    let config = SuiteConfig {
        backends: Backend::ALL.to_vec(),
        scenarios: demo_scenarios(),
        skip_servers: Some("all".into()),
        ..SuiteConfig::default()
    };
    let report = run_suite(config).await.unwrap();
    assert!(!report.has_failures());
    assert_eq!(report.counts().skipped, 5 * demo_scenarios().len());
}

#[tokio::test]
async fn duplicate_ids_are_refused() {
    let mut scenarios = demo_scenarios();
    scenarios.push(scenarios[0]);
    let config = SuiteConfig {
        scenarios,
        skip_servers: Some("all".into()),
        ..SuiteConfig::default()
    };
    assert!(matches!(
        run_suite(config).await,
        Err(SuiteError::Scenarios(_))
    ));
}
