//! Errors of the backend harness.

use std::path::PathBuf;

use super::Backend;

/// Why a backend could not be started or used.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// A name in `--servers` or `MUC_SKIP_SERVERS` that is no backend.
    #[error(
        "unknown backend {name:?} (known: embedded, prosody, ejabberd, prosody-container, ejabberd-container, containers)"
    )]
    UnknownBackend {
        /// The name as given.
        name: String,
    },

    /// The server's binaries are not installed.
    #[error("{backend}: {message}")]
    NotInstalled {
        /// The backend.
        backend: Backend,
        /// What is missing and how to install it.
        message: String,
    },

    /// The backend cannot run here (no Docker engine, feature not compiled, not wired yet).
    #[error("{backend} is not available: {reason}")]
    Unavailable {
        /// The backend.
        backend: Backend,
        /// Why.
        reason: String,
    },

    /// The server process did not become ready.
    #[error("{backend} failed to start: {message}{}", log_excerpt(log, tail))]
    Startup {
        /// The backend.
        backend: Backend,
        /// What went wrong.
        message: String,
        /// The log file the tail comes from, if any.
        log: Option<PathBuf>,
        /// The last lines of the server's log.
        tail: String,
    },

    /// Registering a user failed.
    #[error("{backend}: registering user {user:?} failed: {message}")]
    Registration {
        /// The backend.
        backend: Backend,
        /// The user name.
        user: String,
        /// What went wrong (tool output).
        message: String,
    },

    /// A file system or process operation failed.
    #[error("{backend}: {context}: {source}")]
    Io {
        /// The backend.
        backend: Backend,
        /// What the harness was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A user name or password the harness cannot register safely.
    #[error("invalid account {username:?}: {reason}")]
    InvalidAccount {
        /// The user name as given.
        username: String,
        /// Why it was refused.
        reason: String,
    },
}

fn log_excerpt(log: &Option<PathBuf>, tail: &str) -> String {
    if tail.trim().is_empty() {
        return String::new();
    }
    let name = log
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the server log".to_owned());
    format!("\n--- last lines of {name} ---\n{}", tail.trim_end())
}

impl BackendError {
    /// A missing server (`what` says what is missing), with the install command and
    /// how to skip the backend instead.
    pub(crate) fn not_installed(backend: Backend, what: &str) -> Self {
        BackendError::NotInstalled {
            backend,
            message: format!(
                "{what}; install it with `{}` (or set {}={backend} to skip this backend)",
                super::INSTALL_HINT,
                super::SKIP_ENV
            ),
        }
    }

    /// Wraps an I/O error with what the harness was doing.
    pub(crate) fn io(backend: Backend, context: impl Into<String>, source: std::io::Error) -> Self {
        BackendError::Io {
            backend,
            context: context.into(),
            source,
        }
    }
}
