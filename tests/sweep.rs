//! `lutforge sweep` on a 6-point grid on iCE40 and ECP5: tables, plots, the
//! cache on a second run, Make and Slurm scripts, and `report merge`.

mod common;

use common::{assert_one_line_error, files_in, lutforge};
use lutforge_tools::{Tool, for_test};

const GRID: [&str; 16] = [
    "--core",
    "mac-gemv",
    "--target",
    "ice40-up5k,ecp5-25k",
    "--k",
    "2,4,8",
    "--n",
    "1",
    "--act-bits",
    "6",
    "--w-bits",
    "3",
    "--max-beats",
    "2",
    "--jobs",
    "2",
];

fn sweep(out: &std::path::Path, extra: &[&str]) -> common::Run {
    let mut args = vec!["sweep"];
    args.extend_from_slice(&GRID);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    lutforge(&args)
}

#[test]
fn six_point_grid_with_cache_tables_and_plots() {
    let tools = [
        Tool::Yosys,
        Tool::NextpnrIce40,
        Tool::Icepack,
        Tool::NextpnrEcp5,
        Tool::Ecppack,
    ];
    if tools.iter().any(|&t| for_test(t, "sweep").is_none()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = sweep(dir.path(), &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("6 points: 6 measured, 0 from the cache, 0 failed"),
        "{}",
        r.stdout
    );
    for f in [
        "sweep.csv",
        "sweep.json",
        "sweep.md",
        "area_vs_throughput.svg",
        "fmax_vs_size.svg",
    ] {
        assert!(dir.path().join(f).is_file(), "{f} written");
    }
    let csv = std::fs::read_to_string(dir.path().join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "header and six points");
    let svg = std::fs::read_to_string(dir.path().join("area_vs_throughput.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("Pareto"));
    let points: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("sweep.json")).unwrap())
            .unwrap();
    assert_eq!(points.as_array().unwrap().len(), 6);
    assert!(
        points
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["report"]["fmax_mhz"].as_f64().unwrap() > 10.0)
    );

    let again = sweep(dir.path(), &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again
            .stdout
            .contains("6 points: 0 measured, 6 from the cache"),
        "{}",
        again.stdout
    );

    let merged = tempfile::tempdir().unwrap();
    let reports: Vec<String> = files_in(&dir.path().join("points"))
        .into_iter()
        .take(2)
        .map(|p| {
            dir.path()
                .join("points")
                .join(p)
                .join("report.json")
                .display()
                .to_string()
        })
        .collect();
    let mut args = vec!["report", "merge", "--out", merged.path().to_str().unwrap()];
    args.extend(reports.iter().map(String::as_str));
    let r = lutforge(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let csv = std::fs::read_to_string(merged.path().join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn emits_make_and_slurm_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let r = sweep(dir.path(), &["--emit", "make"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mk = std::fs::read_to_string(dir.path().join("Makefile")).unwrap();
    assert_eq!(mk.matches("\t$(LUTFORGE) flow mac-gemv").count(), 6, "{mk}");
    assert!(mk.contains("$(LUTFORGE) report merge"));
    let r = sweep(dir.path(), &["--emit", "slurm"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sl = std::fs::read_to_string(dir.path().join("sweep.slurm")).unwrap();
    assert!(
        sl.contains("#SBATCH --array=0-5") && sl.matches("flow mac-gemv").count() == 6,
        "{sl}"
    );
    assert!(
        !dir.path().join("sweep.csv").exists(),
        "emitting runs nothing"
    );
}

#[test]
fn bad_grids_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    assert_one_line_error(
        &lutforge(&["sweep", "--core", "mac-gemv", "--out", out]),
        "at least one --core and one --target",
    );
    assert_one_line_error(
        &lutforge(&[
            "sweep",
            "--core",
            "mac-gemv",
            "--target",
            "ice40-up5k",
            "--k",
            "0",
            "--out",
            out,
        ]),
        "k = 0 is invalid",
    );
    assert_one_line_error(
        &lutforge(&[
            "sweep", "--core", "mac-gemv", "--target", "nope", "--out", out,
        ]),
        "unknown target `nope`",
    );
    let grid = dir.path().join("g.toml");
    std::fs::write(
        &grid,
        "core = [\"mac-gemv\"]\ntarget = [\"ice40-up5k\"]\nbogus = [1]\n",
    )
    .unwrap();
    assert_one_line_error(
        &lutforge(&["sweep", "--config", grid.to_str().unwrap(), "--out", out]),
        "unknown field `bogus`",
    );
}

#[test]
fn ternary_knobs_are_grid_axes() {
    let dir = tempfile::tempdir().unwrap();
    let grid = dir.path().join("grid.toml");
    std::fs::write(
        &grid,
        "core = [\"ternary-gemv\"]\ntarget = [\"ecp5-25k\"]\nk = [8, 16]\nnegation = [\"nneg\", \"negate\"]\nw_packing = [\"codes\", \"base3\"]\n",
    )
    .unwrap();
    let r = lutforge(&[
        "sweep",
        "--config",
        grid.to_str().unwrap(),
        "--tree",
        "add3",
        "--out",
        dir.path().to_str().unwrap(),
        "--emit",
        "make",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mk = std::fs::read_to_string(dir.path().join("Makefile")).unwrap();
    assert_eq!(
        mk.matches("\t$(LUTFORGE) flow ternary-gemv").count(),
        8,
        "{mk}"
    );
    assert!(
        mk.contains("--negation negate --tree add3 --w-packing base3"),
        "{mk}"
    );
}

/// `report error-area`: a CSV of points becomes an SVG with the Pareto
/// front of area and error; the table marks the front; bad columns are one line.
#[test]
fn report_error_area_draws_the_front_from_a_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("map.csv");
    std::fs::write(
        &csv,
        "label,error,ecp5,xc7\nA x A,0.01,340,\nB x B,0.03,350,90\nC x C,0.11,170,91\nT,0.5,23,17\n",
    )
    .unwrap();
    let svg = dir.path().join("map.svg");
    let (c, s) = (csv.to_str().unwrap(), svg.to_str().unwrap());
    let r = lutforge(&[
        "report",
        "error-area",
        "--csv",
        c,
        "--area",
        "ecp5",
        "--out",
        s,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<&str> = r.stdout.lines().filter(|l| l.ends_with("yes")).collect();
    assert_eq!(rows.len(), 3, "A, C and T are on the front: {}", r.stdout);
    assert!(!rows.iter().any(|l| l.starts_with("B x B")));
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("Pareto front") && text.contains("C x C"));
    let again = dir.path().join("again.svg");
    let r = lutforge(&[
        "report",
        "error-area",
        "--csv",
        c,
        "--area",
        "ecp5",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0);
    assert_eq!(
        std::fs::read(&again).unwrap(),
        text.as_bytes(),
        "deterministic"
    );
    let r = lutforge(&[
        "report",
        "error-area",
        "--csv",
        c,
        "--area",
        "lut9",
        "--out",
        s,
    ]);
    assert_one_line_error(&r, "no column `lut9`");
}
