//! Child processes, ports, temporary directories and logs shared by the native backends.

use std::io::{self, Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::{Backend, BackendError};

/// How often a stop polls for the child's exit.
const STOP_POLL: Duration = Duration::from_millis(10);

/// A server process we spawned and must stop: SIGTERM, then SIGKILL after a grace period.
///
/// Dropping it stops it (blocking the current thread for at most the grace period);
/// [`ServerProcess::stop`] does the same on the async runtime.
#[derive(Debug)]
pub(crate) struct ServerProcess {
    backend: Backend,
    child: Child,
    grace: Duration,
    exit: Option<ExitStatus>,
}

impl ServerProcess {
    pub(crate) fn new(backend: Backend, child: Child, grace: Duration) -> Self {
        ServerProcess {
            backend,
            child,
            grace,
            exit: None,
        }
    }

    /// The child's PID.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The exit status, if the process has ended (it is reaped then).
    pub(crate) fn exited(&mut self) -> Option<ExitStatus> {
        if self.exit.is_none() {
            // An error here means the child was already reaped; treat it as gone.
            match self.child.try_wait() {
                Ok(status) => self.exit = status,
                Err(e) => {
                    tracing::warn!(backend = %self.backend, error = %e, "try_wait failed");
                    self.exit = Some(ExitStatus::default());
                }
            }
        }
        self.exit
    }

    fn signal(&mut self, signal: Signal) {
        if self.exited().is_some() {
            return; // never signal a PID we have already reaped: it may be reused
        }
        let Ok(raw) = i32::try_from(self.child.id()) else {
            return;
        };
        if let Err(e) = kill(Pid::from_raw(raw), signal) {
            tracing::debug!(backend = %self.backend, pid = raw, ?signal, error = %e, "kill failed");
        }
    }

    fn force_kill(&mut self) {
        self.signal(Signal::SIGKILL);
        match self.child.wait() {
            Ok(status) => self.exit = Some(status),
            Err(e) => {
                tracing::warn!(backend = %self.backend, error = %e, "wait after SIGKILL failed");
                self.exit = Some(ExitStatus::default());
            }
        }
    }

    /// Stops the process without blocking the runtime: SIGTERM, poll, SIGKILL on timeout.
    pub(crate) async fn stop(&mut self) {
        let started = Instant::now();
        self.signal(Signal::SIGTERM);
        while self.exited().is_none() {
            if started.elapsed() >= self.grace {
                tracing::warn!(backend = %self.backend, pid = self.pid(), "no exit after SIGTERM; sending SIGKILL");
                self.force_kill();
                break;
            }
            tokio::time::sleep(STOP_POLL).await;
        }
        tracing::debug!(backend = %self.backend, elapsed = ?started.elapsed(), status = ?self.exit, "server stopped");
    }

    /// Like [`stop`](Self::stop), blocking the current thread.
    pub(crate) fn stop_blocking(&mut self) {
        let started = Instant::now();
        self.signal(Signal::SIGTERM);
        while self.exited().is_none() {
            if started.elapsed() >= self.grace {
                self.force_kill();
                break;
            }
            std::thread::sleep(STOP_POLL);
        }
        tracing::debug!(backend = %self.backend, elapsed = ?started.elapsed(), status = ?self.exit, "server stopped");
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if self.exited().is_none() {
            self.stop_blocking();
        }
    }
}

/// What a native backend's start-up wait found.
pub(crate) enum Ready {
    /// The server serves c2s on its port.
    Yes,
    /// Another process took one of the server's ports first: retry with others.
    PortTaken,
    /// The server exited or the start-up timeout passed: why.
    Failed(String),
}

/// Creates (or truncates) `path` and returns it twice, as a child's stdout and stderr.
pub(crate) fn console(backend: Backend, path: &Path) -> Result<(Stdio, Stdio), BackendError> {
    let file = std::fs::File::create(path)
        .map_err(|e| BackendError::io(backend, format!("creating {}", path.display()), e))?;
    let copy = file
        .try_clone()
        .map_err(|e| BackendError::io(backend, format!("duplicating {}", path.display()), e))?;
    Ok((file.into(), copy.into()))
}

/// A start-up failure with the last lines of the server's `log` and, if it has any, of
/// its `console` (stdout/stderr, see [`console`]).
pub(crate) fn startup_error(
    backend: Backend,
    message: String,
    log: &Path,
    console: &Path,
) -> BackendError {
    let mut tail = log_tail(log, 30);
    let console_tail = log_tail(console, 20);
    if !console_tail.trim().is_empty() && !console_tail.starts_with("(cannot read") {
        tail.push_str(&format!(
            "\n--- stdout/stderr ({}) ---\n",
            console.display()
        ));
        tail.push_str(&console_tail);
    }
    BackendError::Startup {
        backend,
        message,
        log: Some(log.to_path_buf()),
        tail,
    }
}

/// Ports that were free on 127.0.0.1 a moment ago, all distinct.
///
/// The listeners are held until all ports are known, then closed; another process may
/// still grab one before the server binds it, so callers must detect a clash and retry.
pub(crate) fn free_ports<const N: usize>(backend: Backend) -> Result<[u16; N], BackendError> {
    let mut listeners = Vec::with_capacity(N);
    let mut ports = [0u16; N];
    for port in &mut ports {
        let l = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| BackendError::io(backend, "binding 127.0.0.1:0 to find a free port", e))?;
        *port = l
            .local_addr()
            .map_err(|e| BackendError::io(backend, "reading a free port", e))?
            .port();
        listeners.push(l);
    }
    Ok(ports)
}

/// Looks `name` up on `PATH`.
pub(crate) fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// A fresh temporary directory for one server instance, named `muc-<backend>-XXXXXX`.
///
/// Fails if the path has characters the server configs cannot take unquoted
/// (whitespace, quotes, backslashes: ejabberd pitfall P8).
pub(crate) fn instance_dir(backend: Backend) -> Result<tempfile::TempDir, BackendError> {
    let dir = tempfile::Builder::new()
        .prefix(&format!("muc-{}-", backend.name()))
        .tempdir()
        .map_err(|e| BackendError::io(backend, "creating a temporary directory", e))?;
    let text = dir.path().to_string_lossy();
    if text
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '$' | '`'))
    {
        return Err(BackendError::Startup {
            backend,
            message: format!(
                "the temporary directory {text:?} contains whitespace or quotes, which the \
                 server configs cannot take; set TMPDIR to a plain path"
            ),
            log: None,
            tail: String::new(),
        });
    }
    Ok(dir)
}

/// A server's temporary directory: removed on drop, unless it is to be kept for debugging.
#[derive(Debug)]
pub(crate) struct InstanceDir {
    dir: Option<tempfile::TempDir>,
    keep: bool,
}

impl InstanceDir {
    /// Creates the directory (see [`instance_dir`]).
    pub(crate) fn new(backend: Backend, keep: bool) -> Result<Self, BackendError> {
        Ok(InstanceDir {
            dir: Some(instance_dir(backend)?),
            keep,
        })
    }

    /// The directory's path.
    pub(crate) fn path(&self) -> &Path {
        match &self.dir {
            Some(dir) => dir.path(),
            None => Path::new(""),
        }
    }
}

impl Drop for InstanceDir {
    fn drop(&mut self) {
        if let Some(dir) = self.dir.take() {
            if self.keep {
                let path = dir.keep();
                eprintln!("conformance: keeping server directory {}", path.display());
            } else if let Err(e) = dir.close() {
                tracing::warn!(error = %e, "removing a server directory failed");
            }
        }
    }
}

/// Writes `contents` to `path`, with the backend and path in the error.
pub(crate) fn write_file(
    backend: Backend,
    path: &Path,
    contents: &str,
) -> Result<(), BackendError> {
    std::fs::write(path, contents)
        .map_err(|e| BackendError::io(backend, format!("writing {}", path.display()), e))
}

/// Creates `path` and its parents.
pub(crate) fn create_dir(backend: Backend, path: &Path) -> Result<(), BackendError> {
    std::fs::create_dir_all(path)
        .map_err(|e| BackendError::io(backend, format!("creating {}", path.display()), e))
}

/// The last `lines` lines of a (possibly large, possibly missing) log file.
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    const MAX_BYTES: u64 = 64 * 1024;
    let read = || -> io::Result<String> {
        let mut file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(len.saturating_sub(MAX_BYTES)))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    match read() {
        Ok(text) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(lines)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// Random lowercase hex, `bytes * 2` characters long.
pub(crate) fn random_hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_ports_are_distinct_and_nonzero() {
        let ports = free_ports::<3>(Backend::Prosody).unwrap();
        assert!(ports.iter().all(|p| *p != 0));
        assert_ne!(ports[0], ports[1]);
        assert_ne!(ports[1], ports[2]);
        assert_ne!(ports[0], ports[2]);
    }

    #[test]
    fn log_tail_takes_the_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.log");
        std::fs::write(&p, "a\nb\nc\nd\n").unwrap();
        assert_eq!(log_tail(&p, 2), "c\nd");
        assert!(log_tail(&dir.path().join("missing"), 2).contains("cannot read"));
    }

    #[test]
    fn finds_sh_on_path() {
        assert!(find_in_path("sh").is_some());
        assert!(find_in_path("surely-not-a-real-binary-name").is_none());
    }

    #[test]
    fn stop_terminates_a_sleeping_child() {
        let child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let pid = child.id();
        let mut p = ServerProcess::new(Backend::Prosody, child, Duration::from_secs(2));
        assert!(p.exited().is_none());
        p.stop_blocking();
        assert!(p.exited().is_some());
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn stop_falls_back_to_sigkill() {
        // A shell that ignores SIGTERM.
        let child = std::process::Command::new("sh")
            .args(["-c", "trap '' TERM; exec sleep 30"])
            .spawn()
            .unwrap();
        let mut p = ServerProcess::new(Backend::Prosody, child, Duration::from_millis(200));
        std::thread::sleep(Duration::from_millis(50)); // let the trap be installed
        let t = Instant::now();
        p.stop_blocking();
        assert!(p.exited().is_some());
        assert!(t.elapsed() >= Duration::from_millis(200));
    }
}
