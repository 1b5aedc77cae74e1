//! Plot axes: the value ranges, the choice between a linear and a log x
//! axis, the ticks of a log axis and the tick labels.

use std::ops::Range;

/// The x axis goes logarithmic when its values span more than this factor.
const LOG_SPAN: f64 = 20.0;

/// The x axis: linear, or logarithmic when the values span more than [`LOG_SPAN`].
pub(super) enum XAxis {
    /// Evenly spaced values over the range.
    Linear(Range<f64>),
    /// Evenly spaced powers over the range (both ends positive).
    Log(Range<f64>),
}

/// The x axis for values `xs`, with a margin around them.
pub(super) fn x_axis(xs: &[f64]) -> XAxis {
    match min_max(xs) {
        Some((lo, hi)) if lo > 0.0 && hi / lo > LOG_SPAN => {
            XAxis::Log(checked(lo / 1.5..hi * 1.5, 1.0..10.0))
        }
        Some((lo, hi)) => {
            let pad = if hi > lo {
                (hi - lo) * 0.08
            } else {
                (hi.abs() * 0.1).max(1.0)
            };
            let start = if lo >= 0.0 {
                (lo - pad).max(0.0)
            } else {
                lo - pad
            };
            XAxis::Linear(checked(start..hi + pad, 0.0..1.0))
        }
        None => XAxis::Linear(0.0..1.0),
    }
}

/// A y range from zero (or below, for negative values) to a little above the top value.
pub(super) fn y_range(ys: &[f64]) -> Range<f64> {
    let (lo, hi) = min_max(ys).unwrap_or((0.0, 0.0));
    let top = if hi > 0.0 { hi * 1.1 } else { 1.0 };
    let bottom = if lo < 0.0 { lo * 1.1 } else { 0.0 };
    checked(bottom..top, 0.0..1.0)
}

/// `range` when both ends are finite and it is not empty, else `fallback`.
fn checked(range: Range<f64>, fallback: Range<f64>) -> Range<f64> {
    if range.start.is_finite() && range.end.is_finite() && range.start < range.end {
        range
    } else {
        fallback
    }
}

fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let lo = values.iter().copied().reduce(f64::min)?;
    let hi = values.iter().copied().reduce(f64::max)?;
    Some((lo, hi))
}

/// Ticks of a log axis over `range` (both ends positive): labelled ones at
/// 1, 2 and 5 times each power of ten (only the powers when the range spans
/// more than four decades) and grid lines at every integer times them.
pub(super) fn log_ticks(range: &Range<f64>) -> (Vec<f64>, Vec<f64>) {
    let (first, last) = (
        range.start.log10().floor() as i32,
        range.end.log10().ceil() as i32,
    );
    let labelled: &[f64] = if last - first > 4 {
        &[1.0]
    } else {
        &[1.0, 2.0, 5.0]
    };
    let inside = |v: &f64| range.contains(v);
    let decades = || (first..=last).map(|e| 10f64.powi(e));
    let bold = decades()
        .flat_map(|d| labelled.iter().map(move |m| m * d))
        .filter(inside)
        .collect();
    let light = decades()
        .flat_map(|d| (1..10).map(move |m| f64::from(m) * d))
        .filter(inside)
        .collect();
    (bold, light)
}

/// A tick label: at most three decimals, trailing zeros dropped.
pub(super) fn tick(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_span_gives_a_log_axis_and_a_narrow_one_a_linear_axis() {
        assert!(matches!(x_axis(&[10.0, 5000.0]), XAxis::Log(_)));
        assert!(matches!(x_axis(&[100.0, 1500.0]), XAxis::Linear(_)));
        assert!(matches!(x_axis(&[0.0, 1500.0]), XAxis::Linear(_)));
        match x_axis(&[300.0]) {
            XAxis::Linear(r) => assert!(r.start < 300.0 && r.end > 300.0),
            XAxis::Log(_) => panic!("one value gave a log axis"),
        }
    }

    #[test]
    fn log_ticks_are_one_two_five_inside_the_range() {
        let (bold, light) = log_ticks(&(280.0..21000.0));
        assert_eq!(bold, [500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0]);
        assert_eq!(light.first(), Some(&300.0));
        assert_eq!(light.last(), Some(&20000.0));
        let (bold, _) = log_ticks(&(0.5..2.0e6));
        assert_eq!(
            bold,
            [1.0, 10.0, 100.0, 1000.0, 10000.0, 100000.0, 1000000.0]
        );
    }

    #[test]
    fn ticks_drop_trailing_zeros() {
        assert_eq!(tick(1000.0), "1000");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(-0.0001), "0");
    }
}
