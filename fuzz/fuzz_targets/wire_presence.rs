//! muc-core's fast presence decoder (`wire::PresenceDecoder`) against the
//! general path, on arbitrary bytes: when the fast path accepts a stanza,
//! the general path must give the same `IncomingPresence`; neither may
//! panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    muc_fuzz::wire::check(data);
});
