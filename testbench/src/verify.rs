//! Verification plans: which stimulus and traffic to run a core with, the
//! streams that makes, and the check of what a back end saw against the
//! golden model.

use num_bigint::BigInt;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::check::{CheckReport, check_stream};
use crate::formats::WeightFormat;
use crate::golden::Shape;
use crate::packing::{WeightEncoding, WeightPacking, repack_run, run_result_encoded};
use crate::stimulus::{StimulusError, StimulusKind, StimulusSpec, runs, spec_is_exhaustive_small};
use crate::traffic::{TrafficKind, schedule};
use crate::vectors::{Outcome, Stream};

/// What to run: every stimulus kind × every traffic kind, `streams` streams
/// of `runs` runs each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The core's shape and formats, as the golden model sees them.
    pub spec: StimulusSpec,
    /// Stimulus kinds; `Exhaustive` is left out for tiles too large for it.
    pub stimulus: Vec<StimulusKind>,
    /// Traffic kinds.
    pub traffic: Vec<TrafficKind>,
    /// Streams per (stimulus, traffic) case.
    pub streams: usize,
    /// Runs per stream.
    pub runs: usize,
    /// Seed of everything random.
    pub seed: u64,
    /// How the core's `in_w` carries the weights (plain codes of `spec`'s format unless packed).
    pub encoding: WeightEncoding,
    /// For an MX core (metadata key `mx`): its MX facts; its cases come
    /// from [`crate::mx::cases`] instead of the mpGEMM stimulus.
    pub mx: Option<crate::mx::cases::MxCore>,
}

/// Longest run the test benches generate; a core's `max_beats` above this is
/// tested with runs of at most this many beats.
pub const MAX_TESTED_BEATS: usize = 64;

impl Plan {
    /// Every stimulus kind that applies to the tile, with every traffic kind.
    pub fn full(spec: StimulusSpec, streams: usize, runs: usize, seed: u64) -> Plan {
        let stimulus = StimulusKind::ALL
            .into_iter()
            .filter(|&k| k != StimulusKind::Exhaustive || spec_is_exhaustive_small(&spec))
            .collect();
        let encoding = WeightEncoding::codes(spec.format, spec.w_bits);
        Plan {
            spec,
            stimulus,
            traffic: TrafficKind::ALL.to_vec(),
            streams,
            runs,
            seed,
            encoding,
            mx: None,
        }
    }

    /// The same plan for a core whose `in_w` carries ternary weights packed as `packing`.
    pub fn packed(self, packing: WeightPacking) -> Plan {
        let encoding = match packing {
            WeightPacking::Codes => self.encoding,
            WeightPacking::Base3 => WeightEncoding::base3(),
            WeightPacking::I2s => WeightEncoding::i2s(),
        };
        Plan { encoding, ..self }
    }
}

/// One (stimulus, traffic) case: its streams and what each must produce.
#[derive(Debug, Clone)]
pub struct Case {
    /// Stimulus kind.
    pub stimulus: StimulusKind,
    /// Traffic kind.
    pub traffic: TrafficKind,
    /// Streams to run.
    pub streams: Vec<Stream>,
    /// Per stream, per run: the golden M·N results.
    pub expected: Vec<Vec<Vec<BigInt>>>,
}

/// Builds the cases of a plan, deterministically from its seed.
pub fn cases(plan: &Plan) -> Result<Vec<Case>, StimulusError> {
    if let Some(mx) = &plan.mx {
        return crate::mx::cases::cases(mx, plan.streams, plan.runs, plan.seed)
            .map_err(|e| StimulusError::Mx(e.to_string()));
    }
    let mut spec = plan.spec;
    spec.max_beats = spec.max_beats.min(MAX_TESTED_BEATS);
    let mut out = Vec::new();
    for (si, &stimulus) in plan.stimulus.iter().enumerate() {
        for (ti, &traffic) in plan.traffic.iter().enumerate() {
            let mut rng =
                ChaCha8Rng::seed_from_u64(plan.seed ^ ((si as u64) << 32) ^ ((ti as u64) << 40));
            let mut streams = Vec::new();
            let mut expected = Vec::new();
            let stream_count = if stimulus == StimulusKind::Exhaustive {
                1
            } else {
                plan.streams
            };
            for _ in 0..stream_count {
                let rs = runs(&spec, stimulus, plan.runs, &mut rng)?;
                let rs = if plan.encoding.packing == WeightPacking::Codes {
                    rs
                } else {
                    rs.iter()
                        .map(|r| repack_run(spec.shape, plan.encoding, r))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| StimulusError::Packing(e.to_string()))?
                };
                let beats: usize = rs.iter().map(|r| r.beats.len()).sum();
                let sched = schedule(traffic, 2 * beats + 2 * rs.len() + 16, &mut rng);
                expected.push(
                    rs.iter()
                        .map(|r| run_result_encoded(spec.shape, plan.encoding, r))
                        .collect(),
                );
                streams.push(Stream::new(&rs, sched));
            }
            out.push(Case {
                stimulus,
                traffic,
                streams,
                expected,
            });
        }
    }
    Ok(out)
}

/// The verification plan of a registered core's design: every stimulus
/// under every traffic pattern, with the weight encoding its `in_w` carries.
pub fn plan_for(
    design: &dyn lutforge_hdl::datapath::core::Design,
    streams: usize,
    runs: usize,
    seed: u64,
) -> Plan {
    let plan = Plan::full(spec_for(design.common()), streams, runs, seed)
        .packed(golden_packing(design.weight_packing()));
    Plan {
        mx: crate::mx::cases::MxCore::of(design).and_then(Result::ok),
        ..plan
    }
}

/// The golden model's codec for a core's `in_w` packing: the one mapping
/// from the hardware's packing to this crate's own readers.
pub fn golden_packing(p: lutforge_hdl::datapath::core::WeightPacking) -> WeightPacking {
    use lutforge_hdl::datapath::core::WeightPacking as Hw;
    match p {
        Hw::Codes => WeightPacking::Codes,
        Hw::Base3 => WeightPacking::Base3,
        Hw::I2s => WeightPacking::I2s,
    }
}

/// How a registered core's design carries its weights on `in_w`, as the golden model reads them.
pub fn encoding_for(design: &dyn lutforge_hdl::datapath::core::Design) -> WeightEncoding {
    plan_for(design, 1, 1, 0).encoding
}

/// The golden model's view of a core's common parameters.
pub fn spec_for(p: &lutforge_hdl::datapath::CommonParams) -> StimulusSpec {
    use lutforge_hdl::datapath::WeightFormat as Hw;
    let format = match p.w_format {
        Hw::Ternary => WeightFormat::Ternary,
        Hw::Binary => WeightFormat::Binary,
        Hw::Int => WeightFormat::Int,
    };
    StimulusSpec {
        shape: Shape {
            m: p.m,
            n: p.n,
            k: p.k,
        },
        act_bits: p.act_bits,
        format,
        w_bits: p.w_bits,
        max_beats: usize::try_from(p.max_beats).unwrap_or(usize::MAX),
    }
}

/// Checks what a back end saw on each stream of a case.
pub fn check_case(case: &Case, outcomes: &[Outcome]) -> CheckReport {
    let mut report = CheckReport::default();
    for (expected, outcome) in case.expected.iter().zip(outcomes) {
        let mut r = check_stream(expected, &outcome.observed);
        r.protocol_errors
            .extend(outcome.protocol_errors.iter().cloned());
        report.merge(r);
    }
    if outcomes.len() != case.streams.len() {
        report.protocol_errors.push(format!(
            "{} streams run, {} expected",
            outcomes.len(),
            case.streams.len()
        ));
    }
    report
}
