//! The one stream checker every back end uses: observed results against the
//! golden model's, in order.

use num_bigint::BigInt;

/// Result values the core emitted, in order; each is the M·N out_y elements (already sign-interpreted as i64), plus the cycle it was taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    /// The cycle in which the result was taken (`out_valid` and `out_ready` both 1).
    pub cycle: u64,
    /// The M·N elements of `out_y`, element (m, n) at index m*N+n.
    pub y: Vec<i64>,
}

/// One element that differs from the golden model, or is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Index of the result (run) in the stream.
    pub result: usize,
    /// Index of the element in the result (m*N+n).
    pub element: usize,
    /// The golden value.
    pub expected: BigInt,
    /// The value the core emitted, or None when it emitted none.
    pub got: Option<i64>,
}

/// The outcome of checking one stream (or several, merged).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CheckReport {
    /// Results the golden model expects.
    pub expected_results: usize,
    /// Results the core emitted.
    pub seen_results: usize,
    /// Elements compared value against value.
    pub compared_elements: usize,
    /// Elements that differ or are missing.
    pub mismatches: Vec<Mismatch>,
    /// Violations of the stream protocol: extra results, wrong element counts, results out of cycle order.
    pub protocol_errors: Vec<String>,
}

impl CheckReport {
    /// True when there is no mismatch and no protocol error and every expected result was seen.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
            && self.protocol_errors.is_empty()
            && self.seen_results == self.expected_results
    }

    /// One-line summary, e.g. "1200 results, 0 mismatches", or the counts and the first mismatch
    /// and protocol error, with the element as a flat index.
    pub fn summary(&self) -> String {
        self.summary_inner(None)
    }

    /// Like [`CheckReport::summary`], with elements described as (m, n) of a tile with `n_cols` columns,
    /// e.g. "result 17 element (m=0,n=3): expected -512, got 511".
    pub fn summary_with_cols(&self, n_cols: usize) -> String {
        self.summary_inner(Some(n_cols))
    }

    /// Adds another report's counts, mismatches and protocol errors to this one.
    pub fn merge(&mut self, other: CheckReport) {
        self.expected_results += other.expected_results;
        self.seen_results += other.seen_results;
        self.compared_elements += other.compared_elements;
        self.mismatches.extend(other.mismatches);
        self.protocol_errors.extend(other.protocol_errors);
    }

    fn summary_inner(&self, n_cols: Option<usize>) -> String {
        if self.passed() {
            return format!("{} results, 0 mismatches", self.seen_results);
        }
        let mut line = format!(
            "{} of {} results, {} mismatches, {} protocol errors",
            self.seen_results,
            self.expected_results,
            self.mismatches.len(),
            self.protocol_errors.len()
        );
        if let Some(first) = self.mismatches.first() {
            line.push_str("; first: ");
            line.push_str(&describe(first, n_cols));
        }
        if let Some(first) = self.protocol_errors.first() {
            line.push_str("; first protocol error: ");
            line.push_str(first);
        }
        line
    }
}

fn describe(m: &Mismatch, n_cols: Option<usize>) -> String {
    let element = match n_cols {
        Some(n) if n > 0 => format!("(m={},n={})", m.element / n, m.element % n),
        _ => m.element.to_string(),
    };
    let got = m
        .got
        .map_or_else(|| "nothing".to_string(), |g| g.to_string());
    format!(
        "result {} element {element}: expected {}, got {got}",
        m.result, m.expected
    )
}

/// Compare observed results (in order) with the expected ones (one Vec<BigInt> per run); missing results count as mismatches with got=None, extra results are protocol errors ("extra result …"), element counts that differ are errors too.
pub fn check_stream(expected: &[Vec<BigInt>], observed: &[Observed]) -> CheckReport {
    let mut report = CheckReport {
        expected_results: expected.len(),
        seen_results: observed.len(),
        ..CheckReport::default()
    };
    for (i, want) in expected.iter().enumerate() {
        let seen = observed.get(i);
        let got = seen.map_or(&[][..], |o| o.y.as_slice());
        if let Some(o) = seen.filter(|o| o.y.len() != want.len()) {
            report.protocol_errors.push(format!(
                "result {i} at cycle {} has {} elements, expected {}",
                o.cycle,
                o.y.len(),
                want.len()
            ));
        }
        for (e, value) in want.iter().enumerate() {
            let g = got.get(e).copied();
            if let Some(g) = g {
                report.compared_elements += 1;
                if BigInt::from(g) == *value {
                    continue;
                }
            }
            report.mismatches.push(Mismatch {
                result: i,
                element: e,
                expected: value.clone(),
                got: g,
            });
        }
    }
    for (i, o) in observed.iter().enumerate().skip(expected.len()) {
        report.protocol_errors.push(format!(
            "extra result {i} at cycle {}: {}",
            o.cycle,
            preview(&o.y)
        ));
    }
    for (i, pair) in observed.windows(2).enumerate() {
        if pair[1].cycle <= pair[0].cycle {
            report.protocol_errors.push(format!(
                "result {} taken at cycle {}, not after result {i} at cycle {}",
                i + 1,
                pair[1].cycle,
                pair[0].cycle
            ));
        }
    }
    report
}

/// The first few elements of a result, for messages.
fn preview(y: &[i64]) -> String {
    const SHOWN: usize = 8;
    let head: Vec<String> = y.iter().take(SHOWN).map(i64::to_string).collect();
    let more = if y.len() > SHOWN { ", …" } else { "" };
    format!("[{}{more}]", head.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(rows: &[&[i64]]) -> Vec<Vec<BigInt>> {
        rows.iter()
            .map(|r| r.iter().map(|&v| BigInt::from(v)).collect())
            .collect()
    }

    fn obs(cycle: u64, y: &[i64]) -> Observed {
        Observed {
            cycle,
            y: y.to_vec(),
        }
    }

    #[test]
    fn matching_stream_passes() {
        let r = check_stream(
            &exp(&[&[1, 2], &[-3, 4]]),
            &[obs(5, &[1, 2]), obs(6, &[-3, 4])],
        );
        assert!(r.passed());
        assert_eq!(r.compared_elements, 4);
        assert_eq!(r.summary(), "2 results, 0 mismatches");
    }

    #[test]
    fn wrong_value_is_a_mismatch() {
        let r = check_stream(
            &exp(&[&[0, 0, 0, 0], &[0, 0, 0, -512]]),
            &[obs(1, &[0; 4]), obs(2, &[0, 0, 0, 511])],
        );
        assert!(!r.passed());
        assert_eq!(
            r.mismatches,
            vec![Mismatch {
                result: 1,
                element: 3,
                expected: BigInt::from(-512),
                got: Some(511)
            }]
        );
        assert_eq!(
            r.summary_with_cols(4),
            "2 of 2 results, 1 mismatches, 0 protocol errors; first: result 1 element (m=0,n=3): expected -512, got 511"
        );
        assert!(r.summary_with_cols(2).contains("element (m=1,n=1)"));
        assert!(
            r.summary()
                .contains("result 1 element 3: expected -512, got 511")
        );
    }

    #[test]
    fn missing_result_is_mismatches_with_none() {
        let r = check_stream(&exp(&[&[1], &[2, 3]]), &[obs(1, &[1])]);
        assert!(!r.passed());
        assert_eq!(r.mismatches.len(), 2);
        assert!(
            r.mismatches
                .iter()
                .all(|m| m.result == 1 && m.got.is_none())
        );
        assert!(r.protocol_errors.is_empty());
        assert!(r.summary().contains("got nothing"));
    }

    #[test]
    fn extra_result_is_a_protocol_error() {
        let r = check_stream(&exp(&[&[1]]), &[obs(1, &[1]), obs(2, &[7])]);
        assert!(!r.passed());
        assert!(r.mismatches.is_empty());
        assert_eq!(
            r.protocol_errors,
            vec!["extra result 1 at cycle 2: [7]".to_string()]
        );
    }

    #[test]
    fn element_count_and_cycle_order_are_checked() {
        let r = check_stream(&exp(&[&[1, 2], &[3]]), &[obs(4, &[1]), obs(4, &[3, 9])]);
        assert_eq!(r.protocol_errors.len(), 3, "{:?}", r.protocol_errors);
        assert!(r.protocol_errors[0].contains("has 1 elements, expected 2"));
        assert!(r.protocol_errors[2].contains("not after"));
        assert_eq!(r.mismatches.len(), 1);
        assert_eq!(r.mismatches[0].got, None);
        assert_eq!(r.compared_elements, 2);
    }

    #[test]
    fn big_expected_values_never_match_i64() {
        let huge = BigInt::from(i64::MAX) + 1;
        let r = check_stream(&[vec![huge]], &[obs(0, &[i64::MIN])]);
        assert_eq!(r.mismatches.len(), 1);
    }

    #[test]
    fn merge_adds_up() {
        let mut a = check_stream(&exp(&[&[1]]), &[obs(0, &[1])]);
        let b = check_stream(&exp(&[&[2]]), &[obs(0, &[5])]);
        a.merge(b);
        assert_eq!(
            (a.expected_results, a.seen_results, a.compared_elements),
            (2, 2, 2)
        );
        assert_eq!(a.mismatches.len(), 1);
        assert!(!a.passed());
    }
}
