//! `lutforge synth` and `lutforge flow` end to end: real runs on iCE40 and
//! ECP5 checked against Yosys' and nextpnr's own files, and every way the
//! flow can be refused or fail, each one line, exit ≠ 0, no report.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{assert_one_line_error, lutforge, lutforge_with};
use lutforge_tools::{Tool, for_test};
use serde_json::Value;

const SMALL: [&str; 12] = [
    "--m",
    "1",
    "--n",
    "1",
    "--k",
    "4",
    "--act-bits",
    "8",
    "--w-bits",
    "4",
    "--max-beats",
    "4",
];

fn flow(target: &str, out: &Path, extra: &[&str]) -> common::Run {
    let mut args = vec!["flow", "mac-gemv"];
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(&[
        "--name",
        "macf",
        "--target",
        target,
        "--out",
        out.to_str().unwrap(),
    ]);
    args.extend_from_slice(extra);
    lutforge(&args)
}

fn json(path: &Path) -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

/// The report agrees with the tools' own files.
fn check_against_tools(out: &Path, lut_cells: &[&str]) {
    let report = json(&out.join("report.json"));
    for key in [
        "target",
        "fmax_mhz",
        "fmax_constraint_mhz",
        "resources",
        "lut4_equiv",
        "macs_per_cycle",
        "gops",
        "gops_per_klut4",
        "tools",
        "steps",
    ] {
        assert!(report.get(key).is_some(), "report.json has `{key}`");
    }
    let stat = json(&out.join("work/stat_harness.json"));
    let by_type = &stat["modules"]["\\macf_harness"]["num_cells_by_type"];
    for (cell, n) in by_type.as_object().unwrap() {
        assert_eq!(
            &report["resources_total"][cell], n,
            "{cell} as Yosys counted it"
        );
    }
    let empty = json(&out.join("work/stat_empty_harness.json"));
    let empty_types = &empty["modules"]["\\macf_empty_harness"]["num_cells_by_type"];
    for cell in lut_cells {
        let core = by_type[cell].as_i64().unwrap_or(0) - empty_types[cell].as_i64().unwrap_or(0);
        assert_eq!(
            report["resources"][cell].as_i64().unwrap_or(0),
            core,
            "{cell}: harness + core − harness"
        );
    }
    let pnr = json(&out.join("work/pnr_harness.json"));
    let clock = pnr["fmax"].as_object().unwrap().values().next().unwrap();
    let achieved = clock["achieved"].as_f64().unwrap();
    assert!(
        (report["fmax_mhz"].as_f64().unwrap() - achieved).abs() < 0.01,
        "Fmax as nextpnr reported it"
    );
    for (res, u) in pnr["utilization"].as_object().unwrap() {
        assert_eq!(report["utilization"][res]["used"], u["used"], "{res}");
    }
    let gops = 2.0 * report["macs_per_cycle"].as_f64().unwrap() * achieved / 1000.0;
    assert!((report["gops"].as_f64().unwrap() - gops).abs() < 0.01);
    assert_eq!(report["macs_per_cycle"].as_f64(), Some(4.0));
    let bit = report["bitstream"].as_str().expect("bitstream named");
    assert!(
        std::fs::metadata(out.join(bit)).unwrap().len() > 1000,
        "bitstream written"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("GOPS per 1 000 LUT4-eq") && md.contains("## Definitions"));
    for step in [
        "generate",
        "verify",
        "synth",
        "place_and_route",
        "bitstream",
    ] {
        assert!(report["steps"].get(step).is_some(), "step `{step}` timed");
    }
}

#[test]
fn flow_on_ice40_up5k() {
    if [Tool::Yosys, Tool::NextpnrIce40, Tool::Icepack]
        .iter()
        .any(|&t| for_test(t, "flow ice40").is_none())
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = flow("ice40-up5k", dir.path(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    check_against_tools(dir.path(), &["SB_LUT4", "SB_CARRY"]);
    let report = json(&dir.path().join("report.json"));
    assert!(report["logic_cells"].as_i64().unwrap() > 0);
    assert_eq!(
        report["lut4_equiv"].as_f64(),
        report["logic_cells"].as_f64()
    );
}

#[test]
fn flow_on_ecp5_25k() {
    if [Tool::Yosys, Tool::NextpnrEcp5, Tool::Ecppack]
        .iter()
        .any(|&t| for_test(t, "flow ecp5").is_none())
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let r = flow("ecp5-25k", dir.path(), &["--no-dsp"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    check_against_tools(dir.path(), &["LUT4", "CCU2C"]);
    let report = json(&dir.path().join("report.json"));
    let res = &report["resources"];
    let lut4eq = res["LUT4"].as_f64().unwrap_or(0.0) + 2.0 * res["CCU2C"].as_f64().unwrap_or(0.0);
    assert_eq!(report["lut4_equiv"].as_f64(), Some(lut4eq));
    assert_eq!(
        res.get("MULT18X18D").and_then(Value::as_i64).unwrap_or(0),
        0,
        "--no-dsp keeps multiplies in LUTs"
    );
}

#[test]
fn synth_only_on_xc7() {
    if for_test(Tool::Yosys, "synth xc7").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["synth", "mac-gemv"];
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(&[
        "--target",
        "xc7-synth",
        "--dsp",
        "off",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    let r = lutforge(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = json(&dir.path().join("report.json"));
    assert!(report["fmax_mhz"].is_null() && report["gops"].is_null());
    assert!(report["lut4_equiv"].as_f64().unwrap() > 10.0);
    assert!(
        report["definitions"]["lut4_equiv"]
            .as_str()
            .unwrap()
            .contains("LUT6")
    );
    assert_eq!(report["resources"].get("DSP48E1"), None, "--dsp off");
    assert_eq!(report["dsp"]["in_luts"], 4, "{}", report["dsp"]);
}

#[test]
fn unknown_target() {
    let dir = tempfile::tempdir().unwrap();
    let r = flow("ice40-up9k", dir.path(), &[]);
    assert_one_line_error(&r, "unknown target `ice40-up9k`; use one of ice40-up5k");
}

#[test]
fn core_too_big_for_the_device() {
    if for_test(Tool::Yosys, "fit check").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 16 multipliers, and a UP5K has 8 DSP blocks: `--dsp on` refuses.
    let r = lutforge(&[
        "synth",
        "mac-gemv",
        "--dsp",
        "on",
        "--k",
        "16",
        "--n",
        "1",
        "--target",
        "ice40-up5k",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_one_line_error(
        &r,
        "it needs 16 SB_MAC16, the device has 8; build the rest from LUTs with --dsp auto",
    );
    assert!(!dir.path().join("report.json").exists(), "no report");
}

/// `--dsp auto` (the default) on a UP5K with 9 multipliers and 8 SB_MAC16:
/// 8 in DSP blocks, 1 from LUTs, as the report states and Yosys' cells
/// count; the synthesized netlist, in Icarus with Yosys' iCE40 cell models,
/// matches the golden model and the Rust simulator cycle for cycle under
/// every stimulus and traffic pattern.
#[test]
fn dsp_auto_fills_the_dsp_blocks_then_builds_from_luts() {
    use lutforge_hdl::datapath::mac::MacGemvParams;
    use lutforge_hdl::datapath::{CommonParams, WeightFormat};
    let Some(yosys) = for_test(Tool::Yosys, "dsp auto") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = lutforge(&[
        "synth",
        "mac-gemv",
        "--name",
        "macdsp",
        "--k",
        "9",
        "--n",
        "1",
        "--act-bits",
        "8",
        "--w-bits",
        "4",
        "--max-beats",
        "4",
        "--target",
        "ice40-up5k",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("8 in SB_MAC16, 1 from LUTs"),
        "{}",
        r.stdout
    );
    let report = json(&dir.path().join("report.json"));
    let d = &report["dsp"];
    assert_eq!(
        (d["mode"].as_str(), d["multipliers"].as_u64()),
        (Some("auto"), Some(9))
    );
    assert_eq!(
        (d["in_dsp"].as_u64(), d["in_luts"].as_u64()),
        (Some(8), Some(1)),
        "{d}"
    );
    for counted in ["resources", "resources_out_of_context"] {
        assert_eq!(report[counted]["SB_MAC16"], 8, "{counted}: the DSP share");
    }
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("| multipliers | 8 in SB_MAC16, 1 from LUTs"),
        "{md}"
    );

    let p = MacGemvParams {
        common: CommonParams {
            name: "macdsp".into(),
            m: 1,
            n: 1,
            k: 9,
            act_bits: 8,
            w_format: WeightFormat::Int,
            w_bits: 4,
            max_beats: 4,
            flow_control: Default::default(),
        },
        stage_levels: lutforge_hdl::datapath::mac::DEFAULT_STAGE_LEVELS,
        mul_pack: 1,
        mul_pack_count: 0,
    };
    netlist_matches_golden(&yosys.path, &dir.path().join("work"), &p);
}

/// `--dsp auto` on a UP5K with 18 products (N = 2, K = 9) and 8 SB_MAC16
/// picks `--mul-pack 2 --mul-pack-count 8`: 8 multipliers of two products
/// each in the DSP blocks, the last pair's 2 from LUTs; the netlist matches
/// the golden model in Icarus under every stimulus and traffic pattern.
#[test]
fn dsp_auto_packs_two_products_into_each_dsp_block() {
    use lutforge_hdl::datapath::mac::MacGemvParams;
    use lutforge_hdl::datapath::{CommonParams, WeightFormat};
    let Some(yosys) = for_test(Tool::Yosys, "dsp auto packing") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let r = lutforge(&[
        "synth",
        "mac-gemv",
        "--name",
        "macpack",
        "--k",
        "9",
        "--n",
        "2",
        "--act-bits",
        "8",
        "--w-bits",
        "4",
        "--max-beats",
        "4",
        "--target",
        "ice40-up5k",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("picked for the target:   --mul-pack 2\n")
            && r.stdout
                .contains("picked for the target:   --mul-pack-count 8\n")
            && r.stdout.contains("8 in SB_MAC16, 2 from LUTs"),
        "{}",
        r.stdout
    );
    let report = json(&dir.path().join("report.json"));
    assert_eq!(report["params"]["mul_pack"], 2, "{}", report["params"]);
    assert_eq!(
        (
            &report["picked"]["mul_pack"],
            &report["picked"]["mul_pack_count"]
        ),
        (&Value::from("2"), &Value::from("8")),
        "{}",
        report["picked"]
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(
        md.contains("| picked for the target | mul_pack_count = 8 |"),
        "{md}"
    );
    assert_eq!(report["dsp"]["multipliers"], 10, "{}", report["dsp"]);
    assert_eq!(report["resources_out_of_context"]["SB_MAC16"], 8);
    let p = MacGemvParams {
        common: CommonParams {
            name: "macpack".into(),
            m: 1,
            n: 2,
            k: 9,
            act_bits: 8,
            w_format: WeightFormat::Int,
            w_bits: 4,
            max_beats: 4,
            flow_control: Default::default(),
        },
        stage_levels: lutforge_hdl::datapath::mac::DEFAULT_STAGE_LEVELS,
        mul_pack: 2,
        mul_pack_count: 8,
    };
    netlist_matches_golden(&yosys.path, &dir.path().join("work"), &p);
}

/// The netlist Yosys made of the core alone in the flow folder's `work`
/// (with the flow's own script), in Icarus with Yosys' iCE40 cell models,
/// against the golden model and the Rust simulator of `p`'s core.
fn netlist_matches_golden(
    yosys: &Path,
    work: &Path,
    p: &lutforge_hdl::datapath::mac::MacGemvParams,
) {
    use lutforge_hdl::datapath::mac::generate;
    use lutforge_testbench::backend::verilog::Simulator;
    use lutforge_testbench::cosim::cosim;
    use lutforge_testbench::verify::{Plan, cases, spec_for};
    let script = std::fs::read_to_string(work.join("stat_core.json.ys")).unwrap();
    assert!(
        script.contains("alumacc"),
        "one multiplier kept out: {script}"
    );
    std::fs::write(
        work.join("net.ys"),
        format!("{script}write_verilog -noattr net.v\n"),
    )
    .unwrap();
    let out = std::process::Command::new(yosys)
        .args(["-q", "-s", "net.ys"])
        .current_dir(work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cells = yosys
        .parent()
        .unwrap()
        .join("../share/yosys/ice40/cells_sim.v");
    let Ok(models) = std::fs::read_to_string(&cells) else {
        eprintln!(
            "\n*** SKIPPED dsp auto netlist: no {} ***\n",
            cells.display()
        );
        return;
    };
    if for_test(Tool::Iverilog, "dsp auto netlist").is_none() {
        return;
    }
    let net = std::fs::read_to_string(work.join("net.v")).unwrap();
    let dut = format!("`define NO_ICE40_DEFAULT_ASSIGNMENTS\n{net}\n{models}");
    let core = generate(p).unwrap();
    let all = cases(&Plan::full(spec_for(&p.common), 2, 2, 13)).unwrap();
    let sim = tempfile::tempdir().unwrap();
    let results = cosim(
        &core.module,
        &dut,
        &all,
        Simulator::Icarus,
        sim.path(),
        || {},
    )
    .unwrap();
    for (c, res) in all.iter().zip(&results) {
        assert!(
            res.passed(),
            "{} / {}: {} | {:?}",
            c.stimulus.name(),
            c.traffic.name(),
            res.verilog.summary_with_cols(p.common.n),
            res.disagreements
        );
    }
}

/// A folder holding a fake `nextpnr-ice40` that answers `--version` and otherwise runs `body`.
fn fake_nextpnr(body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        "#!/bin/bash\nif [ \"$1\" = \"--version\" ]; then echo 'nextpnr-ice40 -- fake (Version 0.0)'; exit 0; fi\n\
         while [ $# -gt 0 ]; do if [ \"$1\" = \"--report\" ]; then REPORT=\"$2\"; fi; shift; done\n{body}\n"
    );
    let path = dir.path().join("nextpnr-ice40");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn flow_with_path(path: String, extra: &[&str]) -> (common::Run, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["flow", "mac-gemv"];
    args.extend_from_slice(&SMALL);
    args.extend_from_slice(&[
        "--target",
        "ice40-up5k",
        "--out",
        out.path().to_str().unwrap(),
    ]);
    args.extend_from_slice(extra);
    let r = lutforge_with(&args, |c| {
        c.env("PATH", path);
    });
    (r, out)
}

fn with_fake(fake: &Path) -> String {
    format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn missing_place_and_route_tool() {
    let Some(yosys) = for_test(Tool::Yosys, "missing tool") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&yosys.path, dir.path().join("yosys")).unwrap();
    let (r, out) = flow_with_path(dir.path().display().to_string(), &[]);
    assert_one_line_error(
        &r,
        "nextpnr-ice40 not found on PATH; install it with: apt-get install -y nextpnr-ice40",
    );
    assert!(!out.path().join("report.json").exists());
}

#[test]
fn failing_tool() {
    if [Tool::Yosys, Tool::Icepack]
        .iter()
        .any(|&t| for_test(t, "failing tool").is_none())
    {
        return;
    }
    let fake = fake_nextpnr("echo 'ERROR: simulated routing failure' >&2; exit 3");
    let (r, out) = flow_with_path(with_fake(fake.path()), &[]);
    assert_one_line_error(
        &r,
        "nextpnr-ice40 failed (place and route), exit code 3: ERROR: simulated routing failure",
    );
    assert!(!out.path().join("report.json").exists());
}

#[test]
fn hanging_tool_is_stopped() {
    if [Tool::Yosys, Tool::Icepack]
        .iter()
        .any(|&t| for_test(t, "hanging tool").is_none())
    {
        return;
    }
    // The limit leaves Yosys room on a loaded machine; only the fake hangs.
    let fake = fake_nextpnr("sleep 120");
    let (r, out) = flow_with_path(with_fake(fake.path()), &["--step-timeout", "15"]);
    assert_one_line_error(&r, "nextpnr-ice40 did not finish within 15 s");
    assert!(!out.path().join("report.json").exists());
}

#[test]
fn report_that_does_not_parse() {
    if [Tool::Yosys, Tool::Icepack]
        .iter()
        .any(|&t| for_test(t, "bad report").is_none())
    {
        return;
    }
    let fake = fake_nextpnr("echo 'this is not json' > \"$REPORT\"; exit 0");
    let (r, out) = flow_with_path(with_fake(fake.path()), &[]);
    assert_one_line_error(&r, "nextpnr report");
    assert!(r.stderr.contains("not JSON"), "{}", r.stderr);
    assert!(!out.path().join("report.json").exists());
}

/// `--table-storage lutram` ends in distributed RAM where the fabric has it
/// (and counts it in the LUT4-equivalents), and in flip-flops on iCE40.
#[test]
fn lut_ram_tables_map_to_distributed_ram() {
    if for_test(Tool::Yosys, "LUT RAM mapping").is_none() {
        return;
    }
    for (target, ram_cell, luts_per_ram) in [
        ("ecp5-25k", Some("TRELLIS_DPR16X4"), 6.0),
        ("xc7-synth", Some("RAM32M"), 4.0),
        ("ice40-up5k", None, 0.0),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let r = lutforge(&[
            "synth",
            "lut-gemm",
            "--n",
            "2",
            "--k",
            "8",
            "--w-format",
            "binary",
            "--table-storage",
            "lutram",
            "--target",
            target,
            "--out",
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(r.code, 0, "{target}: {}", r.stderr);
        let report = json(&dir.path().join("report.json"));
        let resources = report["resources"].as_object().unwrap();
        let lut4 = report["lut4_equiv"].as_f64().unwrap();
        match ram_cell {
            Some(cell) => {
                // Two tables (K = 8, g = 4), read by two columns: at least one RAM each.
                let rams = resources[cell].as_f64().unwrap_or(0.0);
                assert!(rams >= 4.0, "{target}: {rams} {cell} in {resources:?}");
                assert!(lut4 >= luts_per_ram * rams, "{target}: {lut4} LUT4-eq");
            }
            None => {
                assert!(
                    resources.keys().all(|k| !k.contains("RAM")),
                    "{target}: {resources:?}"
                );
                assert!(lut4 > 10.0);
            }
        }
    }
}

/// The flow picks `--flow-control credit` for a lut-gemm core on an ECP5
/// when the command leaves it unset and the core has at least 8 000
/// flip-flops (binary g = 2, K = 64: N = 16 does, N = 4 does not); an
/// explicit `--flow-control stall`, and the iCE40, keep `stall`. The choice
/// is made before any tool runs: the core's metadata, written before
/// synthesis, says which (no Yosys on PATH here, so the run then stops).
#[test]
fn flow_control_is_picked_by_size_for_lut_gemm_on_ecp5() {
    let flow_control = |n: &str, target: &str, extra: &[&str]| {
        let mut args = vec![
            "synth",
            "lut-gemm",
            "--name",
            "lg",
            "--k",
            "64",
            "--n",
            n,
            "--act-bits",
            "8",
            "--max-beats",
            "40",
            "--stage-levels",
            "1",
            "--w-format",
            "binary",
            "--group",
            "2",
            "--target",
            target,
        ];
        args.extend_from_slice(extra);
        planned_params(&args, "lg")["flow_control"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(flow_control("16", "ecp5-25k", &[]), "credit");
    assert_eq!(
        flow_control("16", "ecp5-25k", &["--flow-control", "stall"]),
        "stall"
    );
    assert_eq!(flow_control("4", "ecp5-25k", &[]), "stall");
    assert_eq!(flow_control("16", "ice40-up5k", &[]), "stall");
}

/// The flow picks `--stage-levels 1` for ternary-gemv on an ECP5 when the
/// command leaves it unset (beside `--map ecp5`), and `--flow-control
/// credit` from 2 500 flip-flops (K = 64: N = 4 has 3 993, N = 1 1 399); an
/// explicit value, and the iCE40, keep theirs (2 levels and stall by
/// default). Read from the core's metadata, written before synthesis (no
/// Yosys on PATH here, so the run then stops).
#[test]
fn ternary_stage_levels_flow_control_and_input_register_are_picked_per_target() {
    let picked = |target: &str, n: &str, extra: &[&str]| {
        let mut args = vec![
            "synth",
            "ternary-gemv",
            "--name",
            "tg",
            "--k",
            "64",
            "--n",
            n,
            "--target",
            target,
        ];
        args.extend_from_slice(extra);
        let params = planned_params(&args, "tg");
        let text = |k: &str| params[k].as_str().unwrap().to_string();
        (
            params["stage_levels"].as_u64().unwrap(),
            text("map"),
            text("flow_control"),
            text("input_register"),
        )
    };
    let t = |s: u64, m: &str, f: &str, i: &str| (s, m.to_string(), f.to_string(), i.to_string());
    assert_eq!(
        picked("ecp5-25k", "1", &[]),
        t(1, "ecp5", "stall", "operands")
    );
    assert_eq!(
        picked("ecp5-25k", "4", &[]),
        t(1, "ecp5", "credit", "operands")
    );
    assert_eq!(
        picked(
            "ecp5-25k",
            "4",
            &["--stage-levels", "2", "--flow-control", "stall"]
        ),
        t(2, "ecp5", "stall", "operands")
    );
    assert_eq!(
        picked("ice40-up5k", "4", &[]),
        t(2, "generic", "stall", "terms")
    );
    assert_eq!(
        picked("ice40-up5k", "1", &["--input-register", "operands"]),
        t(2, "generic", "stall", "operands")
    );
    // A mapping that rules the pick out leaves the default.
    assert_eq!(
        picked("ice40-up5k", "1", &["--map", "ecp5"]),
        t(2, "ecp5", "stall", "operands")
    );
}

/// The parameters `args` (a `synth` or `flow` command without `--out`)
/// plan for the core `name`, from the metadata written before synthesis:
/// with no Yosys on PATH the run then stops with a one-line error.
fn planned_params(args: &[&str], name: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let mut args = args.to_vec();
    args.extend(["--out", dir.path().to_str().unwrap()]);
    let r = lutforge_with(&args, |c| {
        c.env("PATH", "/lutforge-no-tools");
    });
    assert_one_line_error(&r, "yosys not found on PATH");
    json(&dir.path().join(format!("{name}.json")))["params"].clone()
}
