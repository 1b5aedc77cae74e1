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
