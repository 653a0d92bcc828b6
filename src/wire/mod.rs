//! The wire format both sides of `mcsec serve` speak: request signing as PyODPS does it
//! ([`sign`]) and the XML documents of the REST protocol ([`xml`]). The server (`server`)
//! verifies and answers with them; the client session of `mcsec --server` (`remote`) signs and
//! reads with them, so the two cannot drift apart.

pub mod sign;
pub mod xml;
