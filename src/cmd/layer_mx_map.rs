//! `lutforge report error-area`: the accuracy-against-area map of
//! docs/results.md (issue 14) as an SVG, drawn from a CSV of points (one
//! per format pair) with `lutforge_fpga::sweep::error_vs_area`, the Pareto
//! front of area and error (both lower is better) ringed and joined, and
//! the same points printed as a table with the front marked.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use lutforge_fpga::sweep::{ErrorAreaPoint, error_area_front, error_vs_area};

/// Arguments of `lutforge report error-area`.
#[derive(Debug, Args)]
pub struct ErrorAreaArgs {
    /// CSV of the points: a header row naming the columns, then one row a point (no quoted commas)
    #[arg(long, value_name = "FILE")]
    pub csv: PathBuf,
    /// Column holding each point's name
    #[arg(long, default_value = "label", value_name = "COLUMN")]
    pub label: String,
    /// Column holding the area (x axis); a point whose cell is not a number is left out
    #[arg(long, value_name = "COLUMN")]
    pub area: String,
    /// Column holding the error (y axis)
    #[arg(long, default_value = "error", value_name = "COLUMN")]
    pub error: String,
    /// Name of the x axis [default: the area column's name]
    #[arg(long, value_name = "TEXT")]
    pub x_desc: Option<String>,
    /// Title above the plot
    #[arg(long, default_value = "", value_name = "TEXT")]
    pub title: String,
    /// The SVG to write
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// The points of `text` (CSV), areas from column `area`, and the labels of those left out.
fn read_points(text: &str, a: &ErrorAreaArgs, file: &Path) -> Result<Vec<ErrorAreaPoint>> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let head: Vec<&str> = lines
        .next()
        .with_context(|| {
            format!(
                "`{}` is empty; give a header row and points",
                file.display()
            )
        })?
        .split(',')
        .map(str::trim)
        .collect();
    let column = |name: &str| {
        head.iter().position(|&h| h == name).with_context(|| {
            format!(
                "`{}` has no column `{name}` (its columns: {}); name one of them",
                file.display(),
                head.join(", ")
            )
        })
    };
    let (l, x, y) = (column(&a.label)?, column(&a.area)?, column(&a.error)?);
    let mut points = Vec::new();
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != head.len() {
            bail!(
                "`{}` row {} has {} cells, the header {}; give every row the header's columns",
                file.display(),
                i + 2,
                cells.len(),
                head.len()
            );
        }
        let error: f64 = cells[y].parse().map_err(|_| {
            anyhow::anyhow!(
                "`{}` row {}: error `{}` is not a number; give every point its error",
                file.display(),
                i + 2,
                cells[y]
            )
        })?;
        points.push(ErrorAreaPoint {
            label: cells[l].to_string(),
            area: cells[x].parse().unwrap_or(f64::NAN),
            error,
        });
    }
    if points.is_empty() {
        bail!("`{}` holds no points; give one row a point", file.display());
    }
    Ok(points)
}

/// `lutforge report error-area`.
pub fn run(a: &ErrorAreaArgs) -> Result<()> {
    let text = std::fs::read_to_string(&a.csv)
        .with_context(|| format!("cannot read `{}`", a.csv.display()))?;
    let points = read_points(&text, a, &a.csv)?;
    let front = error_area_front(&points);
    let x_desc = a.x_desc.clone().unwrap_or_else(|| a.area.clone());
    let svg = error_vs_area(
        &a.title,
        &x_desc,
        "error against float: ‖Δ‖/‖y‖",
        &points,
        &front,
    )
    .map_err(|e| anyhow::anyhow!("cannot draw the plot: {e}"))?;
    let mut table = crate::table::Table::new(&["point", "error", "area", "Pareto front"]);
    for (i, p) in points.iter().enumerate() {
        table.row(vec![
            p.label.clone(),
            format!("{:.4}", p.error),
            if p.area.is_finite() {
                format!("{:.1}", p.area)
            } else {
                "—".into()
            },
            if front.contains(&i) { "yes" } else { "" }.into(),
        ]);
    }
    print!("{}", table.render());
    let (dir, name) = match (a.out.parent(), a.out.file_name().and_then(|n| n.to_str())) {
        (Some(d), Some(n)) => (
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            },
            n,
        ),
        _ => bail!(
            "--out `{}` is not a file path; give one such as docs/map.svg",
            a.out.display()
        ),
    };
    let path = lutforge_gen::write_atomic(dir, name, &svg)?;
    println!("wrote {}", path.display());
    Ok(())
}
