//! What to start: users, timeouts and per-server options.

use std::time::Duration;

use super::{Account, default_accounts};

/// Settings for [`Backend::start`](super::Backend::start).
///
/// ```
/// use conformance::backend::ServerConfig;
/// let config = ServerConfig::default()
///     .with_prosody_muc_option("muc_room_default_public", "true")
///     .with_ejabberd_room_option("public", "false");
/// assert_eq!(config.users.len(), 8);
/// ```
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Accounts registered before the server is handed out. Default: [`default_accounts`].
    pub users: Vec<Account>,
    /// Upper bound for each wait during start-up (readiness, registration). Default 30 s.
    pub startup_timeout: Duration,
    /// How long a stop waits after SIGTERM before it sends SIGKILL. Default 5 s.
    pub stop_grace: Duration,
    /// Keep the server's temporary directory (config, logs) after it stops, for debugging.
    /// Default: whether the environment variable `MUC_KEEP_SERVER_DIRS` is set.
    pub keep_dir: bool,
    /// Prosody-only settings.
    pub prosody: ProsodyOptions,
    /// ejabberd-only settings.
    pub ejabberd: EjabberdOptions,
    /// Settings of the in-process server.
    pub embedded: EmbeddedOptions,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            users: default_accounts(),
            startup_timeout: Duration::from_secs(30),
            stop_grace: Duration::from_secs(5),
            keep_dir: std::env::var_os("MUC_KEEP_SERVER_DIRS").is_some(),
            prosody: ProsodyOptions::default(),
            ejabberd: EjabberdOptions::default(),
            embedded: EmbeddedOptions::default(),
        }
    }
}

impl ServerConfig {
    /// Adds (or overrides) an option under Prosody's `Component "conference.localhost" "muc"`.
    /// `value` is a Lua expression: `"true"`, `"20"`, `"\"text\""`.
    pub fn with_prosody_muc_option(mut self, key: &str, value: &str) -> Self {
        self.prosody
            .muc_options
            .push((key.to_owned(), value.to_owned()));
        self
    }

    /// Adds (or overrides) a key of ejabberd's `mod_muc: default_room_options`.
    /// `value` is a YAML scalar: `true`, `20`, `"text"`.
    pub fn with_ejabberd_room_option(mut self, key: &str, value: &str) -> Self {
        set(&mut self.ejabberd.default_room_options, key, value);
        self
    }

    /// Adds (or overrides) an option of ejabberd's `mod_muc`. `value` is a YAML scalar.
    pub fn with_ejabberd_muc_option(mut self, key: &str, value: &str) -> Self {
        set(&mut self.ejabberd.mod_muc_options, key, value);
        self
    }
}

/// Settings of the `embedded` backend (muc-testserver).
#[derive(Clone, Debug, Default)]
pub struct EmbeddedOptions {
    /// Which server's behaviour it imitates where Prosody and ejabberd differ.
    /// Default: Prosody.
    pub profile: muc_testserver::Profile,
}

/// Prosody settings beyond the tested template of the research note.
#[derive(Clone, Debug)]
pub struct ProsodyOptions {
    /// Extra `key = value` lines under the MUC component; later lines win over the
    /// template's `restrict_room_creation = false`, `muc_room_locking = true`,
    /// `max_history_messages = 50`, `muc_tombstones = false`.
    pub muc_options: Vec<(String, String)>,
    /// Extra modules for the MUC component (`modules_enabled` under the component),
    /// e.g. `muc_mam`.
    pub muc_modules: Vec<String>,
    /// Minimum log level of the file log: `debug` logs every stanza. Default `info`.
    pub log_level: String,
}

impl Default for ProsodyOptions {
    fn default() -> Self {
        ProsodyOptions {
            muc_options: Vec::new(),
            muc_modules: Vec::new(),
            log_level: "info".to_owned(),
        }
    }
}

/// ejabberd settings beyond the tested template of the research note.
#[derive(Clone, Debug)]
pub struct EjabberdOptions {
    /// `mod_muc` options as (key, YAML scalar), in order. The defaults are those of the
    /// research note's template.
    pub mod_muc_options: Vec<(String, String)>,
    /// `mod_muc: default_room_options` as (key, YAML scalar). Default: not persistent,
    /// public, `logging: false` (pitfall P1: logging delays owner IQs by ~5 s).
    pub default_room_options: Vec<(String, String)>,
    /// `loglevel`: `info` by default, `debug` logs every stanza.
    pub log_level: String,
}

impl Default for EjabberdOptions {
    fn default() -> Self {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        EjabberdOptions {
            mod_muc_options: pairs(&[
                ("access", "all"),
                ("access_create", "muc_create"),
                ("access_persistent", "muc_create"),
                ("access_admin", "none"),
                ("history_size", "20"),
                ("max_users", "200"),
                ("max_user_conferences", "1000"),
                ("min_message_interval", "0"),
                ("min_presence_interval", "0"),
                ("max_users_presence", "1000"),
            ]),
            default_room_options: pairs(&[
                ("persistent", "false"),
                ("public", "true"),
                ("logging", "false"),
            ]),
            log_level: "info".to_owned(),
        }
    }
}

fn set(list: &mut Vec<(String, String)>, key: &str, value: &str) {
    match list.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value.to_owned(),
        None => list.push((key.to_owned(), value.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ejabberd_options_override_in_place() {
        let c = ServerConfig::default()
            .with_ejabberd_room_option("public", "false")
            .with_ejabberd_room_option("mam", "true");
        let o = &c.ejabberd.default_room_options;
        assert_eq!(o.iter().filter(|(k, _)| k == "public").count(), 1);
        assert!(o.contains(&("public".into(), "false".into())));
        assert!(o.contains(&("mam".into(), "true".into())));
    }
}
