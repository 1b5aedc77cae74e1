//! Area of a lut-gemm `linear` engine (activation-stationary) against the
//! same core per beat, with the flow's own synthesis script and harness
//! (docs/results.md, "lut-gemm through the engine"):
//!
//! ```sh
//! cargo run -p lutforge-fpga --example linear_area -- TARGET W1|W4 K_TOTAL N_TOTAL OUT_DIR
//! ```
//!
//! Synthesizes, each in the characterisation harness less the empty harness
//! (the flow's `resources`): the whole engine (`engine`, weight banks asked
//! for block RAM), the engine's inner core alone (`core`, tables written by
//! the engine) and the core per beat (`perbeat`, `--table-storage lutram`,
//! tables rewritten every beat). Tile K = 64, N = 4, g = 4, A = 8,
//! `--stage-levels 1`, as in the "Tables in LUT RAM" table. Prints one
//! line per design: LUT4-eq (ECP5) or LUT6 (xc7), the cells, MACs per cycle
//! and area per MAC/cycle.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use lutforge_fpga::harness::{empty_core, harness};
use lutforge_fpga::parse::yosys_stat;
use lutforge_fpga::targets::{Family, Target};
use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{self, LinearParams, WeightMemory};
use lutforge_hdl::datapath::lut::{self, LutGemmParams, TableLoad};
use lutforge_hdl::ir::Module;

fn core_params(w4: bool, max_beats: u64) -> ParamMap {
    let mut cp = ParamMap::new();
    for (k, v) in [
        ("k", 64),
        ("n", 4),
        ("act_bits", 8),
        ("group", 4),
        ("stage_levels", 1),
    ] {
        cp.insert(k.into(), v.into());
    }
    cp.insert("table_storage".into(), "lutram".into());
    if w4 {
        cp.insert("w_format".into(), "int".into());
        cp.insert("w_bits".into(), 4.into());
    } else {
        cp.insert("w_format".into(), "binary".into());
    }
    cp.insert("max_beats".into(), max_beats.into());
    cp
}

/// Cells of `module` in the harness less the empty harness, with the flow's script.
fn cells(
    module: &Module,
    target: &Target,
    dir: &Path,
    weights_in_bram: bool,
) -> BTreeMap<String, i64> {
    std::fs::create_dir_all(dir).expect("output folder");
    let core = Arc::new(module.clone());
    let h = harness(core.clone()).expect("harness");
    let e = harness(Arc::new(empty_core(&core).expect("empty core"))).expect("empty harness");
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    for (m, sign) in [(&h, 1), (&e, -1)] {
        let file = format!("{}.v", m.name);
        std::fs::write(
            dir.join(&file),
            render_verilog(m, &Header::default()).expect("renders"),
        )
        .expect("writes");
        let mut synth = target.synth_command().to_string();
        if target.family != Family::Ice40 {
            synth.push_str(" -nodsp");
        }
        let mut script = format!("read_verilog {file}\nhierarchy -check -top {}\n", m.name);
        if target.family.has_lutram() {
            script.push_str("setattr -set ram_style \"distributed\" m:*\n");
        }
        if weights_in_bram {
            script.push_str("setattr -set ram_style \"block\" m:wm_*\n");
        }
        let stat = format!("stat_{}.json", m.name);
        script.push_str(&format!(
            "{synth} -top {}\ntee -q -o {stat} stat -json\n",
            m.name
        ));
        let ys = format!("{}.ys", m.name);
        std::fs::write(dir.join(&ys), script).expect("writes");
        let ok = Command::new("yosys")
            .args(["-q", "-l", &format!("{}.log", m.name), "-s", &ys])
            .current_dir(dir)
            .status()
            .expect("yosys runs");
        assert!(ok.success(), "yosys failed in {}", dir.display());
        let text = std::fs::read_to_string(dir.join(&stat)).expect("stat");
        for (k, n) in yosys_stat(&text, &m.name).expect("stat reads").cells {
            *out.entry(k).or_insert(0) += sign * n as i64;
        }
    }
    out
}

/// LUT4-eq (ECP5: LUT4 + 2·CCU2C + 6·TRELLIS_DPR16X4) or LUT6 with distributed RAM (xc7), as the flow counts them.
fn area(family: Family, c: &BTreeMap<String, i64>) -> i64 {
    let n = |k: &str| c.get(k).copied().unwrap_or(0);
    match family {
        Family::Ecp5 => n("LUT4") + 2 * n("CCU2C") + 6 * n("TRELLIS_DPR16X4"),
        _ => {
            let luts: i64 = (1..=6).map(|i| n(&format!("LUT{i}"))).sum();
            let ram = [
                ("RAM32X1S", 1),
                ("RAM64X1S", 1),
                ("RAM32X1D", 2),
                ("RAM64X1D", 2),
                ("RAM128X1S", 2),
                ("RAM128X1D", 4),
                ("RAM256X1S", 4),
                ("RAM32M", 4),
                ("RAM64M", 4),
            ];
            luts + ram.iter().map(|&(k, w)| w * n(k)).sum::<i64>()
        }
    }
}

/// Stops with one line on stderr.
fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(2)
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let [target, w, k_total, n_total, out] = a.as_slice() else {
        eprintln!("usage: linear_area TARGET W1|W4 K_TOTAL N_TOTAL OUT_DIR");
        std::process::exit(2);
    };
    let target = Target::by_name(target).unwrap_or_else(|e| fail(e));
    let w4 = match w.to_ascii_uppercase().as_str() {
        "W1" => false,
        "W4" => true,
        _ => fail(format!("weights `{w}`: give W1 (binary) or W4 (int4)")),
    };
    let features = |v: &str, what: &str| {
        v.parse::<usize>()
            .unwrap_or_else(|_| fail(format!("{what} `{v}` is not a whole number")))
    };
    let (k_total, n_total) = (features(k_total, "K_TOTAL"), features(n_total, "N_TOTAL"));
    let out = Path::new(out);
    let reg = Registry::builtin();
    let mut cp = core_params(w4, 1);
    cp.remove("max_beats");
    let p = LinearParams {
        name: "lin".into(),
        in_features: k_total,
        out_features: n_total,
        core: "lut-gemm".into(),
        core_params: cp,
        x_lanes: 8,
        y_lanes: 4,
        weight_word_bits: 32,
        weight_memory: WeightMemory::Bram,
        buffer_memory: Default::default(),
    };
    let g = linear::generate(&p, &reg).unwrap_or_else(|e| fail(e.to_string()));
    let macs = (k_total * n_total) as f64 / g.facts.cycles_per_vector as f64;
    let chunks = g.facts.chunks as u64;
    let mut named = core_params(w4, chunks);
    named.insert("name".into(), "lin_core".into());
    let full = reg
        .get("lut-gemm")
        .expect("registered")
        .design(&named)
        .expect("core params")
        .params();
    let caller: LutGemmParams =
        serde_json::from_value(serde_json::Value::Object(full)).expect("core params read");
    let inner = lut::generate_with(&caller, TableLoad::Caller).expect("core generates");
    let per_beat = reg
        .get("lut-gemm")
        .expect("registered")
        .design(&core_params(w4, 40))
        .expect("per-beat core")
        .generate()
        .expect("generates");
    println!(
        "{} {w} {k_total}x{n_total}: {} cycles a vector ({}), {macs:.1} MACs/cycle",
        target.name, g.facts.cycles_per_vector, g.facts.bound.limit
    );
    let runs: [(&str, &Module, f64, bool); 3] = [
        ("engine", &g.module, macs, true),
        ("core", &inner.module, macs, false),
        ("perbeat", &per_beat.module, per_beat.macs_per_cycle, false),
    ];
    for (what, m, mpc, bram) in runs {
        let c = cells(m, &target, &out.join(what), bram);
        let lut = area(target.family, &c);
        let shown: Vec<String> = c
            .iter()
            .filter(|(_, n)| **n != 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!(
            "{what}: {lut} · {mpc:.1} MACs/cycle · {:.2} per MAC/cycle · {}",
            lut as f64 / mpc,
            shown.join(", ")
        );
    }
}
