//! Running the `lutforge` binary from the end-to-end tests.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The result of one `lutforge` run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `lutforge ARGS` in the repository root.
pub fn lutforge(args: &[&str]) -> Run {
    lutforge_with(args, |_| {})
}

/// Runs `lutforge ARGS` after `tweak` adjusts the command (environment, …).
pub fn lutforge_with(args: &[&str], tweak: impl FnOnce(&mut Command)) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lutforge"));
    cmd.args(args).current_dir(env!("CARGO_MANIFEST_DIR"));
    tweak(&mut cmd);
    let out: Output = cmd.output().expect("lutforge runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Asserts a clean failure: non-zero exit, one `error:` line naming `needle`, no panic.
pub fn assert_one_line_error(r: &Run, needle: &str) {
    assert_ne!(r.code, 0, "must fail: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "no panic: {}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one error line: {:?}", lines);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    assert!(lines[0].contains(needle), "`{needle}` in: {}", lines[0]);
}

/// Names of the files in a folder, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Writes an 8 × 16 float32 weight matrix of small random values (seed 3)
/// to `dir/w.npy` and returns its path.
pub fn small_weights(dir: &Path) -> std::path::PathBuf {
    let mut w = lutforge_testbench::layer::random_activations(8, 16, 3);
    for v in &mut w.data {
        *v *= 0.02;
    }
    let wf = dir.join("w.npy");
    lutforge_testbench::layer::write_npy_f32(&wf, &w).unwrap();
    wf
}

/// Runs `lutforge host --sim BOARD --weights WEIGHTS --packing codes
/// --tokens TOKENS EXTRA…`.
pub fn host_sim(board: &Path, weights: &Path, tokens: usize, extra: &[&str]) -> Run {
    let tokens = tokens.to_string();
    let mut args = vec![
        "host",
        "--sim",
        board.to_str().unwrap(),
        "--weights",
        weights.to_str().unwrap(),
        "--packing",
        "codes",
        "--tokens",
        &tokens,
    ];
    args.extend(extra);
    lutforge(&args)
}
