-- Prosody for the MUC conformance suite inside the official container image (written by
-- conformance::backend, cargo feature `containers`). Same settings as prosody.cfg.lua,
-- adapted to the image: default data path, console log, listening on all interfaces of
-- the container (Docker publishes the port on a random host port).
-- Harness placeholders are the words between at-signs below.
run_as_root = true
log = {
    { levels = { min = "@LOG_LEVEL@" }, to = "console" };
}
interfaces = { "*" }
c2s_ports = { 5222 }
c2s_direct_tls_ports = { }
s2s_ports = { }
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
