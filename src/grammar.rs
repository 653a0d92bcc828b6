//! The EBNF in `grammar/mcsec.ebnf`, embedded so that `help <keyword>` prints the same text the
//! grammar file holds. Owned by issue 3.
