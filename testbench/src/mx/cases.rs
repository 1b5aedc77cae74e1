//! Verification cases of an `mx-dot` core (docs/spec/mx-contract.md): MX
//! streams (element codes and E8M0 scales per beat) under every traffic
//! pattern, with what each result must be from this crate's exact model
//! (`golden_accumulate`, `to_f32_rne`), sharing nothing with the generator.
//!
//! A beat carries the scales after the codes: `Beat::act` is the M·K
//! activation codes then the M·G activation scales (G = K/block), `Beat::w`
//! the N·K weight codes then the N·G weight scales. A result is the M·N
//! values (the accumulator, or binary32 bits as a signed 32-bit integer)
//! then the M·N `out_flag` bits.

use num_bigint::BigInt;
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use lutforge_hdl::datapath::core::Design;

use super::accum::{AccumSpec, ScaleWindow, golden_accumulate};
use super::error::MxError;
use super::format::{Decoded, MxFormat};
use super::fp32::to_f32_rne;
use super::scale::{SCALE_MAX, SCALE_NAN};
use super::tensor::MxTensor;
use crate::golden::{Beat, Run};
use crate::stimulus::StimulusKind;
use crate::traffic::{TrafficKind, schedule};
use crate::vectors::Stream;
use crate::verify::{Case, MAX_TESTED_BEATS};

/// What the bench needs to know of an `mx-dot` core, read from its metadata's `mx` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MxCore {
    /// Activation rows per beat.
    pub m: usize,
    /// Weight rows.
    pub n: usize,
    /// Elements per row per beat.
    pub k: usize,
    /// The accumulator: formats, block, blocks per result, windows.
    pub accum: AccumSpec,
    /// Whether `out_y` is binary32 bits (else the fixed-point accumulator).
    pub fp32: bool,
    /// Longest run the core accepts, in beats.
    pub max_beats: usize,
}

impl MxCore {
    /// The MX facts of a design, `None` when it is no MX core.
    pub fn of(design: &dyn Design) -> Option<Result<MxCore, MxError>> {
        let meta = design.metadata();
        let mx = meta.get("mx")?;
        let c = design.common();
        Some(Self::read(mx, c.m, c.n, c.k, c.max_beats))
    }

    /// The MX facts of a core from its metadata's `mx` key and its shape and run length.
    pub fn read(
        mx: &serde_json::Value,
        m: usize,
        n: usize,
        k: usize,
        max_beats: u64,
    ) -> Result<MxCore, MxError> {
        let text = |key: &str| mx.get(key).and_then(|v| v.as_str()).unwrap_or("");
        let int = |key: &str| mx.get(key).and_then(|v| v.as_u64()).unwrap_or(0);
        let window = |key: &str| {
            let w = mx.get(key).and_then(|v| v.as_array());
            let at = |i: usize| {
                w.and_then(|w| w.get(i))
                    .and_then(|v| v.as_u64())
                    .unwrap_or(255) as u8
            };
            ScaleWindow::new(at(0), at(1))
        };
        let accum = AccumSpec {
            a_fmt: MxFormat::from_name(text("act_format"))?,
            b_fmt: MxFormat::from_name(text("w_format"))?,
            block: int("block") as usize,
            max_blocks: int("max_blocks") as usize,
            a_window: window("act_window")?,
            b_window: window("w_window")?,
        };
        accum.check()?;
        Ok(MxCore {
            m,
            n,
            k,
            accum,
            fp32: text("out_format") == "fp32",
            max_beats: usize::try_from(max_beats).unwrap_or(usize::MAX),
        })
    }

    /// Blocks per row per beat.
    pub fn groups(&self) -> usize {
        self.k / self.accum.block
    }

    /// Whether every (activation code, weight code) pair fits an exhaustive case
    /// of at most 256 beats.
    pub fn exhaustive_fits(&self) -> bool {
        let pairs = self.accum.a_fmt.code_count() * self.accum.b_fmt.code_count();
        pairs.div_ceil(self.k) <= 256
    }
}

/// One MX beat before it is laid out: codes and scales of every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MxBeat {
    /// Activation codes, (m, k) at m·K + k.
    pub act: Vec<u8>,
    /// Activation scales, (m, g) at m·G + g.
    pub act_scale: Vec<u8>,
    /// Weight codes, (n, k) at n·K + k.
    pub w: Vec<u8>,
    /// Weight scales, (n, g) at n·G + g.
    pub w_scale: Vec<u8>,
}

impl MxBeat {
    /// The beat as the back ends drive it (scales after the codes), with `in_last`.
    pub fn to_beat(&self, last: bool) -> Beat {
        Beat {
            act: self
                .act
                .iter()
                .chain(&self.act_scale)
                .map(|&c| i64::from(c))
                .collect(),
            w: self
                .w
                .iter()
                .chain(&self.w_scale)
                .map(|&c| u64::from(c))
                .collect(),
            last,
        }
    }
}

/// The golden result of a run: M·N values then M·N flags.
pub fn run_result(core: &MxCore, beats: &[MxBeat]) -> Result<Vec<BigInt>, MxError> {
    let (k, g) = (core.k, core.groups());
    let row = |codes: fn(&MxBeat) -> &Vec<u8>, scales: fn(&MxBeat) -> &Vec<u8>, r: usize, fmt| {
        let mut t = MxTensor {
            format: fmt,
            block: core.accum.block,
            len: 0,
            scales: Vec::new(),
            codes: Vec::new(),
        };
        for b in beats {
            t.codes.extend_from_slice(&codes(b)[r * k..(r + 1) * k]);
            t.scales.extend_from_slice(&scales(b)[r * g..(r + 1) * g]);
        }
        t.len = t.codes.len();
        t
    };
    let mut values = Vec::with_capacity(core.m * core.n);
    let mut flags = Vec::with_capacity(core.m * core.n);
    for m in 0..core.m {
        let a = row(|b| &b.act, |b| &b.act_scale, m, core.accum.a_fmt);
        for n in 0..core.n {
            let w = row(|b| &b.w, |b| &b.w_scale, n, core.accum.b_fmt);
            let r = golden_accumulate(&core.accum, &a, &w)?;
            values.push(if core.fp32 {
                BigInt::from(to_f32_rne(&r.value(&core.accum)) as i32)
            } else {
                r.acc.clone()
            });
            flags.push(BigInt::from(u8::from(r.flag)));
        }
    }
    values.extend(flags);
    Ok(values)
}

/// Every stimulus kind (exhaustive when it fits) under every traffic kind,
/// `streams` streams of `runs` runs each, deterministic from `seed`.
pub fn cases(core: &MxCore, streams: usize, runs: usize, seed: u64) -> Result<Vec<Case>, MxError> {
    let mut out = Vec::new();
    let kinds = [
        StimulusKind::Random,
        StimulusKind::Extremes,
        StimulusKind::Sparse,
        StimulusKind::Exhaustive,
    ];
    for (si, &stimulus) in kinds.iter().enumerate() {
        if stimulus == StimulusKind::Exhaustive && !core.exhaustive_fits() {
            continue;
        }
        for (ti, &traffic) in TrafficKind::ALL.iter().enumerate() {
            let mut rng =
                ChaCha8Rng::seed_from_u64(seed ^ ((si as u64) << 32) ^ ((ti as u64) << 40));
            let count = if stimulus == StimulusKind::Exhaustive {
                1
            } else {
                streams
            };
            let mut case = Case {
                stimulus,
                traffic,
                streams: Vec::new(),
                expected: Vec::new(),
            };
            for _ in 0..count {
                let stream_runs = match stimulus {
                    StimulusKind::Exhaustive => exhaustive_runs(core, &mut rng),
                    _ => (0..runs)
                        .map(|_| random_run(core, stimulus, &mut rng))
                        .collect(),
                };
                let mut golden_runs = Vec::with_capacity(stream_runs.len());
                let mut expected = Vec::with_capacity(stream_runs.len());
                for beats in &stream_runs {
                    expected.push(run_result(core, beats)?);
                    let n = beats.len();
                    golden_runs.push(Run {
                        beats: beats
                            .iter()
                            .enumerate()
                            .map(|(i, b)| b.to_beat(i + 1 == n))
                            .collect(),
                    });
                }
                let beats: usize = golden_runs.iter().map(|r| r.beats.len()).sum();
                let sched = schedule(traffic, 2 * beats + 2 * golden_runs.len() + 16, &mut rng);
                case.streams.push(Stream::new(&golden_runs, sched));
                case.expected.push(expected);
            }
            out.push(case);
        }
    }
    Ok(out)
}

/// A run of 1 up to the tested run length of beats of `kind`.
fn random_run(core: &MxCore, kind: StimulusKind, rng: &mut impl Rng) -> Vec<MxBeat> {
    let most = core.max_beats.clamp(1, MAX_TESTED_BEATS);
    let beats = if rng.random_bool(0.3) {
        most
    } else {
        rng.random_range(1..=most.min(4))
    };
    // A run that cancels: every beat the same activations, weights negated half the time.
    let cancel = kind == StimulusKind::Extremes && rng.random_bool(0.2);
    let mut out: Vec<MxBeat> = Vec::with_capacity(beats);
    for i in 0..beats {
        let mut b = random_beat(core, kind, rng);
        if cancel && i % 2 == 1 {
            let prev = out[i - 1].clone();
            b = MxBeat {
                w: prev
                    .w
                    .iter()
                    .map(|&c| negate(core.accum.b_fmt, c))
                    .collect(),
                ..prev
            };
        }
        out.push(b);
    }
    out
}

fn random_beat(core: &MxCore, kind: StimulusKind, rng: &mut impl Rng) -> MxBeat {
    let g = core.groups();
    let spec = &core.accum;
    // All-subnormal blocks now and then: smallest codes everywhere.
    let subnormal = kind == StimulusKind::Extremes && rng.random_bool(0.15);
    let codes = |fmt: MxFormat, count: usize, rng: &mut ChaCha8Rng| -> Vec<u8> {
        (0..count)
            .map(|_| element_code(fmt, kind, subnormal, rng))
            .collect()
    };
    let mut r = ChaCha8Rng::seed_from_u64(rng.random());
    MxBeat {
        act: codes(spec.a_fmt, core.m * core.k, &mut r),
        act_scale: (0..core.m * g)
            .map(|_| scale_code(spec.a_window, kind, &mut r))
            .collect(),
        w: codes(spec.b_fmt, core.n * core.k, &mut r),
        w_scale: (0..core.n * g)
            .map(|_| scale_code(spec.b_window, kind, &mut r))
            .collect(),
    }
}

/// A code of `fmt` for `kind`: any code; a corner (±max, ±min subnormal,
/// zero, now and then NaN/Inf); mostly zero; or (subnormal) the smallest.
fn element_code(fmt: MxFormat, kind: StimulusKind, subnormal: bool, rng: &mut impl Rng) -> u8 {
    let count = fmt.code_count() as u32;
    let sign = if rng.random_bool(0.5) {
        1u8 << (fmt.bits() - 1)
    } else {
        0
    };
    if subnormal {
        return if fmt == MxFormat::Int8 {
            (if sign != 0 { 0xFF } else { 1 }) as u8
        } else {
            sign | 1
        };
    }
    match kind {
        StimulusKind::Extremes => {
            let specials: Vec<u8> = (0..count as u8)
                .filter(|&c| !matches!(fmt.decode(c), Decoded::Finite { .. }))
                .collect();
            if !specials.is_empty() && rng.random_bool(0.02) {
                return specials[rng.random_range(0..specials.len())];
            }
            match rng.random_range(0..4) {
                0 => max_code(fmt, false),
                1 => max_code(fmt, true),
                2 => sign | 1,
                _ => 0,
            }
        }
        StimulusKind::Sparse if rng.random_bool(0.9) => 0,
        _ => {
            // Specials are rare in real data: keep most results unflagged.
            loop {
                let c = rng.random_range(0..count) as u8;
                if matches!(fmt.decode(c), Decoded::Finite { .. }) || rng.random_bool(0.05) {
                    return c;
                }
            }
        }
    }
}

/// The code of the largest (or most negative) finite value.
fn max_code(fmt: MxFormat, negative: bool) -> u8 {
    (0..fmt.code_count() as u32)
        .map(|c| c as u8)
        .filter_map(|c| match fmt.decode(c) {
            Decoded::Finite { int } => Some((c, int)),
            _ => None,
        })
        .max_by_key(|&(_, v)| if negative { -v } else { v })
        .map_or(0, |(c, _)| c)
}

/// The code of −x (MXINT8 −128 stays; sign-magnitude formats flip the sign bit).
fn negate(fmt: MxFormat, c: u8) -> u8 {
    if fmt == MxFormat::Int8 {
        (c as i8).wrapping_neg() as u8
    } else {
        c ^ (1 << (fmt.bits() - 1))
    }
}

/// A scale code: inside the window mostly; for extremes also its edges,
/// just outside them, 0, 254 and 0xFF.
fn scale_code(w: ScaleWindow, kind: StimulusKind, rng: &mut impl Rng) -> u8 {
    let edges = [
        w.min,
        w.max,
        w.min.saturating_sub(1),
        w.max.saturating_add(1).min(SCALE_MAX),
        0,
        SCALE_MAX,
        SCALE_NAN,
    ];
    match kind {
        StimulusKind::Extremes if rng.random_bool(0.25) => edges[rng.random_range(0..edges.len())],
        StimulusKind::Extremes => [w.min, w.max][rng.random_range(0..2)],
        _ if rng.random_bool(0.03) => edges[rng.random_range(0..edges.len())],
        _ => rng.random_range(w.min..=w.max),
    }
}

/// Every (activation code, weight code) pair once, in single-beat runs: pair
/// i at element i mod K of every row, scales at random inside the windows.
fn exhaustive_runs(core: &MxCore, rng: &mut impl Rng) -> Vec<Vec<MxBeat>> {
    let spec = &core.accum;
    let (ca, cb) = (spec.a_fmt.code_count(), spec.b_fmt.code_count());
    let pairs: Vec<(u8, u8)> = (0..ca * cb)
        .map(|i| ((i / cb) as u8, (i % cb) as u8))
        .collect();
    let g = core.groups();
    pairs
        .chunks(core.k)
        .map(|chunk| {
            let elem = |i: usize, pick: fn(&(u8, u8)) -> u8| chunk.get(i).map_or(0, pick);
            let act = (0..core.m * core.k)
                .map(|i| elem(i % core.k, |p| p.0))
                .collect();
            let w = (0..core.n * core.k)
                .map(|i| elem(i % core.k, |p| p.1))
                .collect();
            vec![MxBeat {
                act,
                act_scale: (0..core.m * g)
                    .map(|_| rng.random_range(spec.a_window.min..=spec.a_window.max))
                    .collect(),
                w,
                w_scale: (0..core.n * g)
                    .map(|_| rng.random_range(spec.b_window.min..=spec.b_window.max))
                    .collect(),
            }]
        })
        .collect()
}
