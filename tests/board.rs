//! `lutforge board` and `lutforge host --sim`: the board folders of both
//! board families (deterministic, with their real pins, PLL settings and
//! FuseSoC targets), the bad inputs refused before anything is written, a
//! layer run exactly through the simulated board top (the real UART and
//! command processor, bit by bit in Verilator), clean and on a noisy line,
//! and an iCEBreaker bitstream built with timing met.

mod common;

use std::path::Path;

use common::{Run, assert_one_line_error, files_in, host_sim, lutforge, small_weights};
use lutforge_tools::{Tool, for_test};

/// A small layer's engine: 8 × 16 over a 1 × 4 ternary tile.
const SMALL: [&str; 8] = [
    "--in-features",
    "16",
    "--out-features",
    "8",
    "--n",
    "1",
    "--k",
    "4",
];

fn board(name: &str, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["board", "--board", name, "--out", out.to_str().unwrap()];
    args.extend(SMALL);
    args.extend(extra);
    lutforge(&args)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

#[test]
fn board_folders_for_both_families_are_complete_and_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let ice = tmp.path().join("ice");
    let r = board(
        "icebreaker",
        &ice,
        &["--clock-mhz", "48", "--baud", "3000000", "--no-build"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("16 clocks a bit"), "{}", r.stdout);
    assert_eq!(
        files_in(&ice),
        [
            "board.json",
            "icebreaker.pcf",
            "linear_board.core",
            "linear_board.v",
            "top.v"
        ]
    );
    let top = read(&ice, "top.v");
    assert!(
        top.contains("SB_PLL40_PAD") && top.contains(".DIVF(7'd63)"),
        "{top}"
    );
    assert!(top.contains("linear_board u_board") && top.contains(".uart_rx(RX)"));
    let pcf = read(&ice, "icebreaker.pcf");
    for pin in [
        "CLK 35",
        "RX 6",
        "TX 9",
        "BTN_N 10",
        "LEDG_N 37",
        "LEDR_N 11",
    ] {
        assert!(
            pcf.contains(&format!("set_io -nowarn {pin}\n")),
            "{pin}: {pcf}"
        );
    }
    let core = read(&ice, "linear_board.core");
    assert!(core.starts_with("CAPI=2:\n"), "{core}");
    assert!(core.contains("default_tool: icestorm") && core.contains("file_type: PCF"));
    assert!(core.contains("  icebreaker: *icestorm\n") && core.contains("toplevel: top"));

    let ecp = tmp.path().join("ecp");
    let r = board("ulx3s-85f", &ecp, &["--clock-mhz", "75", "--no-build"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let top = read(&ecp, "top.v");
    assert!(
        top.contains("EHXPLLL") && top.contains(".CLKFB_DIV(3)"),
        "{top}"
    );
    assert!(top.contains("output wire [7:0] led") && top.contains(".uart_tx(ftdi_rxd)"));
    let lpf = read(&ecp, "ulx3s.lpf");
    for (port, site) in [
        ("clk_25mhz", "G2"),
        ("ftdi_txd", "M1"),
        ("ftdi_rxd", "L4"),
        ("led[0]", "B2"),
    ] {
        assert!(
            lpf.contains(&format!("LOCATE COMP \"{port}\" SITE \"{site}\";")),
            "{port}: {lpf}"
        );
    }
    let core = read(&ecp, "linear_board.core");
    assert!(core.contains("default_tool: trellis") && core.contains("file_type: LPF"));
    assert!(core.contains("[--85k, --package, CABGA381]"), "{core}");

    // The same command makes the same bytes.
    let again = tmp.path().join("again");
    let r = board("ulx3s-85f", &again, &["--clock-mhz", "75", "--no-build"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for f in files_in(&ecp) {
        assert_eq!(read(&ecp, &f), read(&again, &f), "{f}");
    }
}

#[test]
fn bad_board_inputs_are_one_line_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let cases: [(&str, Vec<&str>, &str); 5] = [
        ("icestick", vec![], "unknown board `icestick`"),
        (
            "icebreaker",
            vec!["--baud", "3000000"],
            "too fast for a 12 MHz clock",
        ),
        ("icebreaker", vec!["--baud", "1150000"], "off at 12 MHz"),
        ("icebreaker", vec!["--clock-mhz", "5"], "cannot make it"),
        (
            "ulx3s-25f",
            vec!["--weight-memory", "spram"],
            "has no SPRAM",
        ),
    ];
    for (name, extra, needle) in cases {
        let mut extra = extra;
        extra.push("--no-build");
        let r = board(name, &out, &extra);
        assert_one_line_error(&r, needle);
        assert!(!out.exists(), "{name} {extra:?}: nothing written");
    }
    let r = lutforge(&[
        "board",
        "--board",
        "icebreaker",
        "--in-features",
        "768",
        "--out-features",
        "768",
        "--no-build",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_one_line_error(&r, "bits too many");
    assert!(r.stderr.contains("spram"), "{}", r.stderr);
    assert!(!out.exists());
}

/// `frames: F sent, R retries, …` → R.
fn retries(stdout: &str) -> u64 {
    let line = stdout.lines().find(|l| l.starts_with("frames:")).unwrap();
    line.split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_layer_runs_exactly_on_the_simulated_board_even_on_a_noisy_line() {
    if for_test(Tool::Verilator, "host --sim").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("board");
    let r = board("icebreaker", &dir, &["--no-build"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let wf = small_weights(tmp.path());
    let host = |extra: &[&str]| host_sim(&dir, &wf, 6, extra);
    let out = tmp.path().join("out");
    let r = host(&["--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("every one of 48 integers equal to the golden GEMV"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(simulated at 12 MHz)"), "{}", r.stdout);
    assert_eq!(retries(&r.stdout), 0, "{}", r.stdout);
    assert!(
        r.stdout.contains("board status: Ready, 6 vectors run"),
        "{}",
        r.stdout
    );
    assert_eq!(files_in(&out), ["acc.npy", "y.npy"]);

    let r = host(&["--line-errors", "0.002"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("every one of 48 integers equal to the golden GEMV"),
        "{}",
        r.stdout
    );
    assert!(retries(&r.stdout) > 0, "{}", r.stdout);
    // Damaged frames were refused and nothing was applied twice: still exact, 6 vectors.
    assert!(r.stdout.contains("6 vectors run"), "{}", r.stdout);

    // Weights packed for another engine: HELLO tells, one line.
    let r = lutforge(&[
        "host",
        "--sim",
        dir.to_str().unwrap(),
        "--weights",
        wf.to_str().unwrap(),
        "--packing",
        "base3",
    ]);
    assert_one_line_error(&r, "rebuild the bitstream for this layer");

    let r = lutforge(&[
        "host",
        "--sim",
        tmp.path().to_str().unwrap(),
        "--weights",
        wf.to_str().unwrap(),
    ]);
    assert_one_line_error(&r, "not a board folder");
}

#[test]
fn an_icebreaker_bitstream_builds_with_timing_met() {
    for tool in [Tool::Yosys, Tool::NextpnrIce40, Tool::Icepack] {
        if for_test(tool, "iCEBreaker bitstream").is_none() {
            return;
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("board");
    let r = board("icebreaker", &dir, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("timing met"), "{}", r.stdout);
    assert!(r.stdout.contains("iceprog"), "{}", r.stdout);
    assert!(std::fs::metadata(dir.join("top.bin")).unwrap().len() > 100_000);
    let built: serde_json::Value = serde_json::from_str(&read(&dir, "build/build.json")).unwrap();
    assert!(built["fmax_mhz"].as_f64().unwrap() >= 12.0, "{built}");
}
