//! `lutforge gen linear`: the layer engine of docs/spec/linear-contract.md
//! around any registered core (`--datapath`), with that core's own flags for
//! the tile: NAME.v (the engine and its core), NAME.json and NAME.core.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use clap::{Args, ValueEnum};
use lutforge_gen::{CONTRACT_VERSION, CoreMetadata, Header, LUTFORGE_VERSION, port_info};
use lutforge_hdl::datapath::contract::LINEAR;
use lutforge_hdl::datapath::core::Registry;
use lutforge_hdl::datapath::linear::{
    BufferMemory, GeneratedLinear, InitialWeights, LinearFacts, LinearParams, WeightMemory,
    generate, generate_with,
};
use lutforge_testbench::layer::{Matrix, quantize_weights_absmean, read_matrix};
use lutforge_testbench::linear::{Packing, row_units};

use crate::params::CoreFlags;

/// The name `lutforge gen` takes for the layer engine.
pub const LINEAR_KIND: &str = "linear";

/// Where the engine keeps the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MemoryArg {
    /// Flip-flops (small layers)
    Registers,
    /// Distributed (LUT) RAM with asynchronous reads (ECP5, 7-series; small layers)
    Lutram,
    /// Inferred synchronous block RAM (iCE40 EBR, ECP5 DP16KD, 7-series RAMB)
    Bram,
    /// The UP5K's SB_SPRAM256KA (16 K × 16 each, no initial contents)
    Spram,
    /// No weight memory: the matrix comes in again for every vector
    Stream,
}

/// Where the engine keeps its activation and result buffers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BufferArg {
    /// Flip-flops read through multiplexers (small layers)
    Registers,
    /// Inferred synchronous block RAM, a chunk or a y-word row a read (needs P | K, Q | N, ≥ 2 chunks and tiles)
    Bram,
}

/// The engine's own flags on `lutforge gen`; the inner core's come from its registry entry.
#[derive(Debug, Clone, Default, Args)]
pub struct LinearArgs {
    /// linear: the core the engine runs over every tile [default: ternary-gemv]
    #[arg(long, value_name = "KIND")]
    pub datapath: Option<String>,
    /// linear: input features, K_total, 1..=65536 (not a multiple of the tile's K: padded inside)
    #[arg(long, value_name = "K_TOTAL")]
    pub in_features: Option<u64>,
    /// linear: output features, N_total, 1..=65536 (not a multiple of the tile's N: padded inside)
    #[arg(long, value_name = "N_TOTAL")]
    pub out_features: Option<u64>,
    /// linear: bake this weight matrix (.safetensors/.npy, out_features × in_features, quantized as run-layer does: ternary, or --w-format's MX format with --datapath mx-dot) into the memory's initial contents (bram only), so no load is needed after configuration; sets the features when they are not given
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// linear: tensor name inside a --weights .safetensors file holding several
    #[arg(long, value_name = "NAME")]
    pub tensor: Option<String>,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// The engine's own knobs, beside the layer's size and the inner core.
#[derive(Debug, Clone, Default, Args)]
pub struct EngineArgs {
    /// linear: activations per x-word, P, 1..=the tile's K [default: the tile's K]
    #[arg(long, value_name = "P")]
    pub x_lanes: Option<u64>,
    /// linear: results per y-word, Q, 1..=the tile's N [default: the tile's N]
    #[arg(long, value_name = "Q")]
    pub y_lanes: Option<u64>,
    /// linear: bits of a weight-stream word, WW (a multiple of the weight's bits, or of 8 for base3) [default: 32]
    #[arg(long, value_name = "WW")]
    pub weight_word_bits: Option<u32>,
    /// linear: where the weights live [default: bram]
    #[arg(long, value_enum)]
    pub weight_memory: Option<MemoryArg>,
    /// linear: where the activation and result buffers live [default: registers]
    #[arg(long, value_enum)]
    pub buffer_memory: Option<BufferArg>,
}

impl EngineArgs {
    /// The first flag given, for refusing it where no engine is built.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            ("--x-lanes", self.x_lanes.is_some()),
            ("--y-lanes", self.y_lanes.is_some()),
            ("--weight-word-bits", self.weight_word_bits.is_some()),
            ("--weight-memory", self.weight_memory.is_some()),
            ("--buffer-memory", self.buffer_memory.is_some()),
        ]
        .into_iter()
        .find(|(_, given)| *given)
        .map(|(flag, _)| flag)
    }

    /// The engine's parameters for a layer of `k_total` × `n_total` around `core` with `core_params`.
    pub fn params(
        &self,
        registry: &Registry,
        core: String,
        mut core_params: lutforge_hdl::datapath::core::ParamMap,
        k_total: u64,
        n_total: u64,
    ) -> Result<LinearParams> {
        let name = core_params
            .remove("name")
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "linear".into());
        let design = crate::params::design(registry, &core, &core_params)?;
        let tile = design.common();
        let count = |flag: &str, v: u64| -> Result<usize> {
            usize::try_from(v).map_err(|_| anyhow::anyhow!("{flag} {v} is invalid: too large"))
        };
        Ok(LinearParams {
            name,
            in_features: count("--in-features", k_total)?,
            out_features: count("--out-features", n_total)?,
            core,
            core_params,
            x_lanes: count("--x-lanes", self.x_lanes.unwrap_or(tile.k as u64))?,
            y_lanes: count("--y-lanes", self.y_lanes.unwrap_or(tile.n as u64))?,
            weight_word_bits: self.weight_word_bits.unwrap_or(32),
            weight_memory: match self.weight_memory.unwrap_or(MemoryArg::Bram) {
                MemoryArg::Registers => WeightMemory::Registers,
                MemoryArg::Lutram => WeightMemory::Lutram,
                MemoryArg::Bram => WeightMemory::Bram,
                MemoryArg::Spram => WeightMemory::Spram,
                MemoryArg::Stream => WeightMemory::Stream,
            },
            buffer_memory: match self.buffer_memory.unwrap_or(BufferArg::Registers) {
                BufferArg::Registers => BufferMemory::Registers,
                BufferArg::Bram => BufferMemory::Bram,
            },
        })
    }
}

impl LinearArgs {
    /// The first engine flag given, for refusing it on a plain core.
    pub fn first_given(&self) -> Option<&'static str> {
        [
            ("--datapath", self.datapath.is_some()),
            ("--in-features", self.in_features.is_some()),
            ("--out-features", self.out_features.is_some()),
            ("--weights", self.weights.is_some()),
            ("--tensor", self.tensor.is_some()),
        ]
        .into_iter()
        .find(|(_, given)| *given)
        .map(|(flag, _)| flag)
        .or_else(|| self.engine.first_given())
    }

    /// The engine's parameters, with the inner core's from `flags`.
    pub fn params(&self, registry: &Registry, flags: &CoreFlags) -> Result<LinearParams> {
        self.params_sized(registry, flags, None)
    }

    /// The parameters, the features defaulting to `shape` (in, out) when given.
    fn params_sized(
        &self,
        registry: &Registry,
        flags: &CoreFlags,
        shape: Option<(usize, usize)>,
    ) -> Result<LinearParams> {
        let core = self
            .datapath
            .clone()
            .unwrap_or_else(|| "ternary-gemv".into());
        let core_params = flags.values(registry, &core)?;
        let from = |given: Option<u64>, i: usize| given.or(shape.map(|s| [s.0, s.1][i] as u64));
        let (Some(k_total), Some(n_total)) =
            (from(self.in_features, 0), from(self.out_features, 1))
        else {
            bail!(
                "`lutforge gen linear` needs --in-features K_TOTAL and --out-features N_TOTAL (the layer's W is N_TOTAL × K_TOTAL)"
            );
        };
        self.engine
            .params(registry, core, core_params, k_total, n_total)
    }
}

/// An engine and what it was made from.
pub struct Engine {
    /// Its parameters.
    pub params: LinearParams,
    /// The engine.
    pub generated: GeneratedLinear,
    /// The initial weights (`--weights`) as codes `codes[n][k]` (MX: each row's unit string), and their packing.
    pub initial: Option<(Vec<Vec<u64>>, Packing)>,
}

impl LinearArgs {
    /// The engine, holding the `--weights` matrix from configuration when given.
    pub fn engine(&self, registry: &Registry, flags: &CoreFlags) -> Result<Engine> {
        let Some(file) = &self.weights else {
            if self.tensor.is_some() {
                bail!("--tensor names a tensor of a --weights file; give --weights FILE");
            }
            let params = self.params(registry, flags)?;
            let generated = generate(&params, registry)?;
            return Ok(Engine {
                params,
                generated,
                initial: None,
            });
        };
        let m = read_matrix(file, self.tensor.as_deref())?;
        let params = self.params_sized(registry, flags, Some((m.cols, m.rows)))?;
        check_shape(file, &m, &params)?;
        if params.weight_memory != WeightMemory::Bram {
            bail!(
                "--weights needs --weight-memory bram: {} cannot start with weights in this version (spram has no initial contents, stream no memory; lutram and registers take a load)",
                params.weight_memory.name()
            );
        }
        let plain = generate(&params, registry)?;
        let (codes, packing) = if params.core == lutforge_hdl::datapath::mx::NAME {
            crate::cmd::layer_mx_linear::initial_units(&plain, &m)?
        } else {
            ternary_codes(&plain, &m)?
        };
        let init = InitialWeights {
            units: row_units(packing, &codes),
        };
        let generated = generate_with(&params, registry, Some(&init))?;
        Ok(Engine {
            params,
            generated,
            initial: Some((codes, packing)),
        })
    }
}

/// How the engine described by `f` packs a weight into its memory units.
pub(crate) fn engine_packing(f: &LinearFacts) -> Packing {
    let w_bits = f
        .core_params
        .get("w_bits")
        .and_then(|v| v.as_u64())
        .unwrap_or(2) as u32;
    Packing::from_facts(f.weight_packing, w_bits)
}

/// The `--weights` quantized to ternary (BitNet absmean) as the engine `plain`'s codes, and their packing.
fn ternary_codes(plain: &GeneratedLinear, m: &Matrix) -> Result<(Vec<Vec<u64>>, Packing)> {
    let packing = engine_packing(&plain.facts);
    if packing == Packing::Binary {
        bail!(
            "--weights are quantized to ternary {{−1, 0, +1}}, which --w-format binary cannot carry; use ternary or int"
        );
    }
    let codes = crate::cmd::layer::engine_codes(&quantize_weights_absmean(m), packing);
    Ok((codes, packing))
}

fn check_shape(file: &Path, m: &Matrix, p: &LinearParams) -> Result<()> {
    if m.rows != p.out_features || m.cols != p.in_features {
        bail!(
            "--weights `{}` is {} × {} (rows × columns) but the layer is out_features × in_features = {} × {}; give a matrix of that shape or drop --in-features/--out-features",
            file.display(),
            m.rows,
            m.cols,
            p.out_features,
            p.in_features
        );
    }
    Ok(())
}

/// The command that regenerates an engine.
pub fn command_line(p: &LinearParams) -> String {
    let mut v = vec![
        format!("lutforge gen linear --name {}", p.name),
        format!("--datapath {}", p.core),
        format!("--in-features {}", p.in_features),
        format!("--out-features {}", p.out_features),
        format!("--x-lanes {}", p.x_lanes),
        format!("--y-lanes {}", p.y_lanes),
        format!("--weight-word-bits {}", p.weight_word_bits),
        format!("--weight-memory {}", p.weight_memory.name()),
    ];
    if p.buffer_memory != BufferMemory::Registers {
        v.push(format!("--buffer-memory {}", p.buffer_memory.name()));
    }
    for (k, val) in &p.core_params {
        let text = match val {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        v.push(format!("--{} {text}", k.replace('_', "-")));
    }
    v.join(" ")
}

/// The command line, with `--weights` when the engine holds initial weights.
pub fn command_with(p: &LinearParams, a: &LinearArgs) -> String {
    let mut line = command_line(p);
    if let Some(w) = &a.weights {
        line.push_str(&format!(" --weights {}", w.display()));
        if let Some(t) = &a.tensor {
            line.push_str(&format!(" --tensor {t}"));
        }
    }
    line
}

/// NAME.json of an engine: the linear contract's keys, the typed parameters and the inner core's facts.
pub fn metadata(p: &LinearParams, g: &GeneratedLinear) -> CoreMetadata {
    let mut extra = serde_json::Map::new();
    if let Ok(serde_json::Value::Object(facts)) = serde_json::to_value(&g.facts) {
        extra.extend(facts);
    }
    for key in [
        "core_params",
        "core_latency",
        "core_cycles_per_beat",
        "core_metadata",
    ] {
        extra.remove(key);
    }
    let f = &g.facts;
    extra.insert(
        "core".into(),
        serde_json::json!({
            "kind": f.core,
            "params": f.core_params,
            "latency": f.core_latency,
            "cycles_per_beat": f.core_cycles_per_beat,
            "facts": f.core_metadata,
        }),
    );
    extra.insert("command".into(), command_line(p).into());
    extra.insert("contract".into(), LINEAR.to_json());
    CoreMetadata {
        top: g.module.name.clone(),
        kind: "linear".into(),
        params: serde_json::to_value(p).unwrap_or_default(),
        acc_bits: g.facts.acc_bits,
        latency: u32::try_from(g.facts.latency).unwrap_or(u32::MAX),
        throughput: 1.0 / g.facts.cycles_per_vector.max(1) as f64,
        ports: port_info(&g.module),
        lutforge_version: LUTFORGE_VERSION.into(),
        contract_version: CONTRACT_VERSION,
        extra,
    }
}

/// One line: the layer, the core, the memory and the figures that bound it.
pub fn describe(p: &LinearParams, g: &GeneratedLinear) -> String {
    let f = &g.facts;
    format!(
        "linear `{}`: {} × {} over {} tiles of {} chunks ({}), weights in {} ({} words of {} bits), P={} Q={} → ACC={} bits, {} cycles a vector (bound: {}), latency {} cycles",
        p.name,
        p.out_features,
        p.in_features,
        f.tiles,
        f.chunks,
        f.core,
        f.weight_memory,
        f.weight_words,
        f.weight_word_bits,
        f.x_lanes,
        f.y_lanes,
        f.acc_bits,
        f.cycles_per_vector,
        f.bound.limit,
        f.latency
    )
}

/// `lutforge gen linear`.
pub fn generate_engine(
    a: &LinearArgs,
    out: Option<PathBuf>,
    registry: &Registry,
    flags: &CoreFlags,
) -> Result<()> {
    let e = a.engine(registry, flags)?;
    let (p, g) = (&e.params, &e.generated);
    let out = out.unwrap_or_else(|| PathBuf::from("build").join(&p.name));
    let header = Header {
        command: command_with(p, a),
        params: Vec::new(),
    };
    let mut meta = metadata(p, g);
    meta.extra
        .insert("command".into(), command_with(p, a).into());
    let written = lutforge_gen::write_core(&out, &g.module, &header, &meta)?;
    println!("{}", describe(p, g));
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// One run of `e` on the Rust simulator under `traffic`: `vectors` random
/// vectors on its initial weights (no load) or on a random load, then a
/// second random load and two vectors.
pub fn run_once(
    e: &Engine,
    traffic: lutforge_testbench::traffic::TrafficKind,
    vectors: usize,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> lutforge_testbench::linear::RunReport {
    use lutforge_testbench::linear::{
        LinearRun, random_layer, run_rust_sim, run_rust_sim_preloaded,
    };
    let (p, f) = (&e.params, &e.generated.facts);
    let count = |key: &str, default: u64| {
        f.core_params
            .get(key)
            .and_then(|v| v.as_u64())
            .unwrap_or(default) as u32
    };
    let packing = lutforge_testbench::linear::packing_of(&e.generated);
    let act_bits = count("act_bits", 8);
    let (k, n) = (p.in_features, p.out_features);
    let layer = |vectors, rng: &mut rand_chacha::ChaCha8Rng| match packing {
        Packing::Mx(mx) => mx.random_layer(n, vectors, rng),
        _ => random_layer(packing, k, n, act_bits, vectors, rng),
    };
    let mut first = layer(vectors, rng);
    if let Some((codes, _)) = &e.initial {
        first.codes = codes.clone();
    }
    let run = LinearRun {
        packing,
        first,
        second: layer(2, rng),
        ww: p.weight_word_bits as usize,
        p: p.x_lanes,
        q: p.y_lanes,
        stream: p.weight_memory == WeightMemory::Stream,
        traffic,
    };
    if e.initial.is_some() {
        run_rust_sim_preloaded(&e.generated.module, &run, rng)
    } else {
        run_rust_sim(&e.generated.module, &run, rng)
    }
}

/// `lutforge sim linear`: the engine on the Rust simulator against the golden
/// GEMV, random layers with extremes under every traffic pattern, a reload
/// after vectors, and the measured cycles per vector against the stated.
pub fn simulate_engine(
    a: &LinearArgs,
    vectors: usize,
    seed: u64,
    registry: &Registry,
    flags: &CoreFlags,
) -> Result<()> {
    use lutforge_testbench::traffic::TrafficKind;
    use rand::SeedableRng;

    let e = a.engine(registry, flags)?;
    let (p, g) = (&e.params, &e.generated);
    println!("{}", describe(p, g));
    if e.initial.is_some() {
        println!(
            "initial weights from --weights: the first vectors follow rst with no load; a random load follows them"
        );
    }
    let mut table = crate::table::Table::new(&["traffic", "y-words", "errors", "cycles/vector"]);
    let mut measured = 0.0;
    let mut failed = Vec::new();
    for (i, traffic) in TrafficKind::ALL.into_iter().enumerate() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ (i as u64) << 32);
        let r = run_once(&e, traffic, vectors, &mut rng);
        if traffic == TrafficKind::Full {
            measured = r.cycles_per_vector;
        }
        table.row(vec![
            traffic.name().into(),
            r.words.to_string(),
            r.errors.len().to_string(),
            format!("{:.1}", r.cycles_per_vector),
        ]);
        if let Some(e) = r.errors.first() {
            failed.push(format!("{}: {e}", traffic.name()));
        }
    }
    print!("{}", table.render());
    let f = &g.facts;
    let stated = f.cycles_per_vector as f64;
    println!(
        "cycles per vector: {measured:.1} measured (full traffic), {stated} stated, bound {} (compute {}, weight memory {}, activation load {}, result drain {})",
        f.bound.limit,
        f.bound.compute,
        f.bound.weight_memory,
        f.bound.activation_load,
        f.bound.result_drain
    );
    if let Some(first) = failed.first() {
        bail!(
            "simulation FAILED in {} traffic patterns; first: {first}",
            failed.len()
        );
    }
    if (measured - stated).abs() > 0.05 * stated {
        bail!(
            "the engine takes {measured:.1} cycles a vector, its metadata states {stated}: more than 5 % apart"
        );
    }
    println!("PASS");
    Ok(())
}
