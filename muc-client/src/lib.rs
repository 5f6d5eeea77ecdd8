//! muc-client (work in progress).
