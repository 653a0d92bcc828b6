//! Echo mode (`mcsec -a`/`--echo`, psql's `-a`): each statement as it was written, before what
//! it printed, so that the output of `mcsec -a -f lesson.sql 2>&1` reads as a transcript.
//!
//! `grant Select on table t1 to user RAM$alice;` echoes as `> grant Select on table t1 to user
//! RAM$alice;` — the statement's text from its first token to the `;`, comments before it left
//! out, a statement over several lines kept over several lines. The line is queued with the
//! results (group commit), so it comes out just before the statement's own output; for a
//! statement that fails it comes out on stdout just before the `FAILED:` line on stderr. Empty
//! statements (`;;`) echo nothing. JSON records carry the statement already, so echo adds
//! nothing to `--format json`.

use super::ScriptStatement;

/// The echo of `stmt`, or `None` for an empty statement.
pub fn line(stmt: &ScriptStatement<'_>) -> Option<String> {
    let text = stmt.text.trim();
    (!text.is_empty()).then(|| format!("> {text};\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_echo_with_their_semicolon_and_empty_ones_not_at_all() {
        let stmt = |text| ScriptStatement {
            text,
            file: "f",
            line: 1,
            col: 1,
            index: 1,
        };
        assert_eq!(
            line(&stmt("list users")).as_deref(),
            Some("> list users;\n")
        );
        assert_eq!(
            line(&stmt("grant Select\n  on table t to user RAM$a")).as_deref(),
            Some("> grant Select\n  on table t to user RAM$a;\n")
        );
        assert_eq!(line(&stmt("")), None);
    }
}
