//! A Router with one joined room fed an arbitrary sequence of stanzas,
//! stream changes, clock steps and user actions. After every step the
//! room invariants must hold, and nothing may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    muc_fuzz::core::run(data);
});
