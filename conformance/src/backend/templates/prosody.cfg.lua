-- Throwaway Prosody 0.12 for the MUC conformance suite (written by conformance::backend).
-- Template from shared/research/prosody-and-tokio-xmpp.md §1.1.
-- Harness placeholders are the words between at-signs below.
run_as_root = true                 -- only consulted when uid==0
pidfile = "@DIR@/prosody.pid"
data_path = "@DIR@/data"
log = {
    { levels = { min = "@LOG_LEVEL@" }, to = "file", filename = "@DIR@/prosody.log" };
}
interfaces = { "127.0.0.1" }
c2s_ports = { @C2S_PORT@ }
c2s_interfaces = { "127.0.0.1" }
c2s_direct_tls_ports = { }
s2s_ports = { }                    -- s2s is auto-loaded; without this it binds *:5269
modules_disabled = { "s2s"; "s2s_auth_certs"; "offline" }
use_ipv6 = false

c2s_require_encryption = false
s2s_require_encryption = false
allow_unencrypted_plain_auth = true
authentication = "internal_plain"
storage = "internal"
allow_registration = false

modules_enabled = {
    "roster"; "saslauth"; "disco"; "ping"; "posix";
}

VirtualHost "localhost"

Component "conference.localhost" "muc"
    restrict_room_creation = false
    muc_room_locking = true
    max_history_messages = 50
    muc_tombstones = false
@MUC_EXTRA@
