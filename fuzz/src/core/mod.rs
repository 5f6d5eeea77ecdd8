//! The `core_sequence` target: a Router with one joined room, fed a
//! sequence of steps, with the room invariants checked after each.
//!
//! Two input forms:
//!
//! * **Text** (the input starts with `<` or `!`): one step per line, as
//!   the seeds in `corpus/core_sequence/` write the real server captures.
//!   A line is a stanza (the `jabber:client` namespace is added when
//!   missing) or a directive: `!own JID ROOM NICK` (first line only),
//!   `!lost`, `!up`, `!tick SECONDS`. libFuzzer mutates these into broken
//!   variants of real traffic.
//! * **Structured** (anything else): `arbitrary` reads a [`Script`] from the
//!   bytes: presences, messages and IQs built from a small grammar (random
//!   nicks, status codes, items, types, errors, subjects, bodies, delays,
//!   ids echoing ours), real captured stanzas, stream loss and return,
//!   clock steps and user actions.
//!
//! | file | what |
//! |---|---|
//! | [`driver`] | the [`Driver`]: a router with one room, a virtual clock, what it sent |
//! | [`invariants`] | the room invariants checked after every step |
//! | [`replay`] | text inputs: replaying captured conversations line by line; the captured stanzas |
//! | [`grammar`] | the [`Script`] of structured inputs and the choices it is made of |
//! | [`stanzas`] | the stanzas built from the grammar; parsing a stanza line |
//! | [`script`] | running a [`Script`]: its steps and user actions |

use arbitrary::{Arbitrary, Unstructured};

pub mod driver;
pub mod grammar;
pub mod invariants;
pub mod replay;
pub mod script;
pub mod stanzas;

pub use driver::Driver;
pub use grammar::Script;
pub use replay::CAPTURES;
pub use stanzas::{esc, parse_stanza};

/// The room, our JID and nick in structured inputs.
pub const ROOM: &str = "room1@conference.localhost";
/// Our JID.
pub const OWN: &str = "alice@localhost/res-a";
/// Our nick.
pub const NICK: &str = "Alice";

/// Runs one input.
pub fn run(data: &[u8]) {
    match data.first() {
        Some(b'<' | b'!') => replay::run_text(data),
        _ => {
            if let Ok(script) = Script::arbitrary_take_rest(Unstructured::new(data)) {
                script::run_script(script);
            }
        }
    }
}
