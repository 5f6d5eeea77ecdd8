//! `muc-testserver`: run the in-process test server standalone.
//!
//! ```text
//! muc-testserver [--port PORT] [--domain DOMAIN] [--user NAME:PASSWORD]... [--profile prosody|ejabberd]
//! ```
//!
//! Prints `listening on 127.0.0.1:PORT` when ready; stops on SIGINT/SIGTERM.

use std::process::ExitCode;

use muc_testserver::{Profile, Server};

const USAGE: &str = "usage: muc-testserver [--port PORT] [--domain DOMAIN] \
[--user NAME:PASSWORD]... [--profile prosody|ejabberd] [--scram]";

struct Args {
    port: u16,
    domain: String,
    users: Vec<(String, String)>,
    profile: Profile,
    scram: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        port: 0,
        domain: "localhost".into(),
        users: Vec::new(),
        profile: Profile::default(),
        scram: false,
    };
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" => {
                let v = value("--port")?;
                parsed.port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
            }
            "--domain" => parsed.domain = value("--domain")?,
            "--user" => {
                let v = value("--user")?;
                let (name, pw) = v
                    .split_once(':')
                    .ok_or_else(|| format!("--user wants NAME:PASSWORD, got {v:?}"))?;
                parsed.users.push((name.to_owned(), pw.to_owned()));
            }
            "--profile" => {
                let v = value("--profile")?;
                parsed.profile = v.parse().map_err(|e| format!("{e}"))?;
            }
            "--scram" => parsed.scram = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return if e.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            };
        }
    };
    let mut builder = Server::builder()
        .port(args.port)
        .domain(&args.domain)
        .profile(args.profile)
        .scram(args.scram);
    for (u, p) in &args.users {
        builder = builder.user(u, p);
    }
    let server = match builder.start().await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("listening on {}", server.addr());
    wait_for_signal().await;
    eprintln!("shutting down");
    server.shutdown().await;
    ExitCode::SUCCESS
}
