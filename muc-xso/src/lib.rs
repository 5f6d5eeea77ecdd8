//! muc-xso (work in progress).
