//! The batch runner (`-e`, `-f`, piped stdin). Owned by issue 6.
