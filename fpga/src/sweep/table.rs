//! The sweep as a table: Markdown for people, CSV for programs, and the
//! `sweep.md` document around the Markdown table.

use std::collections::BTreeSet;

use super::SweepPoint;
use super::columns::{COLUMNS, Cell, row};
use super::pareto::pareto_front;

/// Markdown table: one row per point, columns: point, kind, target, M, N, K, A, W (format+bits), LUT4-eq, logic cells (iCE40), DSP (any cell type containing MULT or MAC16 or DSP), FF, Fmax MHz, MACs/cycle, GOPS, GOPS/kLUT4, Pareto (✓ when on the front). Numbers formatted sensibly (Fmax 1 decimal, GOPS 2 decimals); missing values "—".
///
/// FF counts the core's flip-flop cells (`SB_DFF*`, `TRELLIS_FF`, `$_DFF*`,
/// Xilinx `FD*E`). A `|` in a text cell is escaped and a line break becomes
/// a space, so every row has the same number of cells.
pub fn markdown_table(points: &[SweepPoint]) -> String {
    let mut md = String::new();
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.markdown).collect();
    md.push_str(&markdown_line(&headers));
    let rules: Vec<&str> = COLUMNS
        .iter()
        .map(|c| if c.numeric { "---:" } else { "---" })
        .collect();
    md.push_str(&markdown_line(&rules));
    for cells in rows(points) {
        let texts: Vec<String> = cells.iter().map(markdown_cell).collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        md.push_str(&markdown_line(&refs));
    }
    md
}

/// CSV with the same columns (machine-readable: plain numbers, empty for missing), header row first.
///
/// Headers are snake_case (`label`, `kind`, …, `gops_per_klut4`, `pareto`);
/// numbers are written in full (the shortest form that reads back exactly),
/// `pareto` is `true` or `false`. Fields holding a comma, a quote or a line
/// break are quoted as RFC 4180 says; lines end with `\n`.
pub fn csv_table(points: &[SweepPoint]) -> String {
    let mut csv = String::new();
    let headers: Vec<String> = COLUMNS.iter().map(|c| c.csv.to_string()).collect();
    csv.push_str(&csv_line(&headers));
    for cells in rows(points) {
        let fields: Vec<String> = cells.iter().map(csv_cell).collect();
        csv.push_str(&csv_line(&fields));
    }
    csv
}

/// `sweep.md`: a title, the table, how the Pareto front and the columns are
/// defined, and the two plots.
pub(super) fn markdown_document(title: &str, points: &[SweepPoint], plots: &[&str]) -> String {
    let mut md = format!("# {}\n\n", one_line(title));
    md.push_str(&markdown_table(points));
    md.push_str(
        "\nPareto front (✓): a point is on it when no other point has at most its LUT4-equivalents \
         and at least its GOPS with one of the two strictly better (fewer LUT4-equivalents and more \
         GOPS are better); points without GOPS (synthesis-only targets) are not ranked.\n\n\
         Columns: LUT4-eq is the core's LUT4-equivalents; logic cells are the core's iCE40 logic \
         cells after packing; DSP counts the core's cells whose type contains MULT, MAC16 or DSP; \
         FF counts its flip-flop cells; A and W are the activation and weight formats; \
         GOPS = 2 · MACs/cycle · Fmax; GOPS/kLUT4 is GOPS per 1 000 LUT4-equivalents; \
         — marks a missing value.\n\n",
    );
    for plot in plots {
        md.push_str(&format!("![{plot}]({plot})\n\n"));
    }
    md.pop();
    md
}

fn rows(points: &[SweepPoint]) -> Vec<[Cell; 17]> {
    let front: BTreeSet<usize> = pareto_front(points).into_iter().collect();
    points
        .iter()
        .enumerate()
        .map(|(i, p)| row(p, front.contains(&i)))
        .collect()
}

fn markdown_line(cells: &[&str]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn markdown_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => one_line(s).replace('|', "\\|"),
        Cell::Int(i) => i.to_string(),
        Cell::Float { value, digits } if value.is_finite() => match digits {
            Some(d) => format!("{value:.d$}"),
            None => value.to_string(),
        },
        Cell::Float { .. } | Cell::Missing => "—".to_string(),
        Cell::Flag(true) => "✓".to_string(),
        Cell::Flag(false) => String::new(),
    }
}

fn csv_line(fields: &[String]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| csv_quote(f)).collect();
    format!("{}\n", quoted.join(","))
}

fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Int(i) => i.to_string(),
        Cell::Float { value, .. } if value.is_finite() => value.to_string(),
        Cell::Float { .. } | Cell::Missing => String::new(),
        Cell::Flag(b) => b.to_string(),
    }
}

fn csv_quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::super::test_points::point;
    use super::*;

    fn points() -> Vec<SweepPoint> {
        vec![
            point(
                "mac-gemv k=16, n=4 @ ice40-up5k",
                "mac-gemv",
                "ice40-up5k",
                420.0,
                Some(1.536),
            ),
            point(
                "big | wide \"one\"",
                "mac-gemv",
                "ecp5-25k",
                3000.5,
                Some(6.4),
            ),
            point("synth only", "mac-gemv", "xc7-synth", 900.0, None),
        ]
    }

    /// Splits a Markdown table row into its cells, keeping escaped bars.
    fn markdown_cells(line: &str) -> Vec<String> {
        let inner = line
            .trim()
            .strip_prefix('|')
            .and_then(|l| l.strip_suffix('|'))
            .unwrap_or("");
        let mut cells = vec![String::new()];
        let mut escaped = false;
        for c in inner.chars() {
            match c {
                '|' if !escaped => cells.push(String::new()),
                _ => {
                    if let Some(cell) = cells.last_mut() {
                        cell.push(c);
                    }
                }
            }
            escaped = c == '\\';
        }
        cells.into_iter().map(|c| c.trim().to_string()).collect()
    }

    /// Splits CSV text into records of fields (RFC 4180).
    fn csv_records(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        records
    }

    #[test]
    fn markdown_rows_have_every_column_and_format_numbers() {
        let md = markdown_table(&points());
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 2 + 3);
        for line in &lines {
            assert_eq!(markdown_cells(line).len(), COLUMNS.len(), "{line}");
        }
        let first = markdown_cells(lines[2]);
        assert_eq!(first[0], "mac-gemv k=16, n=4 @ ice40-up5k");
        assert_eq!(&first[3..8], ["1", "4", "16", "8", "int4"]);
        assert_eq!(first[8], "420");
        assert_eq!(first[9], "350");
        assert_eq!((first[10].as_str(), first[11].as_str()), ("2", "128"));
        assert_eq!(first[12], "48.0");
        assert_eq!(first[13], "16");
        assert_eq!(first[14], "1.54");
        assert_eq!(first[16], "✓");
        let second = markdown_cells(lines[3]);
        assert_eq!(second[0], "big \\| wide \"one\"");
        assert_eq!(second[9], "—", "no logic cells off iCE40");
        assert_eq!(second[16], "✓");
        let third = markdown_cells(lines[4]);
        assert_eq!(
            [&third[12], &third[14], &third[15], &third[16]],
            ["—", "—", "—", ""]
        );
    }

    #[test]
    fn csv_quotes_labels_and_leaves_missing_values_empty() {
        let csv = csv_table(&points());
        assert!(csv.starts_with("label,kind,target,m,n,k,act_bits,w,lut4_equiv,"));
        assert!(csv.contains("\"mac-gemv k=16, n=4 @ ice40-up5k\","));
        assert!(csv.contains("\"big | wide \"\"one\"\"\","));
        let records = csv_records(&csv);
        assert_eq!(records.len(), 4);
        for r in &records {
            assert_eq!(r.len(), COLUMNS.len(), "{r:?}");
        }
        assert_eq!(records[1][0], "mac-gemv k=16, n=4 @ ice40-up5k");
        assert_eq!(records[2][0], "big | wide \"one\"");
        assert_eq!(records[2][8], "3000.5");
        assert_eq!(records[1][12], "48");
        assert_eq!(records[1][14], "1.536");
        assert_eq!(records[2][9], "");
        assert_eq!(records[3][12], "");
        assert_eq!(records[3][16], "false");
        assert_eq!(records[1][16], "true");
    }

    #[test]
    fn an_empty_sweep_is_a_header_only() {
        assert_eq!(markdown_table(&[]).lines().count(), 2);
        assert_eq!(csv_table(&[]).lines().count(), 1);
    }
}
