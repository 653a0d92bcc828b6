#![no_main]
//! See `mcsec_fuzz::checks::http_request` for what this target checks.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| mcsec_fuzz::checks::http_request(data));
