use super::*;

type Edit = Box<dyn Fn(&mut LinearParams)>;

fn params(core: &str, k: u64, n: u64, memory: WeightMemory) -> LinearParams {
    let mut cp = super::super::core::ParamMap::new();
    cp.insert("k".into(), k.into());
    cp.insert("n".into(), n.into());
    LinearParams {
        name: "lin".into(),
        in_features: 37,
        out_features: 11,
        core: core.into(),
        core_params: cp,
        x_lanes: 3,
        y_lanes: 3,
        weight_word_bits: 16,
        weight_memory: memory,
        buffer_memory: Default::default(),
    }
}

#[test]
fn linear_generates_for_every_core_and_memory() {
    let reg = Registry::builtin();
    for core in ["ternary-gemv", "mac-gemv", "lut-gemm"] {
        for mem in [
            WeightMemory::Registers,
            WeightMemory::Lutram,
            WeightMemory::Bram,
            WeightMemory::Spram,
            WeightMemory::Stream,
        ] {
            let g = generate(&params(core, 8, 4, mem), &reg)
                .unwrap_or_else(|e| panic!("{core} {mem:?}: {e}"));
            assert!(LINEAR.check(&g.module).is_ok());
            assert_eq!(g.facts.tiles, 3);
            assert_eq!(g.facts.chunks, 5);
        }
    }
}

#[test]
fn linear_bram_buffers_generate_for_every_core_and_memory() {
    let reg = Registry::builtin();
    for core in ["ternary-gemv", "mac-gemv", "lut-gemm"] {
        for mem in [
            WeightMemory::Registers,
            WeightMemory::Spram,
            WeightMemory::Stream,
        ] {
            let mut p = params(core, 8, 4, mem);
            p.x_lanes = 4;
            p.y_lanes = 2;
            p.buffer_memory = super::BufferMemory::Bram;
            let g = generate(&p, &reg).unwrap_or_else(|e| panic!("{core} {mem:?}: {e}"));
            assert!(LINEAR.check(&g.module).is_ok());
            assert_eq!(g.facts.buffer_memory, "bram");
            p.buffer_memory = super::BufferMemory::Registers;
            let r = generate(&p, &reg).expect("registers");
            assert_eq!(g.facts.cycles_per_vector, r.facts.cycles_per_vector);
            assert_eq!(g.facts.latency, r.facts.latency);
        }
    }
}

#[test]
fn linear_refuses_bad_params() {
    let reg = Registry::builtin();
    let cases: Vec<(&str, Edit)> = vec![
        ("x-lanes", Box::new(|p| p.x_lanes = 9)),
        ("y-lanes", Box::new(|p| p.y_lanes = 5)),
        ("x-lanes", Box::new(|p| p.x_lanes = 0)),
        ("in-features", Box::new(|p| p.in_features = 0)),
        ("out-features", Box::new(|p| p.out_features = 65537)),
        (
            "weight-memory",
            Box::new(|p| {
                p.weight_memory = WeightMemory::Spram;
                p.in_features = 65536;
                p.out_features = 4096;
            }),
        ),
        ("weight-word-bits", Box::new(|p| p.weight_word_bits = 15)),
        ("core", Box::new(|p| p.core = "nope".into())),
    ];
    for (param, edit) in cases {
        let mut p = params("ternary-gemv", 8, 4, WeightMemory::Lutram);
        edit(&mut p);
        match generate(&p, &reg) {
            Err(CoreError::Param(e)) => assert_eq!(e.param, param, "{e}"),
            other => panic!("{param}: {other:?}"),
        }
    }
}

#[test]
fn linear_spram_states_its_blocks() {
    // A 2-bit 8 × 4 tile: a 16-bit segment, one SPRAM, four reads a beat.
    let p = params("ternary-gemv", 8, 4, WeightMemory::Spram);
    let g = generate(&p, &Registry::builtin()).unwrap();
    assert_eq!(g.facts.spram_blocks, 1);
    assert_eq!(g.facts.weight_reads_per_beat, 4);
    assert_eq!(g.facts.weight_banks, (64, 1));
    assert_eq!(g.facts.bound.weight_memory, 15 * 4);
    let p = params("ternary-gemv", 8, 4, WeightMemory::Bram);
    let g = generate(&p, &Registry::builtin()).unwrap();
    assert_eq!(g.facts.spram_blocks, 0);
    assert_eq!(g.facts.weight_reads_per_beat, 1);
    assert_eq!(g.facts.weight_banks, (16, 4));
}

/// A base3 layer of `k_total` × `n_total` on a `k` × `n` tile in `memory`.
fn base3(k: u64, n: u64, k_total: usize, n_total: usize, memory: WeightMemory) -> LinearParams {
    let mut p = params("ternary-gemv", k, n, memory);
    p.core_params.insert("w_packing".into(), "base3".into());
    p.in_features = k_total;
    p.out_features = n_total;
    p.x_lanes = k as usize;
    p.y_lanes = n as usize;
    p
}

#[test]
fn linear_packed_memories_read_at_full_width() {
    let reg = Registry::builtin();
    // The 384 × 384 layer in the UP5K's four SPRAMs: 64 bits a cycle.
    let narrow = generate(&base3(40, 1, 384, 384, WeightMemory::Spram), &reg).unwrap();
    let f = &narrow.facts;
    assert_eq!((f.spram_blocks, f.weight_bits_per_cycle), (4, 64));
    assert_eq!((f.weight_reads_per_beat, f.cycles_per_vector), (1, 3840));
    // A wide tile: 4 rows of 128-bit segments, 8 reads a beat; the memory bounds it.
    let wide = generate(&base3(80, 4, 384, 384, WeightMemory::Spram), &reg).unwrap();
    let f = &wide.facts;
    assert_eq!((f.spram_blocks, f.weight_reads_per_beat), (4, 8));
    assert_eq!(
        (f.bound.limit, f.cycles_per_vector),
        ("weight_memory", 3840)
    );
    // Block RAM: every row's segment side by side, 64-bit lanes, one read a beat.
    let bram = generate(&base3(80, 8, 384, 384, WeightMemory::Bram), &reg).unwrap();
    let f = &bram.facts;
    assert_eq!((f.weight_banks, f.weight_lane_bits), ((256, 16), 64));
    assert_eq!((f.weight_reads_per_beat, f.cycles_per_vector), (1, 240));
}

#[test]
fn linear_refuses_what_the_spram_cannot_hold() {
    let reg = Registry::builtin();
    let Err(CoreError::Param(e)) = generate(&base3(40, 1, 384, 2048, WeightMemory::Spram), &reg)
    else {
        panic!("a 2048 × 384 layer does not fit four SPRAMs");
    };
    let text = e.to_string();
    assert!(text.contains("8 SB_SPRAM256KA"), "{text}");
    assert!(text.contains("the UP5K has 4"), "{text}");
}

#[test]
fn linear_initial_weights_must_match_the_layer_and_the_memory() {
    let reg = Registry::builtin();
    let p = params("ternary-gemv", 8, 4, WeightMemory::Bram);
    let good = InitialWeights {
        units: vec![vec![1; 37]; 11],
    };
    assert!(
        generate_with(&p, &reg, Some(&good))
            .unwrap()
            .facts
            .initial_weights
    );
    let short = InitialWeights {
        units: vec![vec![1; 37]; 10],
    };
    let wrong = |p: &LinearParams, w: &InitialWeights| match generate_with(p, &reg, Some(w)) {
        Err(CoreError::Param(e)) => e.param,
        other => panic!("{other:?}"),
    };
    assert_eq!(wrong(&p, &short), "weights");
    for memory in [WeightMemory::Spram, WeightMemory::Stream] {
        let p = params("ternary-gemv", 8, 4, memory);
        assert_eq!(wrong(&p, &good), "weights");
    }
}

#[test]
fn linear_load_cycles_count_pieces() {
    let reg = Registry::builtin();
    let p = params("ternary-gemv", 8, 4, WeightMemory::Stream);
    let g = generate(&p, &reg).unwrap().geometry;
    let mut brute = 0u64;
    let total = g.n_total * g.row_units;
    let mut cuts = std::collections::BTreeSet::new();
    for i in 1..total {
        if i % g.word_units == 0 {
            cuts.insert(i);
        }
    }
    for n in 0..g.n_total {
        for c in 0..g.chunks {
            let at = n * g.row_units + c * g.seg_units;
            if at > 0 {
                cuts.insert(at);
            }
        }
    }
    brute += cuts.len() as u64 + 1;
    assert_eq!(g.load_cycles(), brute);
}

#[test]
fn linear_lut_gemm_lutram_runs_activation_stationary() {
    let reg = Registry::builtin();
    let mut p = params("lut-gemm", 8, 4, WeightMemory::Bram);
    let tile_outer = generate(&p, &reg).unwrap().facts;
    assert!(tile_outer.loop_order.starts_with("tile-outer"));
    p.core_params
        .insert("table_storage".into(), "lutram".into());
    let f = generate(&p, &reg).unwrap().facts;
    assert!(f.loop_order.starts_with("activation-stationary"));
    // 5 chunks of 8 table writes and 3 tiles; the core takes a beat a cycle.
    assert_eq!(f.core_cycles_per_beat, 1);
    assert_eq!(f.bound.compute, 5 * (8 + 3));
    assert_eq!(f.cycles_per_vector, 55);
    assert_eq!(f.core_metadata["lut"]["cycles_per_beat"], 1);
    p.weight_memory = WeightMemory::Stream;
    match generate(&p, &reg) {
        Err(CoreError::Param(e)) => assert_eq!(e.param, "weight-memory"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn linear_stationary_accumulator_refuses_too_many_tiles() {
    let reg = Registry::builtin();
    let mut p = params("lut-gemm", 8, 1, WeightMemory::Bram);
    p.core_params
        .insert("table_storage".into(), "lutram".into());
    p.out_features = 1025;
    p.y_lanes = 1;
    match generate(&p, &reg) {
        Err(CoreError::Param(e)) => assert_eq!(e.param, "out-features", "{e}"),
        other => panic!("{other:?}"),
    }
}

/// The signals `sig`'s value depends on within one cycle (up to registers, memory reads, SPRAMs and inputs).
fn combinational_cone(m: &crate::ir::Module, sig: crate::ir::SignalId) -> Vec<String> {
    use crate::ir::Def;
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![sig];
    while let Some(s) = stack.pop() {
        if !seen.insert(s.0) {
            continue;
        }
        let def = &m.signal(s).def;
        let state = matches!(
            def,
            Def::Reg { .. }
                | Def::BlockRead { .. }
                | Def::Spram { .. }
                | Def::Memory { .. }
                | Def::BlockMemory { .. }
        );
        if !state || s == sig {
            stack.extend(def.operands());
        }
    }
    seen.into_iter()
        .map(|i| m.signals[i as usize].name.clone())
        .collect()
}

#[test]
fn linear_activation_gate_does_not_wait_for_the_loaders_piece_arithmetic() {
    let reg = Registry::builtin();
    for mem in [
        WeightMemory::Bram,
        WeightMemory::Spram,
        WeightMemory::Registers,
    ] {
        let g = generate(&params("ternary-gemv", 8, 4, mem), &reg).unwrap();
        let x_ready = g.module.port("x_ready").expect("an x_ready port").signals[0];
        let cone = combinational_cone(&g.module, x_ready);
        assert!(cone.iter().any(|n| n == "wl_held"), "{mem:?}: {cone:?}");
        let slow: Vec<&String> = cone
            .iter()
            .filter(|n| {
                ["wl_rem_", "wl_len", "wl_seg_le", "wl_word_le"]
                    .iter()
                    .any(|p| n.starts_with(p))
            })
            .collect();
        assert!(slow.is_empty(), "{mem:?}: x_ready reads {slow:?}");
    }
}
