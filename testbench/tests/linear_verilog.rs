//! The linear engine's Verilog: it renders with the inner core as its own
//! module and compiles with Icarus Verilog (skipped when iverilog is absent),
//! and it runs in Icarus and Verilator cycle-exact against the Rust
//! simulator, every y-word checked against the golden GEMV.

use std::process::Command;

use lutforge_gen::Header;
use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{self, BufferMemory, LinearParams, WeightMemory};
use lutforge_testbench::backend::verilog::Simulator;
use lutforge_testbench::linear::cosim_engine;
use lutforge_testbench::traffic::TrafficKind;
use lutforge_tools::for_test;

#[test]
fn linear_verilog_compiles_with_icarus() {
    let mut cp = ParamMap::new();
    cp.insert("k".into(), 8.into());
    cp.insert("n".into(), 4.into());
    for memory in [
        WeightMemory::Registers,
        WeightMemory::Lutram,
        WeightMemory::Stream,
    ] {
        let p = LinearParams {
            name: "lin".into(),
            in_features: 21,
            out_features: 10,
            core: "ternary-gemv".into(),
            core_params: cp.clone(),
            x_lanes: 3,
            y_lanes: 3,
            weight_word_bits: 16,
            weight_memory: memory,
            buffer_memory: Default::default(),
        };
        let g = linear::generate(&p, &Registry::builtin()).expect("generates");
        let header = Header {
            command: "test".into(),
            params: vec![],
        };
        let v = lutforge_gen::render_verilog(&g.module, &header).expect("renders");
        assert!(v.contains("module lin_core"), "the core is its own module");
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("lin.v");
        std::fs::write(&file, v).expect("writes");
        let Ok(out) = Command::new("iverilog")
            .args(["-g2005", "-o"])
            .arg(dir.path().join("a.out"))
            .arg(&file)
            .output()
        else {
            eprintln!("iverilog not found: skipped");
            return;
        };
        assert!(
            out.status.success(),
            "{memory:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// One engine configuration of the cycle-exact benches.
struct Config {
    core: &'static str,
    extra: &'static [(&'static str, &'static str)],
    k: usize,
    n: usize,
    k_total: usize,
    n_total: usize,
    p: usize,
    q: usize,
    ww: u32,
    memory: WeightMemory,
    buffer: BufferMemory,
}

fn base(memory: WeightMemory) -> Config {
    Config {
        core: "ternary-gemv",
        extra: &[],
        k: 8,
        n: 4,
        k_total: 21,
        n_total: 10,
        p: 3,
        q: 3,
        ww: 16,
        memory,
        buffer: BufferMemory::Registers,
    }
}

fn engine(c: &Config) -> (linear::GeneratedLinear, String) {
    let g = linear::generate(&config_params(c), &Registry::builtin()).expect("generates");
    let header = Header {
        command: "test".into(),
        params: vec![],
    };
    let v = lutforge_gen::render_verilog(&g.module, &header).expect("renders");
    (g, v)
}

fn config_params(c: &Config) -> LinearParams {
    let mut cp = ParamMap::new();
    cp.insert("k".into(), c.k.into());
    cp.insert("n".into(), c.n.into());
    for (key, v) in c.extra {
        let value = v.parse::<u64>().map_or_else(|_| (*v).into(), Into::into);
        cp.insert((*key).into(), value);
    }
    LinearParams {
        name: "lin".into(),
        in_features: c.k_total,
        out_features: c.n_total,
        core: c.core.into(),
        core_params: cp,
        x_lanes: c.p,
        y_lanes: c.q,
        weight_word_bits: c.ww,
        weight_memory: c.memory,
        buffer_memory: c.buffer,
    }
}

/// Runs every config in `simulator` under `traffic`, cycle-exact against the Rust simulator; returns the y-words checked.
fn cosim_configs(simulator: Simulator, configs: &[Config], traffic: &[TrafficKind]) -> usize {
    let mut words = 0;
    for (i, c) in configs.iter().enumerate() {
        let (g, v) = engine(c);
        let dir = tempfile::tempdir().expect("temp dir");
        let label = format!(
            "{} {:?} {:?} k{} n{} K{} N{} p{} q{} ww{}",
            c.core, c.memory, c.buffer, c.k, c.n, c.k_total, c.n_total, c.p, c.q, c.ww
        );
        let start = std::time::Instant::now();
        let results = cosim_engine(simulator, &g, &v, 4, traffic, 100 + i as u64, dir.path())
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        for (r, t) in results.iter().zip(traffic) {
            assert!(
                r.errors.is_empty(),
                "{label} {}: {} problems, first: {}",
                t.name(),
                r.errors.len(),
                r.errors[0]
            );
            assert!(r.verilog.words > 0 && r.verilog.words == r.rust.words);
            words += r.verilog.words;
        }
        eprintln!(
            "{} {label}: {} runs cycle-exact in {:.1} s",
            simulator.name(),
            results.len(),
            start.elapsed().as_secs_f64()
        );
    }
    words
}

fn have(simulator: Simulator, test: &str) -> bool {
    simulator
        .tools()
        .iter()
        .all(|&t| for_test(t, test).is_some())
}

/// Every memory kind, every inner core, ragged tiles, P and Q from 1 to the tile, in Icarus, under every traffic pattern.
#[test]
fn linear_icarus_cycle_exact() {
    if !have(Simulator::Icarus, "linear_icarus_cycle_exact") {
        return;
    }
    let configs = [
        base(WeightMemory::Registers),
        Config {
            p: 1,
            q: 1,
            ..base(WeightMemory::Lutram)
        },
        Config {
            p: 8,
            q: 4,
            ..base(WeightMemory::Bram)
        },
        Config {
            k_total: 19,
            n_total: 7,
            p: 2,
            q: 1,
            ..base(WeightMemory::Spram)
        },
        base(WeightMemory::Stream),
        Config {
            extra: &[("w_packing", "base3")],
            k: 10,
            k_total: 23,
            ww: 24,
            ..base(WeightMemory::Bram)
        },
        Config {
            core: "mac-gemv",
            extra: &[("w_format", "int"), ("w_bits", "4")],
            ww: 12,
            ..base(WeightMemory::Bram)
        },
        Config {
            core: "lut-gemm",
            ..base(WeightMemory::Lutram)
        },
        Config {
            core: "lut-gemm",
            q: 4,
            ..base(WeightMemory::Bram)
        },
    ];
    let words = cosim_configs(Simulator::Icarus, &configs, &TrafficKind::ALL);
    assert!(words > 0);
}

/// Activation and result buffers in block RAM, in Icarus under every
/// traffic pattern: ternary with SPRAM weights, base3 with 80-bit chunk
/// columns (two block memories a column), mac-gemv with P = Q = 1, and
/// lut-gemm activation-stationary.
#[test]
fn linear_icarus_bram_buffers_cycle_exact() {
    if !have(Simulator::Icarus, "linear_icarus_bram_buffers_cycle_exact") {
        return;
    }
    let configs = [
        Config {
            p: 4,
            q: 2,
            buffer: BufferMemory::Bram,
            ..base(WeightMemory::Spram)
        },
        Config {
            core: "mac-gemv",
            extra: &[("w_format", "int"), ("w_bits", "4")],
            ww: 12,
            p: 1,
            q: 1,
            buffer: BufferMemory::Bram,
            ..base(WeightMemory::Lutram)
        },
        Config {
            extra: &[("w_packing", "base3")],
            k: 10,
            k_total: 23,
            ww: 24,
            p: 10,
            q: 4,
            buffer: BufferMemory::Bram,
            ..base(WeightMemory::Spram)
        },
        Config {
            core: "lut-gemm",
            extra: &[
                ("table_storage", "lutram"),
                ("w_format", "int"),
                ("w_bits", "4"),
            ],
            p: 8,
            q: 4,
            buffer: BufferMemory::Bram,
            ..base(WeightMemory::Bram)
        },
    ];
    let words = cosim_configs(Simulator::Icarus, &configs, &TrafficKind::ALL);
    assert!(words > 0);
}

/// The same bench in Verilator: the block memories, SPRAM's model, stream mode and the LUT core, with bubbles and back-pressure.
#[test]
fn linear_verilator_cycle_exact() {
    if !have(Simulator::Verilator, "linear_verilator_cycle_exact") {
        return;
    }
    let configs = [
        Config {
            p: 1,
            q: 4,
            ..base(WeightMemory::Spram)
        },
        Config {
            core: "mac-gemv",
            extra: &[("w_format", "int"), ("w_bits", "4")],
            ww: 12,
            ..base(WeightMemory::Stream)
        },
        Config {
            core: "lut-gemm",
            p: 8,
            q: 1,
            ..base(WeightMemory::Bram)
        },
        Config {
            extra: &[("w_packing", "base3")],
            k: 10,
            k_total: 23,
            ww: 24,
            ..base(WeightMemory::Lutram)
        },
    ];
    let words = cosim_configs(
        Simulator::Verilator,
        &configs,
        &[TrafficKind::Both, TrafficKind::Full],
    );
    assert!(words > 0);
}

/// The bench catches a wrong engine: a y-element inverted, and `y_last` inverted.
#[test]
fn linear_bench_catches_a_wrong_engine() {
    if !have(Simulator::Icarus, "linear_bench_catches_a_wrong_engine") {
        return;
    }
    let (g, v) = engine(&base(WeightMemory::Bram));
    let y = "assign y_data = {";
    let last = "assign y_last = ";
    assert!(
        v.contains(y) && v.contains(last),
        "the engine drives y_data and y_last by assigns"
    );
    for (from, to, want) in [
        (y, "assign y_data = ~{", "want"),
        (last, "assign y_last = ~", "extra y-word"),
    ] {
        let wrong = v.replacen(from, to, 1);
        let dir = tempfile::tempdir().expect("temp dir");
        let r = cosim_engine(
            Simulator::Icarus,
            &g,
            &wrong,
            3,
            &[TrafficKind::Both],
            5,
            dir.path(),
        )
        .expect("runs");
        let errors = &r[0].errors;
        assert!(
            errors
                .iter()
                .any(|e| e.contains(want) && e.starts_with("iverilog")),
            "{to}: {errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("against the Rust simulator")),
            "{to}: the traces differ: {errors:?}"
        );
    }
}

/// mx-dot engines in Icarus under every traffic pattern,
/// cycle-exact against the Rust simulator, every result and flag against
/// the MX golden model: block 8 with a padded last chunk (MXINT8 × MXFP4,
/// fixed) and MXFP8 E4M3 × MXFP6 E2M3 to fp32 in block RAM.
#[test]
fn linear_mx_dot_cycle_exact() {
    let mx = |extra, memory| Config {
        core: "mx-dot",
        extra,
        k: 32,
        n: 3,
        k_total: 40,
        n_total: 7,
        p: 9,
        q: 2,
        ww: 24,
        memory,
        buffer: BufferMemory::Registers,
    };
    let configs = [
        mx(&[("block", "8")], WeightMemory::Registers),
        Config {
            p: 5,
            ..mx(
                &[
                    ("block", "8"),
                    ("act_format", "mxfp8-e4m3"),
                    ("w_format", "mxfp6-e2m3"),
                    ("out_format", "fp32"),
                ],
                WeightMemory::Bram,
            )
        },
    ];
    if have(Simulator::Icarus, "linear_mx_dot_cycle_exact") {
        assert!(cosim_configs(Simulator::Icarus, &configs, &TrafficKind::ALL) > 0);
    }
}

/// `gen linear --datapath mx-dot --weights` in Icarus: an engine whose
/// block RAM starts with MX-quantized float weights (the emitted initial
/// contents) answers vectors that follow reset with no weight load, then a
/// reload, under every traffic pattern; cycle-exact against the Rust
/// simulator, every result and flag against the exact MX golden model.
#[test]
fn linear_mx_dot_initial_weights_in_icarus() {
    use lutforge_hdl::datapath::linear::InitialWeights;
    use lutforge_testbench::layer::random_activations;
    use lutforge_testbench::linear::{
        BenchRun, LinearBench, LinearRun, Packing, cosim_preloaded, packing_of, weight_words,
    };
    use rand::SeedableRng;
    if !have(Simulator::Icarus, "linear_mx_dot_initial_weights_in_icarus") {
        return;
    }
    let c = Config {
        core: "mx-dot",
        extra: &[
            ("block", "8"),
            ("act_format", "mxint8"),
            ("w_format", "mxfp4-e2m1"),
        ],
        k: 16,
        n: 3,
        k_total: 27,
        n_total: 7,
        p: 5,
        q: 2,
        ww: 16,
        memory: WeightMemory::Bram,
        buffer: BufferMemory::Registers,
    };
    let (plain, _) = engine(&c);
    let Packing::Mx(mx) = packing_of(&plain) else {
        panic!("an mx-dot engine names its MX facts");
    };
    let w = random_activations(c.n_total, c.k_total, 77);
    let units = mx.quantized_rows(&w).expect("quantizes");
    let init = InitialWeights {
        units: units.clone(),
    };
    let g = linear::generate_with(&config_params(&c), &Registry::builtin(), Some(&init))
        .expect("generates");
    let header = Header {
        command: "test".into(),
        params: vec![],
    };
    let v = lutforge_gen::render_verilog(&g.module, &header).expect("renders");
    assert!(
        v.contains("initial begin"),
        "the weights are initial contents"
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let runs: Vec<BenchRun> = TrafficKind::ALL
        .iter()
        .map(|&traffic| {
            let mut first = mx.random_layer(c.n_total, 4, &mut rng);
            first.codes = units.clone();
            let run = LinearRun {
                packing: Packing::Mx(mx),
                first,
                second: mx.random_layer(c.n_total, 2, &mut rng),
                ww: c.ww as usize,
                p: c.p,
                q: c.q,
                stream: false,
                traffic,
            };
            BenchRun::new(run, &mut rng)
        })
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let bench =
        LinearBench::build(Simulator::Icarus, &g.module, &v, &runs, dir.path()).expect("builds");
    for (i, r) in runs.iter().enumerate() {
        let co = cosim_preloaded(&g.module, &bench, r, i, &mut rng).expect("runs");
        assert!(
            co.errors.is_empty(),
            "{}: {} problems, first: {}",
            r.run.traffic.name(),
            co.errors.len(),
            co.errors[0]
        );
        assert_eq!(co.verilog.words, co.rust.words);
        let reload = weight_words(Packing::Mx(mx), &r.run.second.codes, c.ww as usize);
        assert_eq!(
            co.rust.trace.w.len(),
            reload.len(),
            "only the reload is taken"
        );
        assert_eq!(co.rust.observed.len(), 6);
    }
}
