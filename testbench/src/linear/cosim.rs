//! One engine checked on the Rust simulator and in a Verilog simulator:
//! random layers under each traffic pattern (a second weight load after the
//! vectors), one bench build for all of them, every y-word against the
//! golden GEMV and every handshake's cycle against the Rust simulator.

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use lutforge_hdl::datapath::linear::{GeneratedLinear, WeightMemory};

use super::driver::LinearRun;
use super::packing::Packing;
use super::stimulus::random_layer;
use super::verilog::{BenchRun, Cosim, LinearBench, cosim};
use crate::backend::verilog::{BackendError, Simulator};
use crate::traffic::TrafficKind;

/// The weight packing an engine's stream carries, read from its facts.
pub fn packing_of(g: &GeneratedLinear) -> Packing {
    if let Some(Ok(m)) = super::mx::MxPacking::of(g) {
        return Packing::Mx(m);
    }
    let w_bits = g
        .facts
        .core_params
        .get("w_bits")
        .and_then(|v| v.as_u64())
        .unwrap_or(2) as u32;
    Packing::from_facts(g.facts.weight_packing, w_bits)
}

/// A random run of `g`: `vectors` vectors through a first layer, then a reload and two vectors through a second.
pub fn random_run(
    g: &GeneratedLinear,
    vectors: usize,
    traffic: TrafficKind,
    rng: &mut ChaCha8Rng,
) -> BenchRun {
    let geo = &g.geometry;
    let packing = packing_of(g);
    let layer = |n, rng: &mut ChaCha8Rng| match packing {
        Packing::Mx(m) => m.random_layer(geo.n_total, n, rng),
        _ => random_layer(packing, geo.k_total, geo.n_total, geo.act_bits, n, rng),
    };
    let first = layer(vectors, rng);
    let second = layer(2, rng);
    let run = LinearRun {
        packing,
        first,
        second,
        ww: g.facts.weight_word_bits as usize,
        p: geo.p,
        q: geo.q,
        stream: g.facts.weight_memory == WeightMemory::Stream.name(),
        traffic,
    };
    BenchRun::new(run, rng)
}

/// Builds one bench of `g` for `simulator` in `work` and runs a random run under each of `traffic`, seeded by `seed`.
pub fn cosim_engine(
    simulator: Simulator,
    g: &GeneratedLinear,
    verilog: &str,
    vectors: usize,
    traffic: &[TrafficKind],
    seed: u64,
    work: &Path,
) -> Result<Vec<Cosim>, BackendError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let runs: Vec<BenchRun> = traffic
        .iter()
        .map(|&t| random_run(g, vectors, t, &mut rng))
        .collect();
    let bench = LinearBench::build(simulator, &g.module, verilog, &runs, work)?;
    runs.iter()
        .enumerate()
        .map(|(i, r)| cosim(&g.module, &bench, r, i, &mut rng))
        .collect()
}
