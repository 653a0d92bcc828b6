//! Text layouts of the management statements, as odpscmd prints them (reference §1.3, §2.1,
//! §3.3, §6.3, §7.3): `+---+` tables, `Authorization Type:` blocks with an 8-wide flag column,
//! and `yyyy-MM-ddTHH:mm:ss+0000` times.
//!
//! `show grants for RAM$owner:bob;` collects its rows as [`GrantBlock`]s (one per authorization
//! type, each with `[user/...]`/`[role/...]` subjects) and [`grant_blocks`] turns them into the
//! text; the same rows serialise to the JSON result.

use serde::Serialize;

/// `2026-01-02T03:04:05+0000` (UTC), the layout every time in the reference uses.
pub fn format_time(unix: i64) -> String {
    let fmt =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]+0000");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// One column of a `+---+` table: its header and the width the reference's sample gives it
/// (cells are padded to at least this and at most their longest value).
pub struct Column<'a> {
    pub header: &'a str,
    pub min_width: usize,
}

pub fn col(header: &str) -> Column<'_> {
    Column {
        header,
        min_width: 0,
    }
}

/// A `+---+` table as in `describe package` and `show label grants`: every data row is
/// followed by a separator line.
pub fn table(columns: &[Column<'_>], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let longest = rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|v| v.chars().count())
                .max()
                .unwrap_or(0);
            c.header.chars().count().max(c.min_width).max(longest)
        })
        .collect();
    let separator: String = {
        let mut s = String::from("+");
        for w in &widths {
            s.push_str(&"-".repeat(w + 2));
            s.push('+');
        }
        s
    };
    let line = |cells: Vec<&str>| -> String {
        let mut s = String::from("|");
        for (cell, w) in cells.iter().zip(&widths) {
            let pad = w - cell.chars().count().min(*w);
            s.push(' ');
            s.push_str(cell);
            s.push_str(&" ".repeat(pad + 1));
            s.push('|');
        }
        s
    };
    let mut out = vec![
        separator.clone(),
        line(columns.iter().map(|c| c.header).collect()),
        separator.clone(),
    ];
    for r in rows {
        out.push(line(r.iter().map(String::as_str).collect()));
        out.push(separator.clone());
    }
    out.join("\n")
}

/// One row of an `Authorization Type:` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantRow {
    /// `A`, `D`, `AC`, `AG`, ...
    pub flags: String,
    /// `project_owner/ALIYUN$x`, `user/RAM$x:y`, `role/r` — only in `show acl`, where the
    /// resource is then written in parentheses after it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grantee: Option<String>,
    pub resource: String,
    pub actions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<String>,
}

impl GrantRow {
    pub fn text(&self) -> String {
        let mut s = format!("{:<8}", self.flags);
        match &self.grantee {
            Some(g) if self.resource.is_empty() => s.push_str(g),
            Some(g) => s.push_str(&format!("{g}({})", self.resource)),
            None => s.push_str(&self.resource),
        }
        s.push_str(": ");
        s.push_str(&self.actions.join(" | "));
        if let Some(c) = &self.conditions {
            s.push_str(&format!("\tConditions:{c}"));
        }
        if let Some(e) = &self.expires {
            s.push_str(&format!("\tExpires:{e}"));
        }
        s
    }
}

/// The rows of one subject (`[role/worker]`) inside a block; `subject` is `None` where the
/// layout has no subject line (`describe role`, `show acl`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantGroup {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub rows: Vec<GrantRow>,
}

/// `Authorization Type: <kind>` and its groups.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GrantBlock {
    pub kind: String,
    pub groups: Vec<GrantGroup>,
}

impl GrantBlock {
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.rows.is_empty())
    }

    pub fn text(&self) -> String {
        let mut lines = vec![format!("Authorization Type: {}", self.kind)];
        for g in self.groups.iter().filter(|g| !g.rows.is_empty()) {
            if let Some(s) = &g.subject {
                lines.push(format!("[{s}]"));
            }
            lines.extend(g.rows.iter().map(GrantRow::text));
        }
        lines.join("\n")
    }
}

/// Non-empty blocks separated by one blank line.
pub fn grant_blocks(blocks: &[GrantBlock]) -> String {
    blocks
        .iter()
        .filter(|b| !b.is_empty())
        .map(GrantBlock::text)
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Sections joined by a blank line, skipping empty ones.
pub fn sections(parts: Vec<String>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// One name per line, or `OK` for an empty list (odpscmd prints `OK` for an empty result).
pub fn lines_or_ok(items: &[String]) -> String {
    if items.is_empty() {
        "OK".into()
    } else {
        items.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_is_utc_with_compact_offset() {
        assert_eq!(format_time(1_641_728_607), "2022-01-09T11:43:27+0000");
    }

    #[test]
    fn table_pads_to_min_width_and_separates_rows() {
        let t = table(
            &[
                Column {
                    header: "ProjectName",
                    min_width: 15,
                },
                Column {
                    header: "UserLabel",
                    min_width: 9,
                },
            ],
            &[vec!["test_project_b".into(), "0".into()]],
        );
        assert_eq!(
            t,
            "+-----------------+-----------+\n| ProjectName     | UserLabel |\n+-----------------+-----------+\n| test_project_b  | 0         |\n+-----------------+-----------+"
        );
    }

    #[test]
    fn grant_row_flag_column_is_eight_wide() {
        let r = GrantRow {
            flags: "A".into(),
            grantee: None,
            resource: "projects/p/tables/t".into(),
            actions: vec!["Download".into(), "Select".into()],
            expires: Some("2026-01-01T00:00:00+0000".into()),
            conditions: None,
        };
        assert_eq!(
            r.text(),
            "A       projects/p/tables/t: Download | Select\tExpires:2026-01-01T00:00:00+0000"
        );
    }
}
