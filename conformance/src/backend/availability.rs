//! Whether a backend can run here: installed binaries, a Docker engine, `MUC_SKIP_SERVERS`.

use super::Backend;

/// Environment variable naming backends to skip, comma-separated (e.g. `prosody,ejabberd`).
///
/// `containers` names both container backends; `all` names every backend.
pub const SKIP_ENV: &str = "MUC_SKIP_SERVERS";

/// The command that installs the native servers, quoted in every "missing" message.
pub const INSTALL_HINT: &str = "apt-get install -y prosody ejabberd";

/// What [`Backend::probe`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// Everything the backend needs is present.
    Installed,
    /// A required binary or library is missing: the text says which.
    NotInstalled(String),
    /// The backend cannot run on this machine for a reason that is not a missing package
    /// (no Docker engine, the cargo feature was not compiled in): the text says why.
    Unsupported(String),
}

/// The decision for one backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Availability {
    /// Start it.
    Ready,
    /// Do not start it; report every scenario as skipped with this reason.
    Skipped(String),
    /// Do not start it; report every scenario as failed with this message (it says how to
    /// install the missing server).
    Missing(String),
}

/// Whether the comma-separated `skip_list` (the value of [`SKIP_ENV`]) names `backend`.
///
/// ```
/// use conformance::backend::{Backend, skip_list_names};
/// assert!(skip_list_names(Backend::Ejabberd, "prosody, ejabberd"));
/// assert!(skip_list_names(Backend::ProsodyContainer, "containers"));
/// assert!(!skip_list_names(Backend::Prosody, "prosody-container"));
/// ```
pub fn skip_list_names(backend: Backend, skip_list: &str) -> bool {
    skip_list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .any(|name| {
            name.eq_ignore_ascii_case(backend.name())
                || name.eq_ignore_ascii_case("all")
                || (backend.is_container() && name.eq_ignore_ascii_case("containers"))
        })
}

/// Decides what to do with `backend`, given the value of [`SKIP_ENV`] (if set) and what
/// [`Backend::probe`] found.
///
/// * Named in the skip list: skipped, whether installed or not (the reason says both).
/// * Not installed: missing, with a message that says `apt-get install -y prosody ejabberd`
///   and how to skip instead.
/// * Unsupported here (no Docker engine, feature off): skipped with the reason, never silently.
/// * Otherwise: ready.
pub fn decide(backend: Backend, skip_list: Option<&str>, probe: &Probe) -> Availability {
    if let Some(list) = skip_list.filter(|list| skip_list_names(backend, list)) {
        let mut reason = format!("{SKIP_ENV}={list:?} names {backend}");
        match probe {
            Probe::Installed => {}
            Probe::NotInstalled(what) => reason.push_str(&format!(" (also not installed: {what})")),
            Probe::Unsupported(why) => reason.push_str(&format!(" (also unsupported here: {why})")),
        }
        return Availability::Skipped(reason);
    }
    match probe {
        Probe::Installed => Availability::Ready,
        Probe::NotInstalled(what) => Availability::Missing(format!(
            "{backend} is not installed: {what}. Install it with `{INSTALL_HINT}`, \
             or set {SKIP_ENV}={backend} to skip this backend"
        )),
        Probe::Unsupported(why) => Availability::Skipped(why.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn installed_and_not_named_is_ready() {
        assert_eq!(
            decide(Backend::Prosody, None, &Probe::Installed),
            Availability::Ready
        );
        assert_eq!(
            decide(Backend::Prosody, Some("ejabberd"), &Probe::Installed),
            Availability::Ready
        );
        assert_eq!(
            decide(Backend::Prosody, Some(""), &Probe::Installed),
            Availability::Ready
        );
    }

    #[test]
    fn missing_binary_fails_with_install_hint() {
        let probe = Probe::NotInstalled("`prosody` is not on PATH".into());
        match decide(Backend::Prosody, None, &probe) {
            Availability::Missing(msg) => {
                assert!(msg.contains("apt-get install -y prosody ejabberd"), "{msg}");
                assert!(msg.contains("MUC_SKIP_SERVERS=prosody"), "{msg}");
                assert!(msg.contains("`prosody` is not on PATH"), "{msg}");
            }
            other => panic!("expected Missing, got {other:?}"),
        }
        // Naming another backend does not help.
        assert!(matches!(
            decide(Backend::Ejabberd, Some("prosody"), &probe),
            Availability::Missing(_)
        ));
    }

    #[test]
    fn named_backend_is_skipped_loudly_with_the_reason() {
        let probe = Probe::NotInstalled("`erl` is not on PATH".into());
        match decide(Backend::Ejabberd, Some("prosody, EJABBERD"), &probe) {
            Availability::Skipped(reason) => {
                assert!(reason.contains("MUC_SKIP_SERVERS"), "{reason}");
                assert!(reason.contains("ejabberd"), "{reason}");
                assert!(reason.contains("`erl` is not on PATH"), "{reason}");
            }
            other => panic!("expected Skipped, got {other:?}"),
        }
        // Installed but named: skipped too (the user asked for it).
        assert!(matches!(
            decide(Backend::Prosody, Some("prosody"), &Probe::Installed),
            Availability::Skipped(_)
        ));
        assert!(matches!(
            decide(Backend::Embedded, Some("all"), &Probe::Installed),
            Availability::Skipped(_)
        ));
    }

    #[test]
    fn unsupported_is_skipped_not_silent() {
        let probe = Probe::Unsupported("no Docker engine answers at /var/run/docker.sock".into());
        match decide(Backend::EjabberdContainer, None, &probe) {
            Availability::Skipped(reason) => assert!(reason.contains("Docker"), "{reason}"),
            other => panic!("expected Skipped, got {other:?}"),
        }
        assert!(matches!(
            decide(
                Backend::EjabberdContainer,
                Some("containers"),
                &Probe::Installed
            ),
            Availability::Skipped(_)
        ));
    }
}
