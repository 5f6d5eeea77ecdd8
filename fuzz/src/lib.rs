//! Shared code of the fuzz targets (see README.md).

pub mod core;
pub mod frames;
pub mod wire;
pub mod xso;
