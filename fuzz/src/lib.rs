//! Shared by the fuzz targets: the properties each one checks (see [`checks`]).
pub mod checks;
