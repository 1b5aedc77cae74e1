//! The linear engine on the Rust simulator: every inner core, every memory
//! kind, tiles that do not divide the layer, P and Q from 1 to the tile,
//! every traffic pattern, a reload after vectors, and the stated
//! cycles per vector against the measured ones.

use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{self, GeneratedLinear, LinearParams, WeightMemory};
use lutforge_testbench::linear::{LinearRun, Packing, random_layer, run_rust_sim};
use lutforge_testbench::traffic::TrafficKind;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

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
}

fn params(c: &Case) -> LinearParams {
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
        "{} {:?} k{} n{} K{} N{} p{} q{}: measured {measured}, stated {stated}, bound {}",
        c.core, c.memory, c.k, c.n, c.k_total, c.n_total, c.p, c.q, g.facts.bound.limit
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
