//! Writing the sweep's five files, each to a temporary name inside the
//! output folder and then renamed into place.

use std::path::{Path, PathBuf};

use super::table::{csv_table, markdown_document};
use super::{SweepPoint, pareto::pareto_front, plot};

const CSV: &str = "sweep.csv";
const JSON: &str = "sweep.json";
const MARKDOWN: &str = "sweep.md";
const AREA_PLOT: &str = "area_vs_throughput.svg";
const FMAX_PLOT: &str = "fmax_vs_size.svg";

/// A failure to render or write the sweep outputs; each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum SweepOutputError {
    /// The output folder or a file in it could not be created, written or renamed.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What was being done, e.g. `write`.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The points could not be turned into JSON.
    #[error("cannot write `{}`: the points do not serialize to JSON: {source}", path.display())]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// The serializer's error.
        source: serde_json::Error,
    },

    /// A file could not be written into the output folder.
    #[error(transparent)]
    Write(#[from] lutforge_gen::GenError),

    /// A plot could not be drawn.
    #[error("cannot draw `{}`: {message}", path.display())]
    Plot {
        /// The SVG file.
        path: PathBuf,
        /// What the plotting library reported, on one line.
        message: String,
    },
}

/// Writes the sweep's outputs into `dir` and returns their paths:
/// `sweep.csv` ([`csv_table`]), `sweep.json` (the points as an array of
/// `{label, report}`), `sweep.md` (`title`, the table of
/// [`markdown_table`](super::markdown_table), how the Pareto front and the
/// columns are defined, links to the plots), and the plots
/// `area_vs_throughput.svg` and `fmax_vs_size.svg`.
///
/// `dir` is created when missing. Everything is rendered before anything is
/// written, so a plot that cannot be drawn leaves no file behind; each file
/// is written to a temporary file in `dir` and renamed into place, so a
/// reader never sees half a file. The same points and title always give
/// byte-identical files.
pub fn write_sweep(
    dir: &Path,
    title: &str,
    points: &[SweepPoint],
) -> Result<Vec<PathBuf>, SweepOutputError> {
    let front = pareto_front(points);
    let plot_error = |name: &str| {
        let path = dir.join(name);
        move |message: String| SweepOutputError::Plot {
            path,
            message: message.replace(['\r', '\n'], " "),
        }
    };
    let area_plot =
        plot::area_vs_throughput(title, points, &front).map_err(plot_error(AREA_PLOT))?;
    let fmax_plot = plot::fmax_vs_size(title, points).map_err(plot_error(FMAX_PLOT))?;
    let mut json =
        serde_json::to_string_pretty(points).map_err(|source| SweepOutputError::Json {
            path: dir.join(JSON),
            source,
        })?;
    json.push('\n');
    let files = [
        (CSV, csv_table(points)),
        (JSON, json),
        (
            MARKDOWN,
            markdown_document(title, points, &[AREA_PLOT, FMAX_PLOT]),
        ),
        (AREA_PLOT, area_plot),
        (FMAX_PLOT, fmax_plot),
    ];
    std::fs::create_dir_all(dir).map_err(io("create the folder", dir))?;
    files
        .iter()
        .map(|(name, contents)| write_atomic(dir, name, contents))
        .collect()
}

/// Writes `contents` to `dir/name` through lutforge's one atomic writer.
fn write_atomic(dir: &Path, name: &str, contents: &str) -> Result<PathBuf, SweepOutputError> {
    Ok(lutforge_gen::write_atomic(dir, name, contents)?)
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SweepOutputError {
    let path = path.to_path_buf();
    move |source| SweepOutputError::Io {
        action,
        path,
        source,
    }
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
                Some(1.5),
            ),
            point(
                "mac-gemv k=64 n=4 @ ecp5-25k",
                "mac-gemv",
                "ecp5-25k",
                1800.25,
                Some(6.4),
            ),
            point(
                "mac-gemv k=256 n=8 @ ecp5-85k",
                "mac-gemv",
                "ecp5-85k",
                14000.0,
                Some(20.0),
            ),
            point(
                "mac-gemv k=64 n=8 @ ecp5-85k",
                "mac-gemv",
                "ecp5-85k",
                5000.0,
                Some(4.0),
            ),
            point(
                "mac-gemv k=64 n=4 @ xc7-synth",
                "mac-gemv",
                "xc7-synth",
                1500.0,
                None,
            ),
        ]
    }

    fn read_all(paths: &[PathBuf]) -> Vec<Vec<u8>> {
        paths
            .iter()
            .map(|p| std::fs::read(p).expect("written file reads back"))
            .collect()
    }

    #[test]
    fn all_five_files_are_written_and_nothing_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = dir.path().join("sweep");
        let paths = write_sweep(&out, "mac-gemv sweep", &points()).expect("written");
        let names: Vec<&str> = paths
            .iter()
            .filter_map(|p| p.file_name()?.to_str())
            .collect();
        assert_eq!(names, [CSV, JSON, MARKDOWN, AREA_PLOT, FMAX_PLOT]);
        let mut on_disk: Vec<String> = std::fs::read_dir(&out)
            .expect("folder")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        on_disk.sort();
        let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        expected.sort();
        assert_eq!(on_disk, expected, "no temporary file left behind");

        let json: Vec<SweepPoint> =
            serde_json::from_slice(&std::fs::read(&paths[1]).expect("json")).expect("parses");
        assert_eq!(json, points());
        let md = std::fs::read_to_string(&paths[2]).expect("md");
        assert!(md.starts_with("# mac-gemv sweep\n\n| point |"));
        assert!(md.contains("Pareto front (✓)"));
        assert_eq!(
            std::fs::read_to_string(&paths[0])
                .expect("csv")
                .lines()
                .count(),
            6
        );
    }

    #[test]
    fn plots_are_svg_with_titles_axis_labels_and_legends() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = write_sweep(dir.path(), "mac-gemv sweep", &points()).expect("written");
        let area = std::fs::read_to_string(&paths[3]).expect("area plot");
        let fmax = std::fs::read_to_string(&paths[4]).expect("fmax plot");
        for svg in [&area, &fmax] {
            assert!(
                svg.starts_with("<svg") || svg.starts_with("<?xml"),
                "{}",
                &svg[..40]
            );
            assert!(svg.trim_end().ends_with("</svg>"));
            assert!(svg.contains("LUT4-equivalents of the core (log scale)"));
            assert!(svg.contains("mac-gemv @ ecp5-85k"));
            assert!(svg.contains("1 point without"));
            assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        }
        assert!(area.contains("mac-gemv sweep: area vs throughput"));
        assert!(area.contains("Throughput: GOPS"));
        assert!(area.contains("Pareto front"));
        assert!(fmax.contains("mac-gemv sweep: Fmax vs size"));
        assert!(fmax.contains("Fmax (MHz)"));
    }

    #[test]
    fn the_same_points_give_the_same_bytes() {
        let (a, b) = (
            tempfile::tempdir().expect("tempdir"),
            tempfile::tempdir().expect("tempdir"),
        );
        let first = read_all(&write_sweep(a.path(), "t", &points()).expect("written"));
        let again = read_all(&write_sweep(a.path(), "t", &points()).expect("rewritten"));
        let elsewhere = read_all(&write_sweep(b.path(), "t", &points()).expect("written"));
        assert_eq!(first, again);
        assert_eq!(first, elsewhere);
    }

    #[test]
    fn an_empty_sweep_writes_valid_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = write_sweep(dir.path(), "empty", &[]).expect("written");
        assert_eq!(paths.len(), 5);
        assert_eq!(std::fs::read_to_string(&paths[1]).expect("json"), "[]\n");
        let svg = std::fs::read_to_string(&paths[3]).expect("svg");
        assert!(svg.starts_with("<svg") && svg.contains("Area: LUT4-equivalents of the core"));
    }

    #[test]
    fn a_folder_that_is_a_file_is_a_one_line_error_naming_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("taken");
        std::fs::write(&file, "x").expect("file");
        let e = write_sweep(&file, "t", &points()).expect_err("a file is no folder");
        let msg = e.to_string();
        assert!(msg.contains("taken") && !msg.contains('\n'), "{msg}");
    }
}
