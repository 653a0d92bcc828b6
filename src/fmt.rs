//! `mcsec fmt`: parse a script and print each statement in canonical form. Owned by issue 3.
