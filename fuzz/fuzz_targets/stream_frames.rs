//! muc-core's stream framer (`wire::StanzaFramer`): the same frames however
//! the stream is read, frames are slices of the input, and what reads a
//! frame afterwards does not panic (see `src/frames.rs`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    muc_fuzz::frames::check(data);
});
