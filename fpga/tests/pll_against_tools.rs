//! lutforge's PLL settings against icestorm's `icepll` where it is installed.

use lutforge_fpga::boards::pll::ice40_pll;

/// icepll's DIVR, DIVF, DIVQ, FILTER_RANGE and achieved MHz for `f_in` → `f_out`.
fn icepll(f_in: f64, f_out: f64) -> Option<(u32, u32, u32, u32, f64)> {
    let out = std::process::Command::new("icepll")
        .args(["-i", &f_in.to_string(), "-o", &f_out.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |key: &str| -> Option<f64> {
        let line = text.lines().find(|l| l.trim_start().starts_with(key))?;
        line.split(':')
            .nth(1)?
            .split_whitespace()
            .next()?
            .parse()
            .ok()
    };
    let achieved = text
        .lines()
        .find(|l| l.contains("(achieved)"))?
        .split(':')
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some((
        field("DIVR")? as u32,
        field("DIVF")? as u32,
        field("DIVQ")? as u32,
        field("FILTER_RANGE")? as u32,
        achieved,
    ))
}

#[test]
fn ice40_settings_equal_icepll() {
    if lutforge_tools::which("icepll").is_none() {
        if std::env::var(lutforge_tools::REQUIRE_TOOLS_ENV).is_ok_and(|v| v == "1") {
            panic!("icepll not found on PATH (apt-get install -y fpga-icestorm)");
        }
        eprintln!(
            "*** SKIPPED PLL check: icepll not found on PATH; install it with: apt-get install -y fpga-icestorm ***"
        );
        return;
    }
    let mut checked = 0;
    for f_in in [12.0, 25.0, 48.0] {
        for f_out in [
            16.0, 24.0, 30.0, 36.0, 48.0, 50.0, 60.0, 75.0, 100.0, 133.0, 200.0,
        ] {
            let want = icepll(f_in, f_out).expect("icepll answers");
            let got = ice40_pll(f_in, f_out).expect("a setting exists");
            assert_eq!(
                (got.divr, got.divf, got.divq, got.filter_range),
                (want.0, want.1, want.2, want.3),
                "{f_in} → {f_out} MHz"
            );
            // icepll prints three decimals.
            assert!(
                (got.f_out - want.4).abs() < 1e-3,
                "{f_in} → {f_out}: {} vs {}",
                got.f_out,
                want.4
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 33);
}
