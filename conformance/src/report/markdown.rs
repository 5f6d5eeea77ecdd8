//! Markdown rendering of a [`Report`].

use std::fmt::Write;

use super::{Report, ServerStatus};

/// A footnote: one distinct (label, text), and where it occurred.
struct Note {
    label: &'static str,
    text: String,
    /// (column index, row index); `None` row = the server's status.
    places: Vec<(usize, Option<usize>)>,
}

#[derive(Default)]
struct Notes(Vec<Note>);

impl Notes {
    /// The 1-based number of the note for (label, text), adding it if new.
    fn cite(&mut self, label: &'static str, text: &str, place: (usize, Option<usize>)) -> usize {
        if let Some(i) = self
            .0
            .iter()
            .position(|n| n.label == label && n.text == text)
        {
            if !self.0[i].places.contains(&place) {
                self.0[i].places.push(place);
            }
            return i + 1;
        }
        self.0.push(Note {
            label,
            text: text.to_owned(),
            places: vec![place],
        });
        self.0.len()
    }
}

/// Table-cell safe: no pipes, no line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub(super) fn render(report: &Report) -> String {
    let mut notes = Notes::default();
    let mut out = String::new();
    let _ = writeln!(out, "# XEP-0045 conformance report\n");

    // The table.
    let _ = write!(out, "| Scenario | § | Title |");
    for c in &report.columns {
        let _ = write!(out, " {} |", c.backend.name());
    }
    let _ = write!(out, "\n| --- | --- | --- |");
    for _ in &report.columns {
        let _ = write!(out, " --- |");
    }
    out.push('\n');
    for (r, row) in report.rows.iter().enumerate() {
        let _ = write!(
            out,
            "| `{}` | {} | {} |",
            cell(&row.id),
            cell(&row.section),
            cell(&row.title)
        );
        for (c, result) in row.cells.iter().enumerate() {
            let outcome = &result.outcome;
            match outcome.detail() {
                Some(text) => {
                    let n = notes.cite(outcome.label(), text, (c, Some(r)));
                    let _ = write!(out, " {} [{n}] |", outcome.label());
                }
                None => {
                    let _ = write!(out, " {} |", outcome.label());
                }
            }
        }
        out.push('\n');
    }
    if report.rows.is_empty() {
        let _ = writeln!(out, "\n(no scenarios selected)");
    }

    // The servers.
    let _ = writeln!(out, "\n## Servers\n\n| Server | Status |\n| --- | --- |");
    for (c, column) in report.columns.iter().enumerate() {
        let status = match &column.status {
            ServerStatus::Ran { startup } => format!("ready in {} ms", startup.as_millis()),
            ServerStatus::Skipped(reason) => {
                format!("skipped [{}]", notes.cite("skipped", reason, (c, None)))
            }
            ServerStatus::FailedToStart(message) => {
                format!(
                    "FAILED to start [{}]",
                    notes.cite("FAIL", message, (c, None))
                )
            }
        };
        let _ = writeln!(out, "| {} | {status} |", column.backend.name());
    }

    // The notes.
    if !notes.0.is_empty() {
        let _ = writeln!(out, "\n## Notes\n");
        for (i, note) in notes.0.iter().enumerate() {
            let _ = write!(
                out,
                "{}. **{}**, {}:",
                i + 1,
                note.label,
                places(report, &note.places)
            );
            if note.text.contains('\n') {
                let body = note.text.replace("```", "'''");
                let _ = writeln!(out, "\n");
                let _ = writeln!(out, "   ```text");
                for line in body.lines() {
                    let _ = writeln!(out, "   {line}");
                }
                let _ = writeln!(out, "   ```");
            } else {
                let _ = writeln!(out, " {}", note.text);
            }
        }
    }

    let _ = write!(out, "\n{}\n", report.summary_line());
    out
}

/// "prosody: `a.b`, `c.d`; ejabberd (all 80 scenarios)".
fn places(report: &Report, places: &[(usize, Option<usize>)]) -> String {
    const MAX_LISTED: usize = 6;
    let mut parts = Vec::new();
    for (c, column) in report.columns.iter().enumerate() {
        let rows: Vec<usize> = places
            .iter()
            .filter(|(pc, _)| *pc == c)
            .filter_map(|(_, r)| *r)
            .collect();
        let status_only = places.contains(&(c, None));
        let name = column.backend.name();
        if rows.is_empty() {
            if status_only {
                parts.push(name.to_owned());
            }
            continue;
        }
        if rows.len() == report.rows.len() && rows.len() > 1 {
            parts.push(format!("{name} (all {} scenarios)", rows.len()));
            continue;
        }
        let mut ids: Vec<String> = rows
            .iter()
            .take(MAX_LISTED)
            .map(|&r| format!("`{}`", report.rows[r].id))
            .collect();
        if rows.len() > MAX_LISTED {
            ids.push(format!("and {} more", rows.len() - MAX_LISTED));
        }
        parts.push(format!("{name}: {}", ids.join(", ")));
    }
    parts.join("; ")
}
