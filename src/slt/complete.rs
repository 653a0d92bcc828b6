//! `mcsec test --complete`: run a file and write what its records did back into it, in place.
//!
//! Take a lesson whose record reads `statement error` / `select * from prj1.t1;` with nothing
//! under it. [`complete`] runs the file's records in a sandbox as `mcsec test` does, but asks the
//! runner only for each record's output ([`super::apply`]); [`completed`] decides the record's
//! new form — here the exact message under `----` (`statement error` with the message as two
//! blank-line-ended lines, sqllogictest's multi-line form). Only the lines of a record whose form
//! changed are replaced, by the crate's own printing of the record; every comment, blank line,
//! `connection` and condition line, and every record that already says what happens, keeps its
//! bytes. Records of included files run but are not rewritten; after `halt` nothing runs.
//!
//! The rules: a `statement ok` that fails, or a `statement error` whose expectation is empty or
//! does not match, gets the exact message under `----`; a `statement error` that succeeds
//! becomes `statement ok`; a `query` gets the rows it returned (kept when they already match,
//! sort mode and label kept; its type letters kept when they match, else the actual ones), or
//! the error form when it failed; a `query` that succeeded with nothing to show becomes
//! `statement ok`.

use super::db::{columns_match, Column};
use super::{aim, apply, refused, runner, sandbox, Failure, Records};
use crate::exec::Files;
use sqllogictest::{
    default_normalizer, default_validator, ExpectedError, QueryExpect, Record, RecordOutput,
    StatementExpect,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The completed text of `text` (named `name`, parsed into `records`).
pub fn complete(
    text: &str,
    name: &str,
    records: Records,
    files: Arc<dyn Files>,
) -> Result<String, Failure> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let shared = sandbox(files, name);
    let mut runner = runner(&shared);
    // Header line (1-based) of each top-level record to replace → its new text.
    let mut replacements: BTreeMap<u32, Record<Column>> = BTreeMap::new();
    for record in records {
        if matches!(record, Record::Halt { .. }) {
            break;
        }
        if let Some(failure) = refused(&record) {
            return Err(failure);
        }
        aim(&shared, &record);
        let top_level = record_line(&record, name);
        let output = apply(&mut runner, record.clone());
        let Some(line) = top_level else { continue };
        let span = span(&lines, line);
        let forced = matches!(record, Record::Query { .. }) && !span.has_delimiter;
        let updated = match completed(&record, &output) {
            Some(updated) => Some(updated),
            None if forced => Some(record),
            None => None,
        };
        if let Some(updated) = updated {
            replacements.insert(line, updated);
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut index = 0;
    while index < lines.len() {
        let line = index as u32 + 1;
        match replacements.get(&line) {
            Some(record) => {
                let span = span(&lines, line);
                let mut printed = format!("{record}\n");
                if span.end == lines.len() && !span.terminated {
                    // The record ended the file without its blank line: keep it that way.
                    printed = format!("{}\n", printed.trim_end_matches('\n'));
                }
                out.push_str(&printed);
                index = span.end;
            }
            None => {
                out.push_str(lines[index]);
                index += 1;
            }
        }
    }
    Ok(out)
}

/// The header line of a statement or query record of the file `name` itself.
fn record_line(record: &Record<Column>, name: &str) -> Option<u32> {
    match record {
        Record::Statement { loc, .. } | Record::Query { loc, .. } if loc.file() == name => {
            Some(loc.line())
        }
        _ => None,
    }
}

/// The lines a record takes: `[header, end)` as 0-based indexes into the file's lines.
struct Span {
    end: usize,
    has_delimiter: bool,
    /// It ended with its blank line(s) rather than at the end of the file.
    terminated: bool,
}

fn content(line: &str) -> &str {
    line.trim_end_matches('\n').trim_end_matches('\r')
}

/// Mirrors the crate's parser: the SQL runs to a blank line or `----`; a query's results to a
/// blank line; a multi-line error to two blank lines.
fn span(lines: &[&str], header: u32) -> Span {
    let n = lines.len();
    let start = header as usize - 1;
    let is_query = content(lines[start]).starts_with("query")
        && !content(lines[start]).starts_with("query error");
    let mut i = start + 2; // the header and the first SQL line
    let mut has_delimiter = false;
    let mut terminated = false;
    while i < n {
        let line = content(lines[i]);
        i += 1;
        if line.is_empty() {
            terminated = true;
            break;
        }
        if line == "----" {
            has_delimiter = true;
            break;
        }
    }
    if has_delimiter {
        if is_query {
            while i < n {
                let line = content(lines[i]);
                i += 1;
                if line.is_empty() {
                    terminated = true;
                    break;
                }
            }
        } else {
            while i < n {
                let line = content(lines[i]);
                i += 1;
                if line.is_empty() && (i >= n || content(lines[i]).is_empty()) {
                    terminated = true;
                    i = (i + 1).min(n);
                    break;
                }
            }
        }
    }
    Span {
        end: i.min(n),
        has_delimiter,
        terminated,
    }
}

fn error_matches(expected: &ExpectedError, actual: &str) -> bool {
    match expected {
        ExpectedError::Empty | ExpectedError::SqlState(_) => false,
        other => other.is_match(actual, None),
    }
}

fn exact(actual: &str) -> ExpectedError {
    ExpectedError::Multiline(actual.trim().to_string())
}

/// The record as it should read given what it did; `None` when it already says so.
pub fn completed(record: &Record<Column>, output: &RecordOutput<Column>) -> Option<Record<Column>> {
    let error = match output {
        RecordOutput::Statement { error, .. } | RecordOutput::Query { error, .. } => {
            error.as_ref().map(|e| e.to_string())
        }
        _ => return None,
    };
    let updated = match (record.clone(), output, error) {
        (
            Record::Statement {
                loc,
                conditions,
                connection,
                sql,
                expected,
                retry,
            },
            _,
            error,
        ) => {
            let expected = match (expected, error) {
                (StatementExpect::Error(_), None) => StatementExpect::Ok,
                (StatementExpect::Error(e), Some(actual)) if error_matches(&e, &actual) => {
                    StatementExpect::Error(e)
                }
                (_, Some(actual)) => StatementExpect::Error(exact(&actual)),
                (other, None) => other,
            };
            Record::Statement {
                loc,
                conditions,
                connection,
                sql,
                expected,
                retry,
            }
        }
        (
            Record::Query {
                loc,
                conditions,
                connection,
                sql,
                expected,
                retry,
            },
            output,
            error,
        ) => {
            let expected = match (expected, error, output) {
                (QueryExpect::Error(e), Some(actual), _) if error_matches(&e, &actual) => {
                    QueryExpect::Error(e)
                }
                (_, Some(actual), _) => QueryExpect::Error(exact(&actual)),
                (_, None, RecordOutput::Statement { .. }) => {
                    return Some(Record::Statement {
                        loc,
                        conditions,
                        connection,
                        sql,
                        expected: StatementExpect::Ok,
                        retry,
                    })
                }
                (expected, None, RecordOutput::Query { types, rows, .. }) => {
                    let actual_results: Vec<String> = rows.iter().map(|r| r.join(" ")).collect();
                    match expected {
                        QueryExpect::Results {
                            types: expected_types,
                            sort_mode,
                            result_mode,
                            label,
                            results,
                        } => QueryExpect::Results {
                            types: if columns_match(types, &expected_types) {
                                expected_types
                            } else {
                                types.clone()
                            },
                            sort_mode,
                            result_mode,
                            label,
                            results: if default_validator(default_normalizer, rows, &results) {
                                results
                            } else {
                                actual_results
                            },
                        },
                        QueryExpect::Error(_) => QueryExpect::Results {
                            types: types.clone(),
                            sort_mode: None,
                            result_mode: None,
                            label: None,
                            results: actual_results,
                        },
                    }
                }
                (expected, None, _) => expected,
            };
            Record::Query {
                loc,
                conditions,
                connection,
                sql,
                expected,
                retry,
            }
        }
        _ => return None,
    };
    (&updated != record).then_some(updated)
}

#[cfg(test)]
mod tests {
    use super::super::files::MemoryFiles;
    use super::super::load;
    use super::*;

    fn complete_text(text: &str) -> String {
        let records = load(text, "t.slt", None).unwrap();
        complete(text, "t.slt", records, Arc::new(MemoryFiles::default())).unwrap()
    }

    #[test]
    fn missing_results_and_messages_are_filled_in_and_the_rest_kept() {
        let text = "# a comment\nstatement ok\ncreate project prj1;\n\nquery T\nlist projects;\n\nstatement error\nuse nope;\n";
        assert_eq!(
            complete_text(text),
            "# a comment\nstatement ok\ncreate project prj1;\n\nquery T\nlist projects;\n----\nprj1\n\nstatement error\nuse nope;\n----\nODPS-0420111: Project not found - 'nope'.\n"
        );
        let done = complete_text(text);
        assert_eq!(complete_text(&done), done);
    }

    #[test]
    fn wrong_expectations_are_replaced() {
        let text = "statement error\ncreate project prj1;\n\nstatement ok\ncreate project prj1;\n\nquery T rowsort\nlist projects;\n----\nzz\n";
        assert_eq!(
            complete_text(text),
            "statement ok\ncreate project prj1;\n\nstatement error\ncreate project prj1;\n----\nODPS-0420095: Access Denied - Project prj1 already exists.\n\n\nquery T rowsort\nlist projects;\n----\nprj1\n"
        );
    }
}
