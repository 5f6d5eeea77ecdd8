//! Prosody as a throwaway native process (research note `prosody-and-tokio-xmpp.md` §1).
//!
//! Layout of an instance directory: `prosody.cfg.lua`, `data/` (accounts), `certs/` (empty,
//! silences a certmanager error), `prosody.log` (file sink, polled for readiness),
//! `console.log` (stdout/stderr: Lua errors), `prosody.pid`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::process::{self, InstanceDir, Ready, ServerProcess};
use super::{Account, Backend, BackendError, Probe, ProsodyOptions, ServerConfig};

const BACKEND: Backend = Backend::Prosody;
const TEMPLATE: &str = include_str!("templates/prosody.cfg.lua");
/// Port clashes tolerated before giving up.
const PORT_ATTEMPTS: usize = 5;
/// How many `prosodyctl register` run at once.
const REGISTER_PARALLELISM: usize = 4;
/// Printed when Prosody failed to bind its port (research note §1.3).
const PORT_TAKEN: &str = "Failed to open server port";

/// A running Prosody. Fields drop in order: the process is stopped before the directory goes.
#[derive(Debug)]
pub(crate) struct ProsodyInstance {
    process: ServerProcess,
    config_path: PathBuf,
    timeout: Duration,
    dir: InstanceDir,
}

impl ProsodyInstance {
    /// The server's PID.
    pub(crate) fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The instance directory.
    pub(crate) fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server log.
    pub(crate) fn log_path(&self) -> PathBuf {
        self.dir.path().join("prosody.log")
    }

    /// Registers (or re-registers: Prosody overwrites) an account while the server runs.
    pub(crate) async fn register(&self, account: &Account) -> Result<(), BackendError> {
        register(&self.config_path, account, self.timeout).await
    }

    /// Stops the server without blocking the runtime.
    pub(crate) async fn stop(&mut self) {
        self.process.stop().await;
    }
}

/// Looks for `prosody` and `prosodyctl` on `PATH`.
pub(crate) fn probe() -> Probe {
    let missing: Vec<&str> = ["prosody", "prosodyctl"]
        .into_iter()
        .filter(|bin| process::find_in_path(bin).is_none())
        .collect();
    if missing.is_empty() {
        Probe::Installed
    } else {
        Probe::NotInstalled(format!("`{}` not found on PATH", missing.join("`, `")))
    }
}

/// Fills the config template.
pub(crate) fn render_config(dir: &Path, port: u16, options: &ProsodyOptions) -> String {
    TEMPLATE
        .replace("@DIR@", &dir.to_string_lossy())
        .replace("@C2S_PORT@", &port.to_string())
        .replace("@LOG_LEVEL@", &options.log_level)
        .replace("@MUC_EXTRA@", &muc_extra(options))
}

/// The config for the official container image (feature `containers`): c2s on 5222.
#[cfg(feature = "containers")]
pub(crate) fn render_container_config(options: &ProsodyOptions) -> String {
    include_str!("templates/prosody-container.cfg.lua")
        .replace("@LOG_LEVEL@", &options.log_level)
        .replace("@MUC_EXTRA@", &muc_extra(options))
}

/// The extra lines under the MUC component.
fn muc_extra(options: &ProsodyOptions) -> String {
    let mut extra = String::new();
    if !options.muc_modules.is_empty() {
        let list: Vec<String> = options
            .muc_modules
            .iter()
            .map(|m| format!("{m:?}"))
            .collect();
        extra.push_str(&format!(
            "    modules_enabled = {{ {} }}\n",
            list.join("; ")
        ));
    }
    for (key, value) in &options.muc_options {
        extra.push_str(&format!("    {key} = {value}\n"));
    }
    extra
}

/// Starts Prosody: directory, config, users, process, readiness by log line.
pub(crate) async fn start(
    config: &ServerConfig,
) -> Result<(ProsodyInstance, SocketAddr), BackendError> {
    start_with_port(config, None).await
}

/// [`start`], trying `first_port` first instead of a free one (tests of the clash retry).
pub(crate) async fn start_with_port(
    config: &ServerConfig,
    first_port: Option<u16>,
) -> Result<(ProsodyInstance, SocketAddr), BackendError> {
    if let Probe::NotInstalled(what) = probe() {
        return Err(BackendError::not_installed(BACKEND, &what));
    }
    let deadline = Instant::now() + config.startup_timeout;
    let dir = InstanceDir::new(BACKEND, config.keep_dir)?;
    let root = dir.path().to_path_buf();
    process::create_dir(BACKEND, &root.join("data"))?;
    process::create_dir(BACKEND, &root.join("certs"))?;
    let config_path = root.join("prosody.cfg.lua");
    let log_path = root.join("prosody.log");
    let console_path = root.join("console.log");

    let [mut port] = match first_port {
        Some(port) => [port],
        None => process::free_ports::<1>(BACKEND)?,
    };
    process::write_file(
        BACKEND,
        &config_path,
        &render_config(&root, port, &config.prosody),
    )?;
    // Accounts live on disk (internal storage), so they can be created before the start.
    register_all(&config_path, &config.users, config.startup_timeout).await?;

    for attempt in 1..=PORT_ATTEMPTS {
        let (console, console_err) = process::console(BACKEND, &console_path)?;
        let child = Command::new("prosody")
            .arg("-F")
            .arg("--config")
            .arg(&config_path)
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(console)
            .stderr(console_err)
            .spawn()
            .map_err(|e| BackendError::io(BACKEND, "spawning prosody", e))?;
        let mut server = ServerProcess::new(BACKEND, child, config.stop_grace);

        match wait_ready(&mut server, &log_path, port, deadline).await {
            Ready::Yes => {
                let instance = ProsodyInstance {
                    process: server,
                    config_path,
                    timeout: config.startup_timeout,
                    dir,
                };
                return Ok((instance, SocketAddr::from(([127, 0, 0, 1], port))));
            }
            Ready::PortTaken => {
                tracing::info!(port, attempt, "prosody: port taken, retrying with another");
                server.stop().await;
                drop(server);
                let _ = std::fs::remove_file(&log_path);
                [port] = process::free_ports::<1>(BACKEND)?;
                process::write_file(
                    BACKEND,
                    &config_path,
                    &render_config(&root, port, &config.prosody),
                )?;
            }
            Ready::Failed(message) => {
                server.stop().await;
                return Err(process::startup_error(
                    BACKEND,
                    message,
                    &log_path,
                    &console_path,
                ));
            }
        }
    }
    Err(process::startup_error(
        BACKEND,
        format!("every one of {PORT_ATTEMPTS} free ports was taken before Prosody could bind it"),
        &log_path,
        &console_path,
    ))
}

async fn wait_ready(server: &mut ServerProcess, log: &Path, port: u16, deadline: Instant) -> Ready {
    let ready_line = format!("Activated service 'c2s' on [127.0.0.1]:{port}");
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(&ready_line) {
            return Ready::Yes;
        }
        if text.contains(PORT_TAKEN) {
            return Ready::PortTaken;
        }
        if let Some(status) = server.exited() {
            return Ready::Failed(format!("prosody exited during start-up ({status})"));
        }
        if Instant::now() >= deadline {
            return Ready::Failed(format!(
                "no {ready_line:?} in the log before the start-up timeout"
            ));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn register_all(
    config_path: &Path,
    users: &[Account],
    timeout: Duration,
) -> Result<(), BackendError> {
    for chunk in users.chunks(REGISTER_PARALLELISM) {
        let runs: Vec<_> = chunk
            .iter()
            .map(|account| register(config_path, account, timeout))
            .collect();
        for result in futures::future::join_all(runs).await {
            result?;
        }
    }
    Ok(())
}

/// `prosodyctl --config FILE register USER localhost PASSWORD` (`--config` before the
/// subcommand: pitfall P1).
async fn register(
    config_path: &Path,
    account: &Account,
    timeout: Duration,
) -> Result<(), BackendError> {
    let run = tokio::process::Command::new("prosodyctl")
        .arg("--config")
        .arg(config_path)
        .args([
            "register",
            account.username(),
            super::DOMAIN,
            account.password(),
        ])
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let failed = |message: String| BackendError::Registration {
        backend: BACKEND,
        user: account.username().to_owned(),
        message,
    };
    let output = match tokio::time::timeout(timeout, run).await {
        Err(_) => {
            return Err(failed(format!(
                "prosodyctl did not finish within {timeout:?}"
            )));
        }
        Ok(Err(e)) => return Err(failed(format!("running prosodyctl: {e}"))),
        Ok(Ok(output)) => output,
    };
    if output.status.success() {
        Ok(())
    } else {
        Err(failed(format!(
            "prosodyctl exited with {}: {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_taken_port_is_detected_and_another_one_used() {
        match crate::backend::Backend::Prosody.availability() {
            crate::backend::Availability::Ready => {}
            other => {
                eprintln!("SKIPPED prosody: {other:?}");
                return;
            }
        }
        // Someone else listens on the first port Prosody is given.
        let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let taken = squatter.local_addr().unwrap().port();
        let config = ServerConfig {
            users: vec![Account::named("alice").unwrap()],
            ..ServerConfig::default()
        };
        let (mut instance, addr) = start_with_port(&config, Some(taken))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(addr.port(), taken);
        let log = std::fs::read_to_string(instance.log_path()).unwrap();
        assert!(log.contains(&format!(
            "Activated service 'c2s' on [127.0.0.1]:{}",
            addr.port()
        )));
        instance.stop().await;
    }

    #[test]
    fn config_has_the_research_note_settings_and_extras() {
        let options = ProsodyOptions {
            muc_options: vec![("muc_room_default_public".into(), "true".into())],
            muc_modules: vec!["muc_mam".into()],
            log_level: "debug".into(),
        };
        let cfg = render_config(Path::new("/tmp/x"), 4242, &options);
        for needle in [
            "run_as_root = true",
            "pidfile = \"/tmp/x/prosody.pid\"",
            "c2s_ports = { 4242 }",
            "s2s_ports = { }",
            "allow_unencrypted_plain_auth = true",
            "authentication = \"internal_plain\"",
            "Component \"conference.localhost\" \"muc\"",
            "muc_tombstones = false",
            "muc_room_locking = true",
            "min = \"debug\"",
            "    muc_room_default_public = true\n",
            "    modules_enabled = { \"muc_mam\" }\n",
        ] {
            assert!(cfg.contains(needle), "missing {needle:?} in\n{cfg}");
        }
        assert!(!cfg.contains('@'), "unfilled placeholder in\n{cfg}");
    }
}
