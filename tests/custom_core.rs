//! Adding a core takes one type and one registration: a tiny core defined
//! here (binary weights, a ±a select and an adder tree) goes through `gen`,
//! `sim`, `cosim`, `cores` and the sweep's grid parser and Makefile without
//! any other file knowing it; a broken twin of it fails `sim`.

use std::process::ExitCode;

use lutforge::parse_grid;
use lutforge_hdl::datapath::core::{
    CoreParams, ParamSpec, Registry, common_specs, stage_levels_spec,
};
use lutforge_hdl::datapath::params::{ParamError, validate_stage_levels};
use lutforge_hdl::datapath::stream::{StreamShell, WeightBus};
use lutforge_hdl::datapath::tree::{Ranged, TreeShape, adder_tree};
use lutforge_hdl::datapath::{CommonParams, CoreError, GeneratedCore, WeightFormat};
use lutforge_hdl::ir::{ModuleBuilder, Ty};
use serde::{Deserialize, Serialize};

/// `binary-tree`: y = Σ_k (w_k ? a_k : −a_k), binary weights, an adder tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BinaryTree {
    /// Shape, formats, run length and name (`w_format` binary).
    #[serde(flatten)]
    common: CommonParams,
    /// Adder-tree levels per register stage.
    stage_levels: u32,
}

/// The same core with every weight read as +1: wrong for every 0 code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BrokenTree(BinaryTree);

fn build(p: &BinaryTree, kind: &'static str, broken: bool) -> Result<GeneratedCore, CoreError> {
    let c = &p.common;
    let mut b = ModuleBuilder::new(&c.name)?;
    let shell = StreamShell::new(&mut b, c, WeightBus::codes(c))?;
    let half = 1i128 << (c.act_bits - 1);
    let term_ty = Ty::signed(c.act_bits + 1);
    let mut sums = Vec::new();
    let mut stages = 0;
    for n in 0..c.n {
        let mut terms = Vec::new();
        for k in 0..c.k {
            let a = shell.act[k];
            let neg = b.neg(&format!("neg_n{n}_k{k}"), term_ty, a)?;
            let sel = if broken {
                b.constant(&format!("one_n{n}_k{k}"), Ty::BIT, 1)?
            } else {
                shell.w[n * c.k + k]
            };
            let t = b.mux(&format!("t_n{n}_k{k}"), term_ty, sel, a, neg)?;
            let sig = b.register(&format!("t_n{n}_k{k}_q"), t, Some(shell.en), None)?;
            terms.push(Ranged {
                sig,
                lo: -half,
                hi: half,
            });
        }
        let tree = adder_tree(
            &mut b,
            &format!("sum_n{n}"),
            terms,
            shell.en,
            p.stage_levels,
            TreeShape::Add2,
        )?;
        stages = 1 + tree.stages;
        sums.push(tree.sum);
    }
    shell.finish_core(b, c, kind, &sums, stages)
}

fn check(p: &BinaryTree) -> Result<(), ParamError> {
    if p.common.w_format != WeightFormat::Binary || p.common.m != 1 {
        return Err(ParamError::new(
            "w-format",
            p.common.w_format.name(),
            "binary-tree takes binary weights and M = 1",
        ));
    }
    p.common.validate()?;
    validate_stage_levels(p.stage_levels)
}

impl CoreParams for BinaryTree {
    const NAME: &'static str = "binary-tree";
    const DESCRIPTION: &'static str = "Test core: binary weights select ±a, an adder tree sums";
    fn specs() -> Vec<ParamSpec> {
        let mut v = common_specs(WeightFormat::Binary);
        v.push(stage_levels_spec(1));
        v
    }
    fn check(&self) -> Result<(), ParamError> {
        check(self)
    }
    fn build(&self) -> Result<GeneratedCore, CoreError> {
        build(self, Self::NAME, false)
    }
    fn common(&self) -> &CommonParams {
        &self.common
    }
}

impl CoreParams for BrokenTree {
    const NAME: &'static str = "broken-tree";
    const DESCRIPTION: &'static str = "Test core: binary-tree with every weight read as +1";
    fn specs() -> Vec<ParamSpec> {
        BinaryTree::specs()
    }
    fn check(&self) -> Result<(), ParamError> {
        check(&self.0)
    }
    fn build(&self) -> Result<GeneratedCore, CoreError> {
        build(&self.0, Self::NAME, true)
    }
    fn common(&self) -> &CommonParams {
        &self.0.common
    }
}

fn registry() -> Registry {
    Registry::builtin()
        .register::<BinaryTree>()
        .register::<BrokenTree>()
}

fn run(args: &[&str]) -> ExitCode {
    let mut all = vec!["lutforge"];
    all.extend_from_slice(args);
    lutforge::main_with(&registry(), all)
}

#[test]
fn a_test_defined_core_generates_simulates_and_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gen");
    let out_s = out.to_str().unwrap();
    let shape = [
        "--n",
        "3",
        "--k",
        "5",
        "--act-bits",
        "6",
        "--max-beats",
        "4",
    ];
    let mut gen_args = vec!["gen", "binary-tree", "--out", out_s];
    gen_args.extend(shape);
    assert_eq!(run(&gen_args), ExitCode::SUCCESS);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("binary_tree.json")).unwrap())
            .unwrap();
    assert_eq!(meta["kind"], "binary-tree");
    assert_eq!(meta["params"]["k"], 5);
    assert_eq!(meta["params"]["w_format"], "binary");
    let v = std::fs::read_to_string(out.join("binary_tree.v")).unwrap();
    assert!(v.contains("module binary_tree") && v.contains("lutforge gen binary-tree"));

    let mut sim_args = vec!["sim", "binary-tree", "--streams", "4", "--runs", "6"];
    sim_args.extend(shape);
    assert_eq!(run(&sim_args), ExitCode::SUCCESS, "the correct core passes");
    let mut broken = vec!["sim", "broken-tree", "--streams", "2", "--runs", "4"];
    broken.extend(shape);
    assert_eq!(run(&broken), ExitCode::FAILURE, "the broken core is caught");

    // Its own parameters, and no other core's.
    assert_eq!(
        run(&["gen", "binary-tree", "--group", "4", "--out", out_s]),
        ExitCode::FAILURE
    );
    assert_eq!(run(&["cores", "--json"]), ExitCode::SUCCESS);
    let json = lutforge::registry_json(&registry());
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "mac-gemv",
            "ternary-gemv",
            "lut-gemm",
            "mx-dot",
            "binary-tree",
            "broken-tree"
        ]
    );
}

#[test]
fn a_test_defined_core_cosimulates() {
    if lutforge_tools::for_test(lutforge_tools::Tool::Verilator, "custom core cosim").is_none() {
        return;
    }
    let args = [
        "cosim",
        "binary-tree",
        "--n",
        "2",
        "--k",
        "3",
        "--act-bits",
        "4",
        "--max-beats",
        "3",
        "--runs",
        "4",
    ];
    assert_eq!(run(&args), ExitCode::SUCCESS);
}

#[test]
fn a_test_defined_core_is_a_sweep_grid_axis() {
    let grid = parse_grid(
        "core = [\"binary-tree\"]\ntarget = [\"ice40-up5k\"]\nk = [4, 8]\nstage_levels = [1, 2]\n",
        &registry(),
    )
    .unwrap();
    assert_eq!(grid.cores, ["binary-tree"]);
    assert_eq!(grid.axes["k"], [serde_json::json!(4), serde_json::json!(8)]);
    assert!(parse_grid("core = [\"nope\"]\n", &registry()).is_err());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let args = [
        "sweep",
        "--core",
        "binary-tree",
        "--target",
        "ice40-up5k",
        "--k",
        "4,8",
        "--emit",
        "make",
        "--out",
        out,
    ];
    assert_eq!(run(&args), ExitCode::SUCCESS);
    let make = std::fs::read_to_string(dir.path().join("Makefile")).unwrap();
    assert!(
        make.contains("flow binary-tree --name binary_tree_k4 --k 4"),
        "{make}"
    );
    assert!(make.contains("binary_tree_k8"), "{make}");
}
