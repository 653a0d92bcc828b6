//! Group commit: a result is printed only once the statement that produced it is durable.
//!
//! A statement that succeeds is applied to the catalog at once but written to disk only by
//! [`Session::flush`](crate::exec::Session::flush). With [`Commit::Group`], the text of each
//! result is queued in `Pending` instead of printed; when the group is full, before a failure
//! is reported and at the end of the input, `Pending::release` flushes the catalog and only
//! then prints the queue, so an `OK` on screen is never a statement a crash could lose, while a
//! script pays one flush per group instead of one per statement. If the flush fails, the queue
//! is dropped unprinted: those statements are not known to be durable. [`Commit::EveryStatement`]
//! releases after every statement, for a person waiting on each answer.

use super::Executor;
use crate::error::Error;
use std::io::Write;

/// How many executed statements a batch run lets wait for one flush (and their results for
/// printing).
pub const GROUP_COMMIT_STATEMENTS: usize = 2000;

/// When results are made durable and printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Flush and print after every statement.
    EveryStatement,
    /// Flush and print once this many executed statements are waiting (client commands' output
    /// waits with them but does not count), before a failure, and at the end.
    Group(usize),
}

/// Results waiting for the flush that makes their statements durable.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    queued: String,
    /// Executed statements among the queued results: a flush is owed only for these.
    statements: usize,
}

impl Pending {
    pub(crate) fn push(&mut self, text: &str, executed: bool) {
        self.queued.push_str(text);
        self.statements += usize::from(executed);
    }

    /// Whether the policy wants the queue released now.
    pub(crate) fn due(&self, commit: Commit) -> bool {
        match commit {
            Commit::EveryStatement => true,
            Commit::Group(size) => self.statements >= size,
        }
    }

    /// Flushes the catalog when a statement ran since the last flush, then prints what was
    /// queued. On a flush failure nothing queued is printed, and the queue is dropped.
    pub(crate) fn release(
        &mut self,
        session: &(impl Executor + ?Sized),
        stdout: &mut dyn Write,
    ) -> Result<(), Error> {
        if self.statements > 0 {
            self.statements = 0;
            if let Err(error) = session.flush() {
                self.queued.clear();
                return Err(error);
            }
        }
        let text = std::mem::take(&mut self.queued);
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| Error::Io(format!("cannot write results: {e}")))
    }
}
