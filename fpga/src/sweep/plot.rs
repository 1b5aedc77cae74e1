//! The two sweep plots, drawn with plotters' SVG backend: area against
//! throughput with the Pareto front, and Fmax against size. The SVG backend
//! writes text as `<text>` elements, so no font is needed to draw.

use std::collections::BTreeMap;
use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::SweepPoint;
use super::axes::{XAxis, log_ticks, tick, x_axis, y_range};
use super::marker::{Marker, SHAPES};
use crate::report::Report;

/// Picture size in pixels.
const SIZE: (u32, u32) = (960, 640);

/// Series colours (Okabe–Ito, readable by colour-blind people), then
/// marker shapes; a series gets both from its index, so the first 28
/// series all look different.
const COLOURS: [RGBColor; 7] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x7F, 0x4F, 0x24),
];

/// Area against throughput: one marker per point with GOPS, the points of
/// `front` (indices into `points`) ringed and joined.
pub(super) fn area_vs_throughput(
    title: &str,
    points: &[SweepPoint],
    front: &[usize],
) -> Result<String, String> {
    let (series, left_out) = series(points, |r| r.gops);
    let front = front
        .iter()
        .filter_map(|&i| points.get(i))
        .filter_map(|p| finite_pair(p.report.lut4_equiv, p.report.gops?))
        .collect();
    render(&Plot {
        caption: caption(title, "area vs throughput"),
        x_desc: "Area: LUT4-equivalents of the core".into(),
        y_desc: "Throughput: GOPS (10^9 operations/s)",
        series,
        front,
        left_out,
        lacking: "GOPS",
        why: " (synthesis-only targets)",
        legend: SeriesLabelPosition::UpperLeft,
    })
}

/// Fmax against size: one marker per point with an Fmax.
pub(super) fn fmax_vs_size(title: &str, points: &[SweepPoint]) -> Result<String, String> {
    let (series, left_out) = series(points, |r| r.fmax_mhz);
    render(&Plot {
        caption: caption(title, "Fmax vs size"),
        x_desc: "Size: LUT4-equivalents of the core".into(),
        y_desc: "Fmax (MHz)",
        series,
        front: Vec::new(),
        left_out,
        lacking: "an Fmax",
        why: " (synthesis-only targets)",
        legend: SeriesLabelPosition::UpperRight,
    })
}

/// One point of an error-against-area map: what it is, its area and its error.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorAreaPoint {
    /// The point's name in the legend (e.g. "MXINT8 × MXFP4").
    pub label: String,
    /// Its area (x), e.g. LUT4-equivalents per MAC; lower is better.
    pub area: f64,
    /// Its error (y), e.g. relative ‖Δ‖/‖y‖ against float; lower is better.
    pub error: f64,
}

/// Indices of the points on the Pareto front of area and error (both lower
/// is better), sorted by area: a point is on it when no other point has at
/// most its area and at most its error with one of the two strictly lower.
/// Points with a non-finite figure are not ranked.
pub fn error_area_front(points: &[ErrorAreaPoint]) -> Vec<usize> {
    let finite = |p: &ErrorAreaPoint| p.area.is_finite() && p.error.is_finite();
    let dominated = |i: usize| {
        let p = &points[i];
        points.iter().any(|q| {
            finite(q)
                && q.area <= p.area
                && q.error <= p.error
                && (q.area < p.area || q.error < p.error)
        })
    };
    let mut front: Vec<usize> = (0..points.len())
        .filter(|&i| finite(&points[i]) && !dominated(i))
        .collect();
    front.sort_by(|&a, &b| {
        points[a]
            .area
            .total_cmp(&points[b].area)
            .then_with(|| a.cmp(&b))
    });
    front
}

/// Error against area: each point its own legend entry (colour and shape
/// by its index), the points of `front` (indices into `points`) ringed and
/// joined; `x_desc` and `y_desc` name the axes.
pub fn error_vs_area(
    title: &str,
    x_desc: &str,
    y_desc: &'static str,
    points: &[ErrorAreaPoint],
    front: &[usize],
) -> Result<String, String> {
    let series = points
        .iter()
        .enumerate()
        .filter_map(|(style, p)| {
            finite_pair(p.area, p.error).map(|xy| Series {
                name: p.label.clone(),
                style,
                points: vec![xy],
            })
        })
        .collect::<Vec<_>>();
    let left_out = points.len() - series.len();
    let front = front
        .iter()
        .filter_map(|&i| points.get(i))
        .filter_map(|p| finite_pair(p.area, p.error))
        .collect();
    render(&Plot {
        caption: caption(title, "error vs area"),
        x_desc: x_desc.to_string(),
        y_desc,
        series,
        front,
        left_out,
        lacking: "an area",
        why: " (not measured)",
        legend: SeriesLabelPosition::UpperRight,
    })
}

/// What one plot shows, before drawing.
struct Plot {
    caption: String,
    x_desc: String,
    y_desc: &'static str,
    series: Vec<Series>,
    /// Points to ring and join, in area order.
    front: Vec<(f64, f64)>,
    /// Points without the plotted figure.
    left_out: usize,
    /// The figure those points lack, for the note.
    lacking: &'static str,
    /// Why they lack it, for the note (empty: no reason given).
    why: &'static str,
    legend: SeriesLabelPosition,
}

/// The points of one (kind, target) pair.
struct Series {
    name: String,
    /// Index of the pair among every pair of the sweep: picks colour and shape.
    style: usize,
    points: Vec<(f64, f64)>,
}

/// Groups the points by (kind, target), with `y` of each report against its
/// LUT4-equivalents, and counts the points left out for lacking a finite `y`.
/// Styles are numbered over every pair of the sweep, so a pair looks the
/// same in both plots.
fn series(points: &[SweepPoint], y: impl Fn(&Report) -> Option<f64>) -> (Vec<Series>, usize) {
    let mut groups: BTreeMap<(&str, &str), Vec<(f64, f64)>> = BTreeMap::new();
    let mut left_out = 0;
    for p in points {
        let group = groups
            .entry((&p.report.kind, &p.report.target))
            .or_default();
        match y(&p.report).and_then(|y| finite_pair(p.report.lut4_equiv, y)) {
            Some(xy) => group.push(xy),
            None => left_out += 1,
        }
    }
    let series = groups
        .into_iter()
        .enumerate()
        .filter(|(_, (_, pts))| !pts.is_empty())
        .map(|(style, ((kind, target), points))| Series {
            name: format!("{kind} @ {target}"),
            style,
            points,
        })
        .collect();
    (series, left_out)
}

fn finite_pair(x: f64, y: f64) -> Option<(f64, f64)> {
    (x.is_finite() && y.is_finite()).then_some((x, y))
}

fn caption(title: &str, what: &str) -> String {
    let title = title.replace(['\r', '\n'], " ");
    let title = title.trim();
    if title.is_empty() {
        let mut chars = what.chars();
        chars
            .next()
            .map_or(String::new(), |c| c.to_uppercase().chain(chars).collect())
    } else {
        format!("{title}: {what}")
    }
}

fn render(plot: &Plot) -> Result<String, String> {
    let all = plot
        .series
        .iter()
        .flat_map(|s| s.points.iter())
        .chain(plot.front.iter());
    let (xs, ys): (Vec<f64>, Vec<f64>) = all.copied().unzip();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let ys = y_range(&ys);
        match x_axis(&xs) {
            XAxis::Linear(xr) => draw(&root, xr, ys, plot, plot.x_desc.clone()),
            XAxis::Log(xr) => {
                let (bold, light) = log_ticks(&xr);
                let x_spec = xr
                    .log_scale()
                    .with_key_points(bold)
                    .with_light_points(light);
                draw(
                    &root,
                    x_spec,
                    ys,
                    plot,
                    format!("{} (log scale)", plot.x_desc),
                )
            }
        }?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

fn draw<X>(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    x_spec: X,
    y_spec: Range<f64>,
    plot: &Plot,
    x_desc: String,
) -> Result<(), String>
where
    X: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
{
    let err = |e: DrawingAreaErrorKind<std::io::Error>| e.to_string();
    let mut chart = ChartBuilder::on(root)
        .caption(&plot.caption, ("sans-serif", 24))
        .margin(24)
        .x_label_area_size(60)
        .y_label_area_size(80)
        .build_cartesian_2d(x_spec, y_spec)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(plot.y_desc)
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(err)?;
    if !plot.front.is_empty() {
        let line = BLACK.mix(0.6).stroke_width(2);
        chart
            .draw_series(LineSeries::new(plot.front.iter().copied(), line))
            .map_err(err)?
            .label("Pareto front")
            .legend(move |(x, y)| PathElement::new(vec![(x - 10, y), (x + 10, y)], line));
        chart
            .draw_series(
                plot.front
                    .iter()
                    .map(|&p| Circle::new(p, 9, BLACK.stroke_width(2))),
            )
            .map_err(err)?;
    }
    for s in &plot.series {
        let (colour, shape) = (COLOURS[s.style % COLOURS.len()], s.style % SHAPES);
        chart
            .draw_series(s.points.iter().map(|&p| Marker::new(p, shape, colour)))
            .map_err(err)?
            .label(s.name.as_str())
            .legend(move |at| Marker::new(at, shape, colour));
    }
    if !plot.series.is_empty() {
        chart
            .configure_series_labels()
            .position(plot.legend.clone())
            .label_font(("sans-serif", 14))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.5))
            .draw()
            .map_err(err)?;
    }
    let area = chart.plotting_area().strip_coord_spec();
    if plot.series.is_empty() {
        let (w, h) = area.dim_in_pixel();
        let grey = BLACK.mix(0.7);
        let style = TextStyle::from(("sans-serif", 18).into_font())
            .color(&grey)
            .pos(Pos::new(HPos::Center, VPos::Center));
        let note = if plot.left_out == 0 {
            "no points to plot".to_string()
        } else {
            format!(
                "no point has {} (synthesis-only targets have none)",
                plot.lacking
            )
        };
        area.draw_text(&note, &style, (w as i32 / 2, h as i32 / 2))
            .map_err(err)?;
    } else if plot.left_out > 0 {
        let grey = BLACK.mix(0.7);
        let style = TextStyle::from(("sans-serif", 12).into_font())
            .color(&grey)
            .pos(Pos::new(HPos::Left, VPos::Bottom));
        let (n, s) = (plot.left_out, if plot.left_out == 1 { "" } else { "s" });
        let note = format!("{n} point{s} without {} left out{}", plot.lacking, plot.why);
        root.draw_text(&note, &style, (8, SIZE.1 as i32 - 6))
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_points::point;
    use super::*;

    #[test]
    fn points_without_the_figure_are_left_out_and_styles_are_shared() {
        let points = vec![
            point("a", "mac-gemv", "ecp5-25k", 100.0, Some(1.0)),
            point("b", "mac-gemv", "xc7-synth", 200.0, None),
            point("c", "lut-gemv", "ecp5-25k", 300.0, Some(2.0)),
        ];
        let (s, left_out) = series(&points, |r| r.gops);
        assert_eq!(left_out, 1);
        let named: Vec<(&str, usize)> = s.iter().map(|s| (s.name.as_str(), s.style)).collect();
        assert_eq!(
            named,
            [("lut-gemv @ ecp5-25k", 0), ("mac-gemv @ ecp5-25k", 1)]
        );
    }

    #[test]
    fn error_area_front_keeps_the_undominated_points_in_area_order() {
        let p = |label: &str, area: f64, error: f64| ErrorAreaPoint {
            label: label.into(),
            area,
            error,
        };
        let points = vec![
            p("big exact", 300.0, 0.01),
            p("dominated", 320.0, 0.03),
            p("small", 100.0, 0.15),
            p("mid", 160.0, 0.11),
            p("no area", f64::NAN, 0.001),
            p("worse mid", 160.0, 0.12),
        ];
        assert_eq!(error_area_front(&points), [2, 3, 0]);
        let svg =
            error_vs_area("t", "LUT4-eq per MAC", "error", &points, &[2, 3, 0]).expect("drawn");
        assert!(svg.starts_with("<svg") && svg.contains("Pareto front"));
        assert!(svg.contains("big exact") && !svg.contains(">no area<"));
        assert!(svg.contains("1 point without an area left out (not measured)"));
    }

    #[test]
    fn empty_and_synthesis_only_sweeps_still_draw() {
        let svg = area_vs_throughput("t", &[], &[]).expect("drawn");
        assert!(svg.starts_with("<svg") && svg.contains("no points to plot"));
        let synth_only = vec![point("s", "mac-gemv", "xc7-synth", 100.0, None)];
        let svg = area_vs_throughput("t", &synth_only, &[]).expect("drawn");
        assert!(svg.starts_with("<svg") && svg.contains("no point has GOPS"));
        let svg = fmax_vs_size("t", &synth_only).expect("drawn");
        assert!(svg.starts_with("<svg") && svg.contains("no point has an Fmax"));
    }
}
