//! Stanza ids: unique without a clock or a random source of the core's own.

/// Makes ids from a seed the caller chooses (random in production, fixed in
/// tests) and a counter, so runs are reproducible.
#[derive(Debug, Clone)]
pub(crate) struct IdGenerator {
    prefix: String,
    next: u64,
}

impl IdGenerator {
    pub(crate) fn new(seed: u64) -> IdGenerator {
        IdGenerator {
            prefix: format!("muc{seed:016x}"),
            next: 0,
        }
    }

    /// A new id, e.g. `muc00000000000000ff-17`.
    pub(crate) fn next(&mut self) -> String {
        self.next += 1;
        format!("{}-{}", self.prefix, self.next)
    }
}
