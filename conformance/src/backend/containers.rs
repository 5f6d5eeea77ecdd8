//! Prosody and ejabberd from their official container images, through testcontainers
//! (cargo feature `containers`; used only where a Docker engine answers, see `docker.rs`).
//!
//! Images (override with `MUC_PROSODY_IMAGE` / `MUC_EJABBERD_IMAGE`, as `name:tag`):
//! * `prosody/prosody:0.12`: the Prosody project's image; config at
//!   `/etc/prosody/prosody.cfg.lua`, users by `prosodyctl register` in the container.
//! * `ghcr.io/processone/ejabberd:23.01`: the image ProcessOne documents (the older
//!   `docker.io/ejabberd/ecs` is its predecessor); config at
//!   `/opt/ejabberd/conf/ejabberd.yml`, users by `ejabberdctl register` in the container.
//!
//! The versions match the Debian packages of the native backends. The configs are the
//! native ones with the listener on 0.0.0.0:5222; readiness is the XMPP stream probe on
//! the published port, as for native ejabberd.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use testcontainers::core::{CmdWaitFor, ExecCommand, IntoContainerPort, WaitFor};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};

use super::{Account, Backend, BackendError, ServerConfig};

/// The c2s port inside both images.
const C2S: u16 = 5222;
/// Marks the line with the exit status of a command run in the container.
const EXIT_MARK: &str = "muc-conformance-exit=";

/// A running container; removed when dropped (testcontainers does that).
pub(crate) struct ContainerInstance {
    backend: Backend,
    container: Option<ContainerAsync<GenericImage>>,
}

impl std::fmt::Debug for ContainerInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContainerInstance")
            .field("backend", &self.backend)
            .field("id", &self.container.as_ref().map(|c| c.id().to_owned()))
            .finish()
    }
}

fn image(env: &str, default_name: &str, default_tag: &str) -> (String, String) {
    match std::env::var(env).ok().and_then(|v| {
        v.rsplit_once(':')
            .map(|(n, t)| (n.to_owned(), t.to_owned()))
    }) {
        Some(pair) => pair,
        None => (default_name.to_owned(), default_tag.to_owned()),
    }
}

fn err(backend: Backend, message: impl std::fmt::Display) -> BackendError {
    BackendError::Startup {
        backend,
        message: message.to_string(),
        log: None,
        tail: String::new(),
    }
}

/// Starts `backend` (one of the two container backends) and registers the users.
pub(crate) async fn start(
    backend: Backend,
    config: &ServerConfig,
) -> Result<(ContainerInstance, SocketAddr), BackendError> {
    if let Err(why) = super::docker::engine_answers() {
        return Err(BackendError::Unavailable {
            backend,
            reason: format!("no Docker engine answers: {why}"),
        });
    }
    let deadline = Instant::now() + config.startup_timeout;
    let request = match backend {
        Backend::ProsodyContainer => {
            let (name, tag) = image("MUC_PROSODY_IMAGE", "prosody/prosody", "0.12");
            GenericImage::new(name, tag)
                .with_exposed_port(C2S.tcp())
                .with_wait_for(WaitFor::message_on_either_std("Activated service 'c2s'"))
                .with_copy_to(
                    "/etc/prosody/prosody.cfg.lua",
                    super::prosody::render_container_config(&config.prosody).into_bytes(),
                )
        }
        Backend::EjabberdContainer => {
            let (name, tag) = image("MUC_EJABBERD_IMAGE", "ghcr.io/processone/ejabberd", "23.01");
            GenericImage::new(name, tag)
                .with_exposed_port(C2S.tcp())
                .with_copy_to(
                    "/opt/ejabberd/conf/ejabberd.yml",
                    super::ejabberd::render_config("0.0.0.0", C2S, &config.ejabberd).into_bytes(),
                )
        }
        other => return Err(err(other, "not a container backend")),
    };
    let container = request
        .with_startup_timeout(config.startup_timeout)
        .start()
        .await
        .map_err(|e| err(backend, format!("starting the container: {e}")))?;
    let mut instance = ContainerInstance {
        backend,
        container: Some(container),
    };
    let port = match instance.container.as_ref() {
        Some(c) => c
            .get_host_port_ipv4(C2S.tcp())
            .await
            .map_err(|e| err(backend, format!("reading the published port: {e}")))?,
        None => return Err(err(backend, "container vanished")),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));

    let mut last = String::new();
    loop {
        let budget = deadline.saturating_duration_since(Instant::now());
        if budget.is_zero() {
            instance.stop().await;
            return Err(err(
                backend,
                format!("not ready before the start-up timeout: {last}"),
            ));
        }
        match super::stream_probe::probe(addr, super::DOMAIN, budget.min(Duration::from_secs(2)))
            .await
        {
            Ok(()) => break,
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for account in &config.users {
        if let Err(e) = instance.register_until(account, deadline).await {
            instance.stop().await;
            return Err(e);
        }
    }
    Ok((instance, addr))
}

impl ContainerInstance {
    /// Registers an account with the server's own tool inside the container.
    pub(crate) async fn register(&self, account: &Account) -> Result<(), BackendError> {
        self.register_until(account, Instant::now() + Duration::from_secs(30))
            .await
    }

    async fn register_until(
        &self,
        account: &Account,
        deadline: Instant,
    ) -> Result<(), BackendError> {
        let failed = |message: String| BackendError::Registration {
            backend: self.backend,
            user: account.username().to_owned(),
            message,
        };
        let Some(container) = self.container.as_ref() else {
            return Err(failed("the container was stopped".to_owned()));
        };
        let tool = if self.backend == Backend::ProsodyContainer {
            "prosodyctl"
        } else {
            "ejabberdctl"
        };
        loop {
            // The exit status is printed by the shell: ExecResult is not Sync, so its
            // exit_code() cannot be awaited in a Send future.
            let script = format!("{tool} register \"$1\" \"$2\" \"$3\"; echo \"{EXIT_MARK}$?\"");
            let cmd = ExecCommand::new([
                "sh",
                "-c",
                &script,
                "sh",
                account.username(),
                super::DOMAIN,
                account.password(),
            ])
            .with_cmd_ready_condition(CmdWaitFor::exit());
            let outcome = match container.exec(cmd).await {
                Ok(mut result) => {
                    let out = result.stdout_to_vec().await.unwrap_or_default();
                    let errs = result.stderr_to_vec().await.unwrap_or_default();
                    drop(result);
                    let text = format!(
                        "{}{}",
                        String::from_utf8_lossy(&out),
                        String::from_utf8_lossy(&errs)
                    );
                    match text.lines().find_map(|l| l.trim().strip_prefix(EXIT_MARK)) {
                        Some("0") => Ok(()),
                        code => Err(format!("{tool} exited with {code:?}: {}", text.trim())),
                    }
                }
                Err(e) => Err(format!("exec {tool}: {e}")),
            };
            match outcome {
                Ok(()) => return Ok(()),
                // ejabberd's tables may not exist yet right after the port answers (P13).
                Err(message) if Instant::now() < deadline => {
                    tracing::debug!(%message, "container registration failed; retrying");
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                Err(message) => return Err(failed(message)),
            }
        }
    }

    /// Stops and removes the container.
    pub(crate) async fn stop(&mut self) {
        if let Some(container) = self.container.take() {
            if let Err(e) = container.rm().await {
                tracing::warn!(backend = %self.backend, error = %e, "removing the container failed");
            }
        }
    }
}
