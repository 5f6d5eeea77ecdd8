//! The whole conformance suite on every backend (embedded, Prosody,
//! ejabberd), as part of `cargo test`.
//!
//! Writes the report to `target/conformance-report.md`, prints it, and
//! fails if any (scenario, server) cell failed or a server could not start.
//! A missing server binary fails with the install command unless
//! `MUC_SKIP_SERVERS` names it (then its column says "skipped", loudly).
//!
//! The suite runs twice, one run after the other: with muc-client's default
//! stream reader (its own; this run writes the report), then with
//! tokio-xmpp's `StanzaStream` reading the clients' streams.

use conformance::report::default_path;
use conformance::runner::{SuiteConfig, run_suite};
use muc_client::StreamReader;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_on_every_server() {
    let report = run_suite(SuiteConfig::default())
        .await
        .expect("the suite runs");
    let path = default_path();
    if let Err(e) = report.write_to(&path) {
        eprintln!("could not write {}: {e}", path.display());
    }
    let markdown = report.to_markdown();
    println!("{markdown}");
    eprintln!("{}", report.summary_line());
    assert!(
        !report.has_failures(),
        "conformance failures (report in {}):\n{markdown}",
        path.display()
    );

    let config = SuiteConfig {
        reader: StreamReader::TokioXmpp,
        ..SuiteConfig::default()
    };
    let report = run_suite(config).await.expect("the suite runs");
    eprintln!("tokio-xmpp reader: {}", report.summary_line());
    assert!(
        !report.has_failures(),
        "conformance failures with tokio-xmpp's reader:\n{}",
        report.to_markdown()
    );
}
