//! Command-line options and `odps_config.ini`. Owned by issue 6.
