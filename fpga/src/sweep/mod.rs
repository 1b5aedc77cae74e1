//! Sweep outputs: the reports of many flow runs side by side, as
//! `sweep.csv`, `sweep.json`, `sweep.md` and two SVG plots (area against
//! throughput with the Pareto front, Fmax against size).

use serde::{Deserialize, Serialize};

use crate::report::Report;

mod axes;
mod columns;
mod marker;
mod output;
mod pareto;
mod plot;
mod table;

#[cfg(test)]
mod test_points;

pub use output::{SweepOutputError, write_sweep};
pub use pareto::pareto_front;
pub use plot::{ErrorAreaPoint, error_area_front, error_vs_area};
pub use table::{csv_table, markdown_table};

/// One point of a sweep: a label (e.g. "mac-gemv k=64 n=1 w=int4 @ ecp5-25k") and its flow report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// What the point is, for people; shown in the table's first column.
    pub label: String,
    /// The flow report of this point.
    pub report: Report,
}
