//! ejabberd as a throwaway native process (research note `ejabberd.md` §1–§5, Appendix A).
//!
//! `erl` is started directly (no `ejabberdctl`, no `su`), as an Erlang node with a unique
//! name and cookie whose distribution listens on its own loopback port
//! (`-erl_epmd_port`, `-start_epmd false`): no epmd is ever started. Readiness is an XMPP
//! stream header plus features, not a TCP connect (pitfall P13). Users are registered by
//! one RPC call from a hidden `erl -eval` node after `mnesia:wait_for_tables`.
//!
//! Instance directory: `ejabberd.yml`, `inetrc`, `spool/` (mnesia), `logs/` (`ejabberd.log`,
//! `error.log`, `console.log` = stdout/stderr, crash dumps), `ejabberd.pid`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::process::{self, InstanceDir, Ready, ServerProcess};
use super::{Account, Backend, BackendError, EjabberdOptions, Probe, ServerConfig};

const BACKEND: Backend = Backend::Ejabberd;
const TEMPLATE: &str = include_str!("templates/ejabberd.yml");
/// Environment variable overriding where ejabberd's Erlang applications live.
pub(crate) const ERL_LIBS_ENV: &str = "MUC_EJABBERD_ERL_LIBS";
/// Port clashes tolerated before giving up.
const PORT_ATTEMPTS: usize = 5;
/// Registration attempts (a fresh spool may still lack tables: P13).
const REGISTER_ATTEMPTS: usize = 5;

/// A running ejabberd node. Fields drop in order: the process is stopped before the directory goes.
#[derive(Debug)]
pub(crate) struct EjabberdInstance {
    process: ServerProcess,
    node: Node,
    timeout: Duration,
    dir: InstanceDir,
}

/// What it takes to reach the node by RPC.
#[derive(Clone, Debug)]
struct Node {
    name: String,
    cookie: String,
    dist_port: u16,
    erl_libs: PathBuf,
    dir: PathBuf,
}

impl EjabberdInstance {
    /// The server's PID (the `beam.smp` process: every step of `erl` `exec`s).
    pub(crate) fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The instance directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The main server log.
    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.path().join("logs").join("ejabberd.log")
    }

    /// Registers a new account while the server runs; an existing one is an error.
    pub(crate) async fn register(&self, account: &Account) -> Result<(), BackendError> {
        register(
            &self.node,
            std::slice::from_ref(account),
            false,
            self.timeout,
        )
        .await
    }

    /// Stops the server without blocking the runtime.
    pub(crate) async fn stop(&mut self) {
        self.process.stop().await;
    }
}

/// Looks for `erl` on `PATH` and ejabberd's Erlang applications.
pub(crate) fn probe() -> Probe {
    let mut missing = Vec::new();
    if process::find_in_path("erl").is_none() {
        missing.push("`erl` not found on PATH".to_owned());
    }
    if let Err(e) = erl_libs() {
        missing.push(e);
    }
    if missing.is_empty() {
        Probe::Installed
    } else {
        Probe::NotInstalled(missing.join("; "))
    }
}

/// The directory to put in `ERL_LIBS`: the one holding `ejabberd-<version>/ebin/ejabberd.app`
/// (Debian: `/usr/lib/x86_64-linux-gnu`), or [`ERL_LIBS_ENV`] if set.
pub(crate) fn erl_libs() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os(ERL_LIBS_ENV) {
        return Ok(PathBuf::from(dir));
    }
    let has_ejabberd = |dir: &Path| -> bool {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries.flatten().any(|e| {
                    e.file_name().to_string_lossy().starts_with("ejabberd-")
                        && e.path().join("ebin").join("ejabberd.app").is_file()
                })
            })
            .unwrap_or(false)
    };
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib")
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().ends_with("-linux-gnu"))
                })
                .collect()
        })
        .unwrap_or_default();
    candidates.sort();
    candidates.push(PathBuf::from("/usr/lib"));
    candidates.push(PathBuf::from("/usr/lib/erlang/lib"));
    candidates
        .into_iter()
        .find(|dir| has_ejabberd(dir))
        .ok_or_else(|| {
            format!("no ejabberd-*/ebin/ejabberd.app under /usr/lib/*-linux-gnu (set {ERL_LIBS_ENV} to its parent directory)")
        })
}

/// Fills the config template; `ip` is the listener address.
pub(crate) fn render_config(ip: &str, port: u16, options: &EjabberdOptions) -> String {
    let mut muc = String::new();
    for (key, value) in &options.mod_muc_options {
        muc.push_str(&format!("    {key}: {value}\n"));
    }
    muc.push_str("    default_room_options:\n");
    for (key, value) in &options.default_room_options {
        muc.push_str(&format!("      {key}: {value}\n"));
    }
    TEMPLATE
        .replace("@C2S_IP@", ip)
        .replace("@C2S_PORT@", &port.to_string())
        .replace("@LOG_LEVEL@", &options.log_level)
        .replace("@MOD_MUC@\n", &muc)
}

/// Starts ejabberd: directory, config, `erl`, readiness by stream header, users by RPC.
pub(crate) async fn start(
    config: &ServerConfig,
) -> Result<(EjabberdInstance, SocketAddr), BackendError> {
    start_with_ports(config, None).await
}

/// [`start`], trying `[c2s, dist]` first instead of free ports (tests of the clash retry).
pub(crate) async fn start_with_ports(
    config: &ServerConfig,
    mut first_ports: Option<[u16; 2]>,
) -> Result<(EjabberdInstance, SocketAddr), BackendError> {
    if let Probe::NotInstalled(what) = probe() {
        return Err(BackendError::not_installed(BACKEND, &what));
    }
    let erl_libs = erl_libs().map_err(|what| BackendError::not_installed(BACKEND, &what))?;
    let deadline = Instant::now() + config.startup_timeout;
    let dir = InstanceDir::new(BACKEND, config.keep_dir)?;
    let root = dir.path().to_path_buf();
    let logs = root.join("logs");
    let spool = root.join("spool");
    process::create_dir(BACKEND, &logs)?;
    process::write_file(
        BACKEND,
        &root.join("inetrc"),
        "{lookup,[\"file\",\"native\"]}.\n{host,{127,0,0,1}, [\"localhost\"]}.\n",
    )?;

    for attempt in 1..=PORT_ATTEMPTS {
        let [c2s_port, dist_port] = match first_ports.take() {
            Some(ports) => ports,
            None => process::free_ports::<2>(BACKEND)?,
        };
        let node = Node {
            name: format!("mucj{}@localhost", process::random_hex(4)),
            cookie: process::random_hex(16),
            dist_port,
            erl_libs: erl_libs.clone(),
            dir: root.clone(),
        };
        // A previous attempt's mnesia schema belongs to another node name: start afresh.
        if spool.exists() {
            std::fs::remove_dir_all(&spool)
                .map_err(|e| BackendError::io(BACKEND, "clearing the spool directory", e))?;
        }
        process::create_dir(BACKEND, &spool)?;
        process::write_file(
            BACKEND,
            &root.join("ejabberd.yml"),
            &render_config("127.0.0.1", c2s_port, &config.ejabberd),
        )?;
        let mut server = spawn(&node, &root, c2s_port, config.stop_grace)?;
        let addr = SocketAddr::from(([127, 0, 0, 1], c2s_port));

        match wait_ready(&mut server, addr, &logs, deadline).await {
            Ready::Yes => {
                if let Err(e) = register(&node, &config.users, true, config.startup_timeout).await {
                    server.stop().await;
                    return Err(e);
                }
                let instance = EjabberdInstance {
                    process: server,
                    node,
                    timeout: config.startup_timeout,
                    dir,
                };
                return Ok((instance, addr));
            }
            Ready::PortTaken => {
                tracing::info!(
                    c2s_port,
                    dist_port,
                    attempt,
                    "ejabberd: port taken, retrying with others"
                );
                server.stop().await;
            }
            Ready::Failed(message) => {
                server.stop().await;
                return Err(startup_error(message, &logs));
            }
        }
    }
    Err(startup_error(
        format!("{PORT_ATTEMPTS} attempts all hit ports taken before ejabberd could bind them"),
        &logs,
    ))
}

fn spawn(
    node: &Node,
    root: &Path,
    c2s_port: u16,
    grace: Duration,
) -> Result<ServerProcess, BackendError> {
    let logs = root.join("logs");
    let (console, console_err) = process::console(BACKEND, &logs.join("console.log"))?;
    // The mnesia dir is an Erlang term: the argv element must carry the double quotes.
    let mnesia_dir = format!("\"{}\"", root.join("spool").display());
    tracing::debug!(node = %node.name, c2s_port, dist_port = node.dist_port, "spawning ejabberd");
    let child = Command::new("erl")
        .current_dir(root)
        .env("HOME", root)
        .env("ERL_LIBS", &node.erl_libs)
        .env("EJABBERD_CONFIG_PATH", root.join("ejabberd.yml"))
        .env("EJABBERD_LOG_PATH", logs.join("ejabberd.log"))
        .env("EJABBERD_PID_PATH", root.join("ejabberd.pid"))
        .env("ERL_CRASH_DUMP", logs.join("erl_crash.dump"))
        .env("ERL_INETRC", root.join("inetrc"))
        .args(["-sname", &node.name, "-setcookie", &node.cookie])
        .args(["-kernel", "inet_dist_use_interface", "{127,0,0,1}"])
        .args([
            "-erl_epmd_port",
            &node.dist_port.to_string(),
            "-start_epmd",
            "false",
        ])
        .args([
            "+K",
            "true",
            "+P",
            "250000",
            "-env",
            "ERL_CRASH_DUMP_BYTES",
            "0",
        ])
        .args(["-mnesia", "dir", &mnesia_dir])
        .args(["-s", "ejabberd", "-noinput"])
        .stdin(Stdio::null())
        .stdout(console)
        .stderr(console_err)
        .spawn()
        .map_err(|e| BackendError::io(BACKEND, "spawning erl", e))?;
    Ok(ServerProcess::new(BACKEND, child, grace))
}

async fn wait_ready(
    server: &mut ServerProcess,
    addr: SocketAddr,
    logs: &Path,
    deadline: Instant,
) -> Ready {
    // Our own listener is up once the log says so; only then can the probe not reach a
    // process that took the port first.
    let listening = format!("Start accepting TCP connections at {addr} for ejabberd_c2s");
    let mut last_error = String::from("the c2s listener was not started yet");
    loop {
        if let Some(status) = server.exited() {
            let text = [
                logs.join("console.log"),
                logs.join("ejabberd.log"),
                logs.join("error.log"),
            ]
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap_or_default())
            .collect::<String>();
            if text.contains("eaddrinuse") || text.contains("address already in use") {
                return Ready::PortTaken;
            }
            return Ready::Failed(format!("ejabberd exited during start-up ({status})"));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ready::Failed(format!(
                "not ready before the start-up timeout; last probe: {last_error}"
            ));
        }
        if std::fs::read_to_string(logs.join("ejabberd.log"))
            .is_ok_and(|log| log.contains(&listening))
        {
            let budget = (deadline - now).min(Duration::from_secs(2));
            match super::stream_probe::probe(addr, super::DOMAIN, budget).await {
                Ok(()) => return Ready::Yes,
                Err(e) => last_error = e,
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn startup_error(message: String, logs: &Path) -> BackendError {
    process::startup_error(
        BACKEND,
        message,
        &logs.join("ejabberd.log"),
        &logs.join("console.log"),
    )
}

/// The Erlang expression that registers `users` on `node` in one RPC round.
///
/// It prints `wait_for_tables=...` and `register=[{User, Result}, ...]` and halts with 0
/// when every result is `ok` (or `{error,exists}` if `allow_existing`).
fn register_eval(node: &str, users: &[Account], allow_existing: bool) -> String {
    let list: Vec<String> = users
        .iter()
        .map(|a| format!("{{<<\"{}\">>,<<\"{}\">>}}", a.username(), a.password()))
        .collect();
    format!(
        "N = '{node}', \
         W = rpc:call(N, mnesia, wait_for_tables, [rpc:call(N, mnesia, system_info, [local_tables]), 10000]), \
         R = [{{U, rpc:call(N, ejabberd_auth, try_register, [U, <<\"{domain}\">>, P])}} || {{U, P}} <- [{list}]], \
         Ok = fun(ok) -> true; ({{error, exists}}) -> {allow}; (_) -> false end, \
         io:format(\"wait_for_tables=~p~nregister=~p~n\", [W, R]), \
         halt(case lists:all(fun({{_, X}}) -> Ok(X) end, R) of true -> 0; false -> 1 end).",
        domain = super::DOMAIN,
        list = list.join(","),
        allow = allow_existing,
    )
}

async fn register(
    node: &Node,
    users: &[Account],
    allow_existing: bool,
    timeout: Duration,
) -> Result<(), BackendError> {
    if users.is_empty() {
        return Ok(());
    }
    let who = users
        .iter()
        .map(Account::username)
        .collect::<Vec<_>>()
        .join(",");
    let failed = |message: String| BackendError::Registration {
        backend: BACKEND,
        user: who.clone(),
        message,
    };
    let deadline = Instant::now() + timeout;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let run = tokio::process::Command::new("erl")
            .current_dir(&node.dir)
            .env("HOME", &node.dir)
            .env("ERL_LIBS", &node.erl_libs)
            .env(
                "ERL_CRASH_DUMP",
                node.dir.join("logs").join("erl_crash_rpc.dump"),
            )
            .args([
                "-sname",
                &format!("mucr{}@localhost", process::random_hex(4)),
            ])
            .args(["-setcookie", &node.cookie])
            .args([
                "-erl_epmd_port",
                &node.dist_port.to_string(),
                "-start_epmd",
                "false",
            ])
            .args(["-dist_listen", "false", "-hidden", "-noshell"])
            .args(["-env", "ERL_CRASH_DUMP_BYTES", "0"])
            .arg("-eval")
            .arg(register_eval(&node.name, users, allow_existing))
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output();
        let budget = deadline.saturating_duration_since(Instant::now());
        let output = match tokio::time::timeout(budget, run).await {
            Err(_) => {
                return Err(failed(format!(
                    "the RPC node did not finish within {timeout:?}"
                )));
            }
            Ok(Err(e)) => return Err(failed(format!("running erl: {e}"))),
            Ok(Ok(output)) => output,
        };
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() {
            tracing::debug!(users = %who, attempt, "ejabberd: registered");
            return Ok(());
        }
        // A fresh node may not have its tables yet (P13): retry those errors only.
        let transient = text.contains("no_exists")
            || text.contains("Database failure")
            || text.contains("aborted");
        if !transient || attempt >= REGISTER_ATTEMPTS || Instant::now() >= deadline {
            return Err(failed(format!(
                "erl exited with {}: {}",
                output.status,
                text.trim()
            )));
        }
        tracing::info!(attempt, output = %text.trim(), "ejabberd: registration not ready, retrying");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn taken_ports_are_detected_and_others_used() {
        match crate::backend::Backend::Ejabberd.availability() {
            crate::backend::Availability::Ready => {}
            other => {
                eprintln!("SKIPPED ejabberd: {other:?}");
                return;
            }
        }
        let config = ServerConfig {
            users: vec![Account::named("alice").unwrap()],
            ..ServerConfig::default()
        };
        // First the c2s port is taken, then (in a second start) the distribution port.
        for which in 0..2 {
            let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let taken = squatter.local_addr().unwrap().port();
            let [free] = process::free_ports::<1>(BACKEND).unwrap();
            let ports = if which == 0 {
                [taken, free]
            } else {
                [free, taken]
            };
            let (mut instance, addr) = start_with_ports(&config, Some(ports))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_ne!(addr.port(), taken);
            assert_ne!(instance.node.dist_port, taken);
            instance.stop().await;
        }
    }

    #[test]
    fn config_has_port_and_room_options() {
        let options = EjabberdOptions::default();
        let cfg = render_config("127.0.0.1", 4343, &options);
        for needle in [
            "    port: 4343\n",
            "    ip: \"127.0.0.1\"\n",
            "starttls: false",
            "registration_timeout: infinity",
            "  mod_muc:\n    host: \"conference.@HOST@\"\n    access: all\n",
            "    default_room_options:\n      persistent: false\n      public: true\n      logging: false\n",
            "  mod_muc_admin: {}",
            "loglevel: info",
        ] {
            assert!(cfg.contains(needle), "missing {needle:?} in\n{cfg}");
        }
        assert!(!cfg.contains("@C2S") && !cfg.contains("@MOD_MUC@"), "{cfg}");
    }

    #[test]
    fn register_eval_lists_every_user() {
        let users = vec![
            Account::named("alice").unwrap(),
            Account::named("bob").unwrap(),
        ];
        let e = register_eval("n@localhost", &users, false);
        assert!(e.contains("N = 'n@localhost'"), "{e}");
        assert!(
            e.contains("[{<<\"alice\">>,<<\"alicepw\">>},{<<\"bob\">>,<<\"bobpw\">>}]"),
            "{e}"
        );
        assert!(e.contains("({error, exists}) -> false"), "{e}");
        assert!(e.ends_with("end)."), "{e}");
    }
}
