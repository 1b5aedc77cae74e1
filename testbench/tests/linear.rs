//! The linear engine on the Rust simulator: every inner core, every memory
//! kind, tiles that do not divide the layer, P and Q from 1 to the tile,
//! every traffic pattern, a reload after vectors, and the stated
//! cycles per vector against the measured ones.

use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{
    self, BufferMemory, GeneratedLinear, LinearParams, WeightMemory,
};
use lutforge_testbench::linear::{LinearRun, Packing, random_layer, run_rust_sim};
use lutforge_testbench::traffic::TrafficKind;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[derive(Clone, Copy)]
struct Case {
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

fn params(c: &Case) -> LinearParams {
    let mut cp = ParamMap::new();
    cp.insert("k".into(), c.k.into());
    cp.insert("n".into(), c.n.into());
    for (key, v) in c.extra {
        let value = match (v.parse::<u64>(), v.parse::<bool>()) {
            (Ok(n), _) => n.into(),
            (_, Ok(flag)) => flag.into(),
            _ => (*v).into(),
        };
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

fn packing(g: &GeneratedLinear) -> Packing {
    let bits = g
        .facts
        .core_params
        .get("w_bits")
        .and_then(|v| v.as_u64())
        .unwrap_or(2) as u32;
    match g.facts.weight_packing {
        "ternary" => Packing::Ternary,
        "binary" => Packing::Binary,
        "base3" => Packing::Base3,
        "i2s" => Packing::I2s,
        _ => Packing::Int(bits),
    }
}

/// Runs one case under every traffic pattern; returns the measured cycles per vector under full traffic.
fn check(c: &Case, vectors: usize) -> f64 {
    let g = linear::generate(&params(c), &Registry::builtin()).expect("generates");
    let pk = packing(&g);
    let act = g.facts.core_params["act_bits"].as_u64().unwrap() as u32;
    let mut measured = 0.0;
    for (seed, traffic) in TrafficKind::ALL.into_iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed as u64 + 7);
        let run = LinearRun {
            packing: pk,
            first: random_layer(pk, c.k_total, c.n_total, act, vectors, &mut rng),
            second: random_layer(pk, c.k_total, c.n_total, act, 2, &mut rng),
            ww: c.ww as usize,
            p: c.p,
            q: c.q,
            stream: c.memory == WeightMemory::Stream,
            traffic,
        };
        let rep = run_rust_sim(&g.module, &run, &mut rng);
        assert!(
            rep.errors.is_empty(),
            "{} {:?} {}: {} errors, first: {}",
            c.core,
            c.memory,
            traffic.name(),
            rep.errors.len(),
            rep.errors[0]
        );
        if traffic == TrafficKind::Full {
            measured = rep.cycles_per_vector;
        }
    }
    let stated = g.facts.cycles_per_vector as f64;
    assert!(
        (measured - stated).abs() <= 0.05 * stated,
        "{} {:?}: measured {measured} cycles per vector, stated {stated} ({:?})",
        c.core,
        c.memory,
        g.facts.bound
    );
    eprintln!(
        "{} {:?} {:?} k{} n{} K{} N{} p{} q{}: measured {measured}, stated {stated}, bound {}",
        c.core, c.memory, c.buffer, c.k, c.n, c.k_total, c.n_total, c.p, c.q, g.facts.bound.limit
    );
    measured
}

fn case(core: &'static str, memory: WeightMemory) -> Case {
    Case {
        core,
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

#[test]
fn linear_ternary_codes_every_memory() {
    for memory in [
        WeightMemory::Registers,
        WeightMemory::Lutram,
        WeightMemory::Bram,
        WeightMemory::Spram,
        WeightMemory::Stream,
    ] {
        check(&case("ternary-gemv", memory), 5);
    }
}

#[test]
fn linear_ternary_base3() {
    for memory in [
        WeightMemory::Lutram,
        WeightMemory::Bram,
        WeightMemory::Stream,
    ] {
        let c = Case {
            extra: &[("w_packing", "base3")],
            k: 10,
            k_total: 23,
            ww: 24,
            ..case("ternary-gemv", memory)
        };
        check(&c, 5);
    }
}

#[test]
fn linear_mac_gemv() {
    for memory in [
        WeightMemory::Lutram,
        WeightMemory::Bram,
        WeightMemory::Stream,
    ] {
        let c = Case {
            extra: &[("w_format", "int"), ("w_bits", "4")],
            ww: 12,
            ..case("mac-gemv", memory)
        };
        check(&c, 5);
    }
}

#[test]
fn linear_lut_gemm() {
    for memory in [WeightMemory::Lutram, WeightMemory::Bram] {
        check(&case("lut-gemm", memory), 4);
    }
}

/// The engine around a core under `credit` flow control (its own
/// handshakes with the core are the contract's, so nothing else changes):
/// every core, one bit-serial activation-stationary lut-gemm.
#[test]
fn linear_every_core_under_credit_flow_control() {
    const CREDIT: &[(&str, &str)] = &[("flow_control", "credit")];
    const MAC_CREDIT: &[(&str, &str)] = &[
        ("w_format", "int"),
        ("w_bits", "4"),
        ("flow_control", "credit"),
    ];
    const W4_SERIAL_CREDIT: &[(&str, &str)] = &[
        ("table_storage", "lutram"),
        ("w_format", "int"),
        ("w_bits", "4"),
        ("bit_serial", "true"),
        ("flow_control", "credit"),
    ];
    for c in [
        Case {
            extra: CREDIT,
            ..case("ternary-gemv", WeightMemory::Bram)
        },
        Case {
            extra: CREDIT,
            ..case("ternary-gemv", WeightMemory::Stream)
        },
        Case {
            extra: MAC_CREDIT,
            ww: 12,
            ..case("mac-gemv", WeightMemory::Lutram)
        },
        Case {
            extra: CREDIT,
            ..case("lut-gemm", WeightMemory::Bram)
        },
        stationary(W4_SERIAL_CREDIT, WeightMemory::Bram),
    ] {
        check(&c, 4);
    }
}

#[test]
fn linear_lanes_from_one_to_the_tile() {
    for (p, q) in [(1, 1), (8, 4), (5, 2), (2, 3)] {
        check(
            &Case {
                p,
                q,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
            5,
        );
    }
}

#[test]
fn linear_block_memories_one_word_and_full_lanes() {
    for memory in [WeightMemory::Bram, WeightMemory::Spram] {
        for (k_total, n_total, p, q) in [(8, 4, 8, 4), (3, 1, 2, 1), (21, 10, 1, 1)] {
            let c = Case {
                k_total,
                n_total,
                p,
                q,
                ..case("ternary-gemv", memory)
            };
            check(&c, 5);
        }
    }
}

#[test]
fn linear_single_tile_and_exact_multiples() {
    check(
        &Case {
            k_total: 8,
            n_total: 4,
            p: 8,
            q: 4,
            ..case("ternary-gemv", WeightMemory::Registers)
        },
        5,
    );
    check(
        &Case {
            k_total: 16,
            n_total: 8,
            ww: 64,
            ..case("ternary-gemv", WeightMemory::Stream)
        },
        5,
    );
    check(
        &Case {
            k_total: 3,
            n_total: 1,
            p: 2,
            q: 1,
            ww: 2,
            ..case("ternary-gemv", WeightMemory::Lutram)
        },
        5,
    );
}

#[test]
fn linear_refuses_bad_params() {
    let reg = Registry::builtin();
    let base = case("ternary-gemv", WeightMemory::Lutram);
    let bad = [
        (
            "x-lanes",
            Case {
                p: 9,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
        (
            "y-lanes",
            Case {
                q: 5,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
        (
            "in-features",
            Case {
                k_total: 0,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
        (
            "out-features",
            Case {
                n_total: 0,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
        (
            "in-features",
            Case {
                k_total: 65537,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
        (
            "out-features",
            Case {
                n_total: 65537,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
        (
            "weight-memory",
            Case {
                k_total: 65536,
                n_total: 4096,
                ..case("ternary-gemv", WeightMemory::Spram)
            },
        ),
    ];
    assert!(linear::generate(&params(&base), &reg).is_ok());
    for (param, c) in bad {
        match linear::generate(&params(&c), &reg) {
            Err(lutforge_hdl::datapath::CoreError::Param(e)) => {
                assert_eq!(e.param, param, "{e}");
                assert!(!e.to_string().contains('\n'));
            }
            other => panic!("{param}: {other:?}"),
        }
    }
}

/// lut-gemm with its tables in LUT RAM runs activation-stationary: W1, W4
/// (bit-parallel and bit-serial) and ternary, every memory with a stored
/// matrix, tiles that do not divide the layer, one tile, one chunk.
fn stationary(extra: &'static [(&'static str, &'static str)], memory: WeightMemory) -> Case {
    Case {
        extra,
        ..case("lut-gemm", memory)
    }
}

const W1: &[(&str, &str)] = &[("table_storage", "lutram"), ("w_format", "binary")];
const W4: &[(&str, &str)] = &[
    ("table_storage", "lutram"),
    ("w_format", "int"),
    ("w_bits", "4"),
];
const W4_SERIAL: &[(&str, &str)] = &[
    ("table_storage", "lutram"),
    ("w_format", "int"),
    ("w_bits", "4"),
    ("bit_serial", "true"),
];
const TERNARY: &[(&str, &str)] = &[("table_storage", "lutram"), ("w_format", "ternary")];
const W1_G2_PADK: &[(&str, &str)] = &[
    ("table_storage", "lutram"),
    ("w_format", "binary"),
    ("group", "2"),
];
const W4_PADK: &[(&str, &str)] = &[
    ("table_storage", "lutram"),
    ("w_format", "int"),
    ("w_bits", "4"),
    ("pad_k", "true"),
];

fn stated_order(c: &Case) -> String {
    let g = linear::generate(&params(c), &Registry::builtin()).expect("generates");
    g.facts.loop_order.to_string()
}

#[test]
fn linear_lut_gemm_activation_stationary_formats() {
    for (extra, memory) in [
        (W1, WeightMemory::Lutram),
        (W1, WeightMemory::Bram),
        (W4, WeightMemory::Lutram),
        (W4, WeightMemory::Bram),
        (W4_SERIAL, WeightMemory::Bram),
        (TERNARY, WeightMemory::Registers),
        (TERNARY, WeightMemory::Spram),
    ] {
        let c = stationary(extra, memory);
        assert!(stated_order(&c).starts_with("activation-stationary"));
        check(&c, 4);
    }
}

#[test]
fn linear_lut_gemm_activation_stationary_shapes() {
    let cases = [
        // One tile, several chunks; several tiles, one chunk; one of each.
        Case {
            n_total: 3,
            q: 2,
            ..stationary(W1, WeightMemory::Bram)
        },
        Case {
            k_total: 7,
            p: 7,
            ..stationary(W4, WeightMemory::Lutram)
        },
        Case {
            k_total: 8,
            n_total: 4,
            p: 8,
            q: 4,
            ..stationary(W1, WeightMemory::Bram)
        },
        // g = 2 (two-entry tables), and K of the tile not a multiple of g.
        Case {
            k: 6,
            ..stationary(W1_G2_PADK, WeightMemory::Lutram)
        },
        Case {
            k: 6,
            k_total: 25,
            n_total: 13,
            p: 2,
            q: 1,
            ..stationary(W4_PADK, WeightMemory::Bram)
        },
    ];
    for c in cases {
        check(&c, 4);
    }
}

#[test]
fn linear_lut_gemm_stationary_refuses_stream() {
    let c = stationary(W1, WeightMemory::Stream);
    match linear::generate(&params(&c), &Registry::builtin()) {
        Err(lutforge_hdl::datapath::CoreError::Param(e)) => {
            assert_eq!(e.param, "weight-memory", "{e}");
            assert!(!e.to_string().contains('\n'));
        }
        other => panic!("stream with lutram tables: {other:?}"),
    }
}

/// The engine with every port a scalar (vectors packed LSB first, `y_data`
/// shown as 0 while `y_valid` is 0), for the cycle bench.
fn flat(g: &GeneratedLinear) -> lutforge_hdl::ir::Module {
    use lutforge_hdl::ir::{Dir, ModuleBuilder, Ty};
    let inner = std::sync::Arc::new(g.module.clone());
    let mut b = ModuleBuilder::new(&format!("{}_flat", inner.name)).expect("name");
    b.clock().expect("clock");
    let mut conns: Vec<(String, Vec<lutforge_hdl::ir::SignalId>)> = Vec::new();
    for p in inner
        .ports
        .iter()
        .filter(|p| p.dir == Dir::Input && p.name != "clk")
    {
        let n = p.signals.len();
        let bits = p.elem.width * n as u32;
        let port = b.input(&p.name, Ty::unsigned(bits)).expect("input");
        let elems = if p.vector {
            (0..n)
                .map(|e| {
                    let name = format!("{}_{e}", p.name);
                    b.slice(
                        &name,
                        port,
                        e as u32 * p.elem.width,
                        p.elem.width,
                        p.elem.signed,
                    )
                    .expect("slice")
                })
                .collect()
        } else {
            vec![port]
        };
        conns.push((p.name.clone(), elems));
    }
    let refs: Vec<(&str, &[lutforge_hdl::ir::SignalId])> = conns
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()))
        .collect();
    let outs = b.instance("u", inner.clone(), &refs).expect("instance");
    let y_valid = outs.scalar("y_valid").expect("y_valid");
    for p in inner.ports.iter().filter(|p| p.dir == Dir::Output) {
        let sigs = outs.vector(&p.name).expect("output").to_vec();
        let sig = if p.vector {
            // y_data means nothing while y_valid is 0 (and is X in Verilog before the first result).
            let word = b
                .concat(&format!("{}_flat", p.name), &sigs, false)
                .expect("concat");
            let ty = b.ty(word);
            let zero = b
                .constant(&format!("{}_none", p.name), ty, 0)
                .expect("zero");
            b.mux(&format!("{}_shown", p.name), ty, y_valid, word, zero)
                .expect("mux")
        } else {
            sigs[0]
        };
        b.output(&p.name, sig).expect("output");
    }
    b.finish().expect("finishes")
}

/// One stream of the reactive driver: words offered with random bubbles, held until taken.
struct Offer {
    words: Vec<(u64, bool)>,
    next: usize,
    holding: bool,
}

impl Offer {
    fn step(&mut self, rng: &mut ChaCha8Rng, allowed: bool) -> (u64, u64, u64) {
        use rand::Rng;
        if !self.holding && allowed && self.next < self.words.len() && rng.random_bool(0.7) {
            self.holding = true;
        }
        let (data, last) = self.words.get(self.next).copied().unwrap_or((0, false));
        if self.holding {
            (1, u64::from(last), data)
        } else {
            (0, 0, rng.random_range(0..1 << 10))
        }
    }
    fn taken(&mut self) {
        self.holding = false;
        self.next += 1;
    }
}

/// A reactive run of `c` on the Rust simulator with bubbles and
/// back-pressure, its y-words checked against the golden GEMV: the flat
/// engine and the inputs it was given, cycle by cycle.
fn reactive_run(c: &Case, seed: u64, cycles: usize) -> (lutforge_hdl::ir::Module, Vec<Vec<u64>>) {
    use lutforge_hdl::sim::Sim;
    use lutforge_testbench::linear::{gemv, weight_words};
    use rand::Rng;
    let mut p = params(c);
    p.name = format!("lin{seed}");
    let g = linear::generate(&p, &Registry::builtin()).expect("generates");
    let m = flat(&g);
    let pk = packing(&g);
    let act = g.facts.core_params["act_bits"].as_u64().unwrap() as u32;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let layer = random_layer(pk, c.k_total, c.n_total, act, 3, &mut rng);
    let pack = |bits: &[bool]| bits.iter().rev().fold(0u64, |a, &b| a << 1 | u64::from(b));
    let ws = weight_words(pk, &layer.codes, c.ww as usize);
    let nw = ws.len();
    let mut w = Offer {
        words: ws
            .iter()
            .enumerate()
            .map(|(i, b)| (pack(b), i + 1 == nw))
            .collect(),
        next: 0,
        holding: false,
    };
    let amask = (1u64 << act) - 1;
    let mut xq = Vec::new();
    for v in &layer.vectors {
        let words: Vec<&[i64]> = v.chunks(c.p).collect();
        for (i, word) in words.iter().enumerate() {
            let bits = word.iter().enumerate().fold(0u64, |a, (e, &x)| {
                a | ((x as u64) & amask) << (act as usize * e)
            });
            xq.push((bits, i + 1 == words.len()));
        }
    }
    let mut x = Offer {
        words: xq,
        next: 0,
        holding: false,
    };
    let names: Vec<String> = m
        .ports
        .iter()
        .filter(|p| p.dir == lutforge_hdl::ir::Dir::Input && p.name != "clk")
        .map(|p| p.name.clone())
        .collect();
    let mut sim = Sim::new(&m, 1).expect("sim");
    let ins: Vec<_> = names.iter().map(|n| sim.input(n).expect("input")).collect();
    let out = |sim: &Sim, n: &str| sim.output(n).expect("output");
    let (w_ready, x_ready) = (out(&sim, "w_ready"), out(&sim, "x_ready"));
    let (y_valid, y_data) = (out(&sim, "y_valid"), out(&sim, "y_data"));
    let acc = g.facts.acc_bits;
    let (wmask, xmask) = ((1u64 << c.ww) - 1, (1u64 << (act as usize * c.p)) - 1);
    let mut inputs = Vec::new();
    let mut ys: Vec<i64> = Vec::new();
    for cycle in 0..cycles {
        let rst = u64::from(cycle < 2);
        let (wv, wl, wd) = w.step(&mut rng, rst == 0);
        let (xv, xl, xd) = x.step(&mut rng, rst == 0 && w.next == nw);
        let yr = u64::from(rng.random_bool(0.6));
        let row: Vec<u64> = names
            .iter()
            .map(|n| match n.as_str() {
                "rst" => rst,
                "w_valid" => wv,
                "w_last" => wl,
                "w_data" => wd & wmask,
                "x_valid" => xv,
                "x_last" => xl,
                "x_data" => xd & xmask,
                "y_ready" => yr,
                other => panic!("input {other}"),
            })
            .collect();
        for (h, &v) in ins.iter().zip(&row) {
            sim.set(h, 0, 0, v);
        }
        sim.eval();
        if wv == 1 && sim.get(&w_ready, 0, 0) == 1 {
            w.taken();
        }
        if xv == 1 && sim.get(&x_ready, 0, 0) == 1 {
            x.taken();
        }
        if yr == 1 && sim.get(&y_valid, 0, 0) == 1 {
            let word = sim.get(&y_data, 0, 0);
            for e in 0..c.q as u32 {
                let v = (word >> (e * acc)) & ((1 << acc) - 1);
                ys.push(((v << (64 - acc)) as i64) >> (64 - acc));
            }
        }
        inputs.push(row);
        sim.tick().expect("ticks");
    }
    let values: Vec<Vec<i64>> = layer
        .codes
        .iter()
        .map(|r| {
            r.iter()
                .map(|&k| lutforge_testbench::linear::decode(pk, k))
                .collect()
        })
        .collect();
    let mut want = Vec::new();
    for v in &layer.vectors {
        let mut y: Vec<i64> = gemv(&values, v).into_iter().map(|y| y as i64).collect();
        y.resize(c.n_total.div_ceil(c.q) * c.q, 0);
        want.extend(y);
    }
    assert_eq!(
        ys, want,
        "the Rust simulator's y-words against the golden GEMV"
    );
    (m, inputs)
}

#[test]
fn linear_lut_gemm_stationary_in_icarus_equals_the_rust_simulator() {
    use lutforge_testbench::backend::rust_sim::run_cycles;
    use lutforge_testbench::backend::verilog::{CycleCircuit, Simulator, run_cycle_bench};
    let cycles = 900;
    let cases = [
        stationary(W4, WeightMemory::Bram),
        stationary(W1, WeightMemory::Lutram),
        Case {
            k: 6,
            k_total: 25,
            n_total: 13,
            p: 2,
            q: 1,
            ..stationary(W4_PADK, WeightMemory::Registers)
        },
        stationary(W4_SERIAL, WeightMemory::Bram),
    ];
    let runs: Vec<_> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| reactive_run(c, 11 + i as u64, cycles))
        .collect();
    let expected: Vec<_> = runs
        .iter()
        .map(|(m, i)| run_cycles(m, i).expect("simulates"))
        .collect();
    if !Simulator::Icarus
        .tools()
        .iter()
        .all(|&t| lutforge_tools::for_test(t, "linear engine co-simulation").is_some())
    {
        return;
    }
    let header = lutforge_gen::Header::default();
    let circuits: Vec<CycleCircuit> = runs
        .iter()
        .map(|(m, i)| CycleCircuit {
            module: m,
            verilog: lutforge_gen::render_verilog(m, &header).expect("renders"),
            inputs: i.clone(),
        })
        .collect();
    let work = tempfile::tempdir().expect("temp dir");
    let got =
        run_cycle_bench(Simulator::Icarus, &circuits, cycles, work.path()).expect("icarus runs");
    for (k, (g, want)) in got.outputs.iter().zip(&expected).enumerate() {
        for (cy, (grow, wrow)) in g.iter().zip(&want[1..]).enumerate() {
            assert_eq!(grow, wrow, "icarus circuit {k} cycle {}", cy + 1);
        }
    }
}

/// Edges from the one that takes the last x-word of a vector to the one
/// that offers its first y-word, on an idle engine with its weights loaded.
fn measured_latency(g: &GeneratedLinear, c: &Case) -> u64 {
    use lutforge_hdl::sim::Sim;
    let m = flat(g);
    let mut sim = Sim::new(&m, 1).expect("sim");
    let port = |sim: &Sim, n: &str| sim.input(n).expect("input");
    let (rst, w_valid, w_last) = (
        port(&sim, "rst"),
        port(&sim, "w_valid"),
        port(&sim, "w_last"),
    );
    let (x_valid, x_last, y_ready) = (
        port(&sim, "x_valid"),
        port(&sim, "x_last"),
        port(&sim, "y_ready"),
    );
    let w_ready = sim.output("w_ready").expect("w_ready");
    let x_ready = sim.output("x_ready").expect("x_ready");
    let y_valid = sim.output("y_valid").expect("y_valid");
    sim.set(&rst, 0, 0, 1);
    sim.tick().expect("ticks");
    sim.set(&rst, 0, 0, 0);
    sim.set(&y_ready, 0, 0, 1);
    let words = g.facts.weight_words;
    let mut taken = 0;
    while taken < words {
        sim.set(&w_valid, 0, 0, 1);
        sim.set(&w_last, 0, 0, u64::from(taken + 1 == words));
        sim.eval();
        taken += sim.get(&w_ready, 0, 0);
        sim.tick().expect("ticks");
    }
    sim.set(&w_valid, 0, 0, 0);
    for _ in 0..4 {
        sim.tick().expect("ticks");
    }
    let x_words = c.k_total.div_ceil(c.p);
    let mut sent = 0;
    let mut edge = 0u64;
    let mut last_x = None;
    loop {
        let offer = sent < x_words;
        sim.set(&x_valid, 0, 0, u64::from(offer));
        sim.set(&x_last, 0, 0, u64::from(sent + 1 == x_words));
        sim.eval();
        if let Some(at) = last_x
            && sim.get(&y_valid, 0, 0) == 1
        {
            return edge - at;
        }
        if offer && sim.get(&x_ready, 0, 0) == 1 {
            sent += 1;
            if sent == x_words {
                last_x = Some(edge + 1);
            }
        }
        sim.tick().expect("ticks");
        edge += 1;
        assert!(edge < 10_000, "no result");
    }
}

#[test]
fn linear_lut_gemm_stated_latency_is_measured() {
    for c in [
        case("lut-gemm", WeightMemory::Bram),
        stationary(W1, WeightMemory::Bram),
        stationary(W4_SERIAL, WeightMemory::Lutram),
    ] {
        let g = linear::generate(&params(&c), &Registry::builtin()).expect("generates");
        assert_eq!(
            measured_latency(&g, &c),
            g.facts.latency,
            "{}",
            g.facts.loop_order
        );
    }
}

#[test]
fn linear_lut_gemm_stationary_lint_is_silent() {
    use lutforge_tools::checks::verilator_lint;
    if lutforge_tools::for_test(lutforge_tools::Tool::Verilator, "linear engine lint").is_none() {
        return;
    }
    for c in [
        stationary(W1, WeightMemory::Bram),
        stationary(W4_SERIAL, WeightMemory::Lutram),
    ] {
        let g = linear::generate(&params(&c), &Registry::builtin()).expect("generates");
        let v = lutforge_gen::render_verilog(&g.module, &lutforge_gen::Header::default())
            .expect("renders");
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("lin.v"), v).expect("writes");
        let out = verilator_lint(dir.path(), "lin.v", "lin").expect("verilator runs");
        assert!(out.is_empty(), "{}", out.join("\n"));
    }
}

#[test]
fn linear_packed_wide_segments_and_several_reads_a_beat() {
    // base3 segments of 128 bits (K = 80): two 64-bit block-RAM lanes a row, or
    // two 64-bit SPRAM words a row (R = 2·N reads a beat); 64-bit ones (K = 40, N = 1:
    // one read a beat); 32-bit ones (K = 20: two SPRAMs, R = N); short last chunks.
    for (k, n, k_total, n_total) in [(80, 2, 170, 5), (40, 1, 93, 3), (20, 3, 47, 7)] {
        for memory in [WeightMemory::Bram, WeightMemory::Spram] {
            let c = Case {
                extra: &[("w_packing", "base3")],
                k,
                n,
                k_total,
                n_total,
                p: 7.min(k),
                q: n,
                ww: 24,
                ..case("ternary-gemv", memory)
            };
            check(&c, 4);
        }
    }
}

#[test]
fn linear_initial_weights_answer_with_no_load() {
    use lutforge_hdl::datapath::linear::InitialWeights;
    use lutforge_testbench::linear::{row_units, run_rust_sim_preloaded};
    for (extra, k, n, k_total, n_total) in [
        (&[("w_packing", "base3")][..], 80, 2, 170, 5),
        (&[][..], 8, 4, 21, 10),
    ] {
        let c = Case {
            extra,
            k,
            n,
            k_total,
            n_total,
            q: n,
            ..case("ternary-gemv", WeightMemory::Bram)
        };
        let plain = linear::generate(&params(&c), &Registry::builtin()).expect("generates");
        let pk = packing(&plain);
        for (seed, traffic) in TrafficKind::ALL.into_iter().enumerate() {
            let mut rng = ChaCha8Rng::seed_from_u64(seed as u64 + 70);
            let first = random_layer(pk, k_total, n_total, 8, 4, &mut rng);
            let init = InitialWeights {
                units: row_units(pk, &first.codes),
            };
            let g = linear::generate_with(&params(&c), &Registry::builtin(), Some(&init))
                .expect("generates");
            let run = LinearRun {
                packing: pk,
                first,
                second: random_layer(pk, k_total, n_total, 8, 2, &mut rng),
                ww: c.ww as usize,
                p: c.p,
                q: c.q,
                stream: false,
                traffic,
            };
            let rep = run_rust_sim_preloaded(&g.module, &run, &mut rng);
            assert!(
                rep.errors.is_empty(),
                "{}: {:?}",
                traffic.name(),
                rep.errors.first()
            );
            assert_eq!(rep.observed.len(), 6, "{}", traffic.name());
        }
    }
}

/// Activation and result buffers in block RAM: every core (lut-gemm
/// tile-outer and activation-stationary), padded K_total and N_total, P and
/// Q of 1 and of the tile, weights in registers, LUT RAM, block RAM, SPRAM
/// and the stream; the same y-words and the same stated cycles as registers.
#[test]
fn linear_bram_buffers() {
    let bram = |c: Case| Case {
        buffer: BufferMemory::Bram,
        ..c
    };
    let cases = [
        bram(Case {
            p: 4,
            q: 2,
            ..case("ternary-gemv", WeightMemory::Registers)
        }),
        bram(Case {
            p: 1,
            q: 1,
            ..case("ternary-gemv", WeightMemory::Spram)
        }),
        bram(Case {
            p: 8,
            q: 4,
            ..case("ternary-gemv", WeightMemory::Stream)
        }),
        bram(Case {
            extra: &[("w_packing", "base3")],
            k: 10,
            k_total: 23,
            ww: 24,
            p: 5,
            q: 4,
            ..case("ternary-gemv", WeightMemory::Spram)
        }),
        bram(Case {
            extra: &[("w_packing", "base3")],
            k: 10,
            k_total: 23,
            ww: 24,
            p: 10,
            q: 4,
            ..case("ternary-gemv", WeightMemory::Lutram)
        }),
        bram(Case {
            extra: &[("w_format", "int"), ("w_bits", "4")],
            ww: 12,
            p: 2,
            q: 1,
            ..case("mac-gemv", WeightMemory::Bram)
        }),
        bram(Case {
            p: 8,
            q: 2,
            ..case("lut-gemm", WeightMemory::Lutram)
        }),
        bram(Case {
            p: 4,
            q: 4,
            ..stationary(W4, WeightMemory::Bram)
        }),
        bram(Case {
            p: 1,
            q: 1,
            ..stationary(TERNARY, WeightMemory::Registers)
        }),
        bram(Case {
            k_total: 16,
            n_total: 8,
            p: 8,
            q: 4,
            ..stationary(W1, WeightMemory::Spram)
        }),
    ];
    for c in &cases {
        let regs = Case {
            buffer: BufferMemory::Registers,
            ..*c
        };
        assert_eq!(check(c, 4), check(&regs, 4), "{} {:?}", c.core, c.memory);
    }
}

#[test]
fn linear_bram_buffers_refuse_what_they_cannot_hold() {
    let reg = Registry::builtin();
    for (param, c) in [
        ("x-lanes", case("ternary-gemv", WeightMemory::Lutram)),
        (
            "y-lanes",
            Case {
                p: 4,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
        (
            "buffer-memory",
            Case {
                k_total: 8,
                p: 4,
                q: 2,
                ..case("ternary-gemv", WeightMemory::Lutram)
            },
        ),
    ] {
        let c = Case {
            buffer: BufferMemory::Bram,
            ..c
        };
        match linear::generate(&params(&c), &reg) {
            Err(lutforge_hdl::datapath::CoreError::Param(e)) => {
                assert_eq!(e.param, param, "{e}");
                assert!(!e.to_string().contains('\n'));
            }
            other => panic!("{param}: {other:?}"),
        }
    }
}

/// An `mx-dot` engine case: formats, block, windows and output format beside the shape.
fn mx_case(extra: &'static [(&'static str, &'static str)], memory: WeightMemory) -> Case {
    Case {
        core: "mx-dot",
        extra,
        k: 16,
        n: 3,
        k_total: 27,
        n_total: 7,
        p: 5,
        q: 2,
        ww: 16,
        memory,
        buffer: BufferMemory::Registers,
    }
}

/// Runs an mx-dot engine case under every traffic pattern, each result
/// against `golden_accumulate` of the row and the vector read back from
/// the unit layout; `layer` makes the first layer (the second is random).
fn check_mx(c: &Case, vectors: usize, exhaustive: bool) -> usize {
    use lutforge_testbench::linear::packing_of;
    let g = linear::generate(&params(c), &Registry::builtin()).expect("generates");
    let Packing::Mx(mx) = packing_of(&g) else {
        panic!("an mx-dot engine names its MX facts");
    };
    let mut words = 0;
    for (seed, traffic) in TrafficKind::ALL.into_iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed as u64 + 31);
        let first = if exhaustive {
            mx.exhaustive_layer()
        } else {
            mx.random_layer(c.n_total, vectors, &mut rng)
        };
        let n_total = first.codes.len();
        let run = LinearRun {
            packing: Packing::Mx(mx),
            first,
            second: mx.random_layer(n_total, 2, &mut rng),
            ww: c.ww as usize,
            p: c.p,
            q: c.q,
            stream: c.memory == WeightMemory::Stream,
            traffic,
        };
        let rep = run_rust_sim(&g.module, &run, &mut rng);
        assert!(
            rep.errors.is_empty(),
            "mx {:?} {:?} {}: {} errors, first: {}",
            c.extra,
            c.memory,
            traffic.name(),
            rep.errors.len(),
            rep.errors[0]
        );
        let flagged = rep
            .observed
            .iter()
            .flatten()
            .filter(|&&y| y & 1 == 1)
            .count();
        let clean = rep.observed.iter().flatten().filter(|&&y| y != 0).count();
        assert!(
            exhaustive || (flagged > 0 && clean > flagged),
            "mx {:?}: the layer meets both flagged and finite results ({flagged} flagged, {clean} non-zero)",
            c.extra
        );
        words += rep.words;
    }
    words
}

#[test]
fn linear_mx_dot_formats_and_memories() {
    let cases = [
        // Block 8, K = 32: the last chunk holds one block of four, the rest padding.
        Case {
            k: 32,
            k_total: 40,
            p: 9,
            ..mx_case(&[("block", "8")], WeightMemory::Registers)
        },
        Case {
            ww: 24,
            ..mx_case(
                &[
                    ("block", "8"),
                    ("act_format", "mxfp8-e4m3"),
                    ("w_format", "mxfp6-e3m2"),
                ],
                WeightMemory::Bram,
            )
        },
        mx_case(
            &[
                ("block", "8"),
                ("act_format", "mxfp6-e2m3"),
                ("w_format", "mxfp8-e5m2"),
                ("out_format", "fp32"),
            ],
            WeightMemory::Lutram,
        ),
        Case {
            k: 32,
            k_total: 40,
            p: 11,
            ww: 24,
            ..mx_case(&[("w_format", "mxint8")], WeightMemory::Stream)
        },
        Case {
            k: 32,
            k_total: 72,
            n: 4,
            n_total: 9,
            p: 33,
            q: 4,
            ww: 32,
            ..mx_case(&[], WeightMemory::Spram)
        },
    ];
    for c in &cases {
        assert!(check_mx(c, 6, false) > 0);
    }
}

#[test]
fn linear_mx_dot_every_fp4_code_pair() {
    let c = Case {
        k: 8,
        k_total: 12,
        n: 4,
        n_total: 16,
        p: 3,
        q: 3,
        ..mx_case(
            &[
                ("block", "8"),
                ("act_format", "mxfp4-e2m1"),
                ("w_format", "mxfp4-e2m1"),
            ],
            WeightMemory::Bram,
        )
    };
    assert!(check_mx(&c, 0, true) > 0);
}

/// `gen linear --datapath mx-dot --weights`: the rows of a float matrix,
/// quantized with the MX quantizer, are the block RAM's initial contents
/// (codes and E8M0 scales in the unit layout). Vectors follow reset with
/// no weight load, under every traffic pattern, every result and flag
/// against the exact MX golden model, then a reload and two vectors. The
/// same run on an engine without those contents must disagree.
#[test]
fn linear_mx_dot_initial_weights_answer_with_no_load() {
    use lutforge_hdl::datapath::linear::InitialWeights;
    use lutforge_testbench::layer::random_activations;
    use lutforge_testbench::linear::{packing_of, run_rust_sim_preloaded};
    let cases = [
        mx_case(
            &[
                ("block", "8"),
                ("act_format", "mxint8"),
                ("w_format", "mxfp4-e2m1"),
            ],
            WeightMemory::Bram,
        ),
        Case {
            k: 32,
            k_total: 40,
            n_total: 5,
            p: 9,
            ww: 24,
            ..mx_case(
                &[
                    ("act_format", "mxfp8-e4m3"),
                    ("w_format", "mxfp6-e2m3"),
                    ("out_format", "fp32"),
                ],
                WeightMemory::Bram,
            )
        },
    ];
    for (i, c) in cases.iter().enumerate() {
        let plain = linear::generate(&params(c), &Registry::builtin()).expect("generates");
        let Packing::Mx(mx) = packing_of(&plain) else {
            panic!("an mx-dot engine names its MX facts");
        };
        let mut w = random_activations(c.n_total, c.k_total, 40 + i as u64);
        // Row 0 spans a wide range, so its blocks meet max-normal codes and subnormals.
        for (j, v) in w.data[..c.k_total].iter_mut().enumerate() {
            *v *= [1e-3, 1.0, 30.0][j % 3];
        }
        let units = mx.quantized_rows(&w).expect("quantizes");
        let init = InitialWeights {
            units: units.clone(),
        };
        let g = linear::generate_with(&params(c), &Registry::builtin(), Some(&init))
            .expect("generates");
        for (seed, traffic) in TrafficKind::ALL.into_iter().enumerate() {
            let mut rng = ChaCha8Rng::seed_from_u64(seed as u64 + 90);
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
            let rep = run_rust_sim_preloaded(&g.module, &run, &mut rng);
            assert!(
                rep.errors.is_empty(),
                "mx {:?} {}: {:?}",
                c.extra,
                traffic.name(),
                rep.errors.first()
            );
            assert_eq!(rep.observed.len(), 6, "{}", traffic.name());
            let nonzero = rep.observed[..4].iter().flatten().filter(|&&y| y != 0);
            assert!(nonzero.count() > 0, "the preloaded weights give results");
            if traffic == TrafficKind::Full {
                let empty = run_rust_sim_preloaded(&plain.module, &run, &mut rng);
                assert!(
                    !empty.errors.is_empty(),
                    "an engine without the initial contents must disagree"
                );
            }
        }
    }
}
