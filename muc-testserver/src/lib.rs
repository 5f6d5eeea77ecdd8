//! muc-testserver (work in progress).
