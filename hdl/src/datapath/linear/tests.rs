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
    let p = params("ternary-gemv", 8, 4, WeightMemory::Spram);
    let g = generate(&p, &Registry::builtin()).unwrap();
    assert_eq!(g.facts.spram_blocks, 32);
    assert_eq!(g.facts.weight_banks, (16, 32));
    let p = params("ternary-gemv", 8, 4, WeightMemory::Bram);
    assert_eq!(
        generate(&p, &Registry::builtin())
            .unwrap()
            .facts
            .spram_blocks,
        0
    );
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
