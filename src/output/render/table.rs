//! The tables people read (the summary, the analyst reports): drawn with box
//! characters for a terminal, plain Markdown-style for a pipe or a cron mail;
//! and the cell formats they share.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};

use crate::support::num::Cents;

/// An empty table, drawn or `plain`.
pub fn table(plain: bool) -> Table {
    let mut t = Table::new();
    if plain {
        t.load_style(presets::ASCII_MARKDOWN);
        t.force_no_tty();
        t.set_content_arrangement(ContentArrangement::Disabled);
    } else {
        t.load_style(presets::UTF8_FULL_CONDENSED);
        // Wrap to the terminal only when its width is known and usable.
        let usable = t.width().is_some_and(|w| w >= 40);
        t.set_content_arrangement(if usable { ContentArrangement::Dynamic } else { ContentArrangement::Disabled });
    }
    t
}

/// A cell of text that may come from an export or a rules file: control
/// and invisible characters escaped (`\u{1b}`, `\n`), so that a cell can
/// neither steer the terminal nor break the table's lines.
pub fn text(s: impl AsRef<str>) -> Cell {
    Cell::new(crate::error::printable(s.as_ref()))
}

/// A right-aligned cell (numbers).
pub fn right(s: impl ToString) -> Cell {
    Cell::new(s.to_string()).set_alignment(CellAlignment::Right)
}

/// A figure to hundredths, written as scores are (`12`, `12.5`, `-3.25`).
pub fn num(v: f64) -> String {
    Cents((v * 100.0).round() as i64).to_string()
}

/// A rate as a percentage with one decimal, `-` when there is none.
pub fn pct(r: Option<f64>) -> String {
    r.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0))
}

/// Appends a table to a report, with a blank line before it.
pub fn push_table(out: &mut String, t: &Table) {
    out.push('\n');
    out.push_str(&t.to_string());
    out.push('\n');
}
