//! The Pareto front of area (LUT4-equivalents, fewer is better) against
//! throughput (GOPS, more is better).

use std::cmp::Ordering;

use super::SweepPoint;

/// Indices of the points on the Pareto front of (area = lut4_equiv, lower is better) vs (throughput = gops, higher is better), among points that have gops; sorted by area.
///
/// A point is on the front when no other point has at most its area and at
/// least its throughput with one of the two strictly better. Points with the
/// same area and the same throughput do not dominate each other, so they are
/// all on the front or all off it; points of equal area on the front keep
/// their input order. Points without GOPS, or with a non-finite figure, are
/// not ranked.
pub fn pareto_front(points: &[SweepPoint]) -> Vec<usize> {
    let mut ranked: Vec<(usize, f64, f64)> = points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let area = p.report.lut4_equiv;
            let gops = p.report.gops?;
            (area.is_finite() && gops.is_finite()).then_some((i, area, gops))
        })
        .collect();
    // Area up, then throughput down, then input order: a point is on the
    // front exactly when it beats the best throughput of every point before
    // it, or ties the point that set that best with the same area.
    ranked.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then_with(|| b.2.total_cmp(&a.2))
            .then_with(|| a.0.cmp(&b.0))
    });
    let mut front = Vec::new();
    let mut best: Option<(f64, f64)> = None;
    for (i, area, gops) in ranked {
        let on_front = match best {
            None => true,
            Some((best_area, best_gops)) => match gops.total_cmp(&best_gops) {
                Ordering::Greater => true,
                Ordering::Equal => area.total_cmp(&best_area) == Ordering::Equal,
                Ordering::Less => false,
            },
        };
        if on_front {
            front.push(i);
            best = Some((area, gops));
        }
    }
    front
}

#[cfg(test)]
mod tests {
    use super::super::test_points::point;
    use super::*;

    fn front_of(figures: &[(f64, Option<f64>)]) -> Vec<usize> {
        let points: Vec<SweepPoint> = figures
            .iter()
            .enumerate()
            .map(|(i, &(area, gops))| point(&format!("p{i}"), "mac-gemv", "ecp5-25k", area, gops))
            .collect();
        pareto_front(&points)
    }

    #[test]
    fn dominated_points_are_left_out_and_the_front_is_sorted_by_area() {
        let figures = [
            (400.0, Some(4.0)),  // 0: on the front
            (100.0, Some(1.0)),  // 1: on the front (smallest)
            (300.0, Some(2.0)),  // 2: dominated by 3 (less area, more GOPS)
            (250.0, Some(3.0)),  // 3: on the front
            (500.0, Some(4.0)),  // 4: dominated by 0 (same GOPS, more area)
            (50.0, None),        // 5: no GOPS, not ranked
            (900.0, Some(10.0)), // 6: on the front (fastest)
        ];
        assert_eq!(front_of(&figures), vec![1, 3, 0, 6]);
    }

    #[test]
    fn ties_are_all_kept_and_equal_area_keeps_only_the_fastest() {
        let figures = [
            (200.0, Some(2.0)), // 0: tied with 2, both on the front
            (200.0, Some(1.0)), // 1: same area as 0, slower: dominated
            (200.0, Some(2.0)), // 2: tied with 0
            (100.0, Some(2.0)), // 3: dominates 0 and 2 (same GOPS, less area)
        ];
        assert_eq!(front_of(&figures), vec![3]);
        let figures = [(200.0, Some(2.0)), (200.0, Some(1.0)), (200.0, Some(2.0))];
        assert_eq!(front_of(&figures), vec![0, 2]);
    }

    #[test]
    fn nothing_to_rank_gives_an_empty_front() {
        assert!(front_of(&[]).is_empty());
        assert!(
            front_of(&[
                (10.0, None),
                (f64::NAN, Some(1.0)),
                (5.0, Some(f64::INFINITY))
            ])
            .is_empty()
        );
    }
}
