//! Arbitrary bytes → XML → every muc-xso payload type and the
//! xmpp-parsers stanzas carrying them. Whatever decodes must encode and
//! decode again to the same value (through the element tree and through
//! serialized text), and nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    muc_fuzz::xso::check(data);
});
