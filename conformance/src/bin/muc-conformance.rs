//! `muc-conformance`: runs the XEP-0045 scenario suite on the chosen servers, prints the
//! Markdown report, writes it to a file and exits non-zero if anything failed.
//!
//! ```text
//! muc-conformance [--servers embedded,prosody,ejabberd[,containers]] [--out PATH]
//!                 [--filter SUBSTRING] [--jobs N] [--timeout SECONDS]
//!                 [--reader own|tokio-xmpp]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use conformance::backend::Backend;
use conformance::runner::{SuiteConfig, run_suite};
use muc_client::StreamReader;

const USAGE: &str = "\
usage: muc-conformance [OPTIONS]

Runs the XEP-0045 conformance scenarios on each server and prints a Markdown report
(scenario x server: pass / FAIL / differs / skipped), ending with the line
`scenarios: <p> passed, <f> failed, <d> differ, <s> skipped`.

options:
  --servers LIST     comma-separated: embedded, prosody, ejabberd, prosody-container,
                     ejabberd-container, containers (both container backends)
                     [default: embedded,prosody,ejabberd]
  --out PATH         where to write the report [default: target/conformance-report.md]
  --filter TEXT      run only scenarios whose id contains TEXT
  --jobs N           scenarios at once per server [default: 4]
  --timeout SECONDS  time limit of one scenario [default: 30]
  --reader READER    what reads the clients' streams: own (muc-client's reader) or
                     tokio-xmpp (tokio-xmpp's StanzaStream) [default: own]
  -h, --help         this text

environment:
  MUC_SKIP_SERVERS   comma-separated servers to skip (reported as skipped)
  MUC_KEEP_SERVER_DIRS=1  keep the servers' temporary directories (configs, logs)
";

struct Args {
    config: SuiteConfig,
    out: PathBuf,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut config = SuiteConfig::default();
    let mut out = conformance::report::default_path();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--servers" => {
                config.backends =
                    Backend::parse_list(&value("--servers")?).map_err(|e| e.to_string())?;
                if config.backends.is_empty() {
                    return Err("--servers names no server".to_owned());
                }
            }
            "--out" => out = PathBuf::from(value("--out")?),
            "--filter" => config.filter = Some(value("--filter")?),
            "--jobs" => {
                let v = value("--jobs")?;
                config.parallelism = v
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| format!("--jobs wants a positive number, not {v:?}"))?;
            }
            "--timeout" => {
                let v = value("--timeout")?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s > 0.0)
                    .ok_or_else(|| {
                        format!("--timeout wants a positive number of seconds, not {v:?}")
                    })?;
                config.scenario_timeout = Duration::from_secs_f64(secs);
            }
            "--reader" => {
                config.reader = match value("--reader")?.as_str() {
                    "own" => StreamReader::Own,
                    "tokio-xmpp" => StreamReader::TokioXmpp,
                    v => return Err(format!("--reader wants own or tokio-xmpp, not {v:?}")),
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(Args { config, out }))
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("muc-conformance: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("muc-conformance: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let report = match runtime.block_on(run_suite(args.config)) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("muc-conformance: {e}");
            return ExitCode::from(2);
        }
    };
    let markdown = report.to_markdown();
    let mut code = if report.has_failures() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    };
    match report.write_to(&args.out) {
        Ok(()) => eprintln!("muc-conformance: report written to {}", args.out.display()),
        Err(e) => {
            eprintln!("muc-conformance: cannot write {}: {e}", args.out.display());
            code = ExitCode::FAILURE;
        }
    }
    // Last, so that the counting line is the last line on stdout.
    print!("{markdown}");
    code
}
