//! muc-core (work in progress).
