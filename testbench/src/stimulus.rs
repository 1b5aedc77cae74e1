//! Stimulus: runs of beats to offer a core, of several kinds, deterministic
//! for a given random-number-generator state.

use rand::Rng;

use crate::formats::{FormatBitsError, WeightFormat};
use crate::golden::{Beat, Run, Shape};

/// The largest tile input (M·K·A + N·K·B bits) exhaustive stimulus enumerates.
pub const EXHAUSTIVE_MAX_BITS: u64 = 16;
/// The widest activation the stimulus generator produces.
pub const MAX_ACT_BITS: u32 = 32;

/// What a core takes in: its tile, activation width, weight format and width, and the longest run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StimulusSpec {
    /// The core's tile.
    pub shape: Shape,
    /// Activation width A (signed).
    pub act_bits: u32,
    /// Weight format.
    pub format: WeightFormat,
    /// Weight width B.
    pub w_bits: u32,
    /// The most beats a run may have.
    pub max_beats: usize,
}

/// A kind of stimulus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StimulusKind {
    /// Uniform activations over the full signed range and uniform weight codes.
    Random,
    /// Extreme activations and weights, including the overflow corner.
    Extremes,
    /// About 90 % zero activations and zero weights.
    Sparse,
    /// Every combination of inputs of a small tile, one single-beat run each.
    Exhaustive,
}

impl StimulusKind {
    /// Every kind.
    pub const ALL: [StimulusKind; 4] = [
        StimulusKind::Random,
        StimulusKind::Extremes,
        StimulusKind::Sparse,
        StimulusKind::Exhaustive,
    ];

    /// The kind's lowercase name, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            StimulusKind::Random => "random",
            StimulusKind::Extremes => "extremes",
            StimulusKind::Sparse => "sparse",
            StimulusKind::Exhaustive => "exhaustive",
        }
    }

    /// The kind with this [`StimulusKind::name`], if any.
    pub fn from_name(name: &str) -> Option<StimulusKind> {
        StimulusKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Why stimulus could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StimulusError {
    /// The MX golden model refused the core's description or a run.
    #[error("MX stimulus: {0}")]
    Mx(String),
    /// Weights could not be packed into the core's encoding.
    #[error("packing weights: {0}")]
    Packing(String),
    /// The tile is too large to enumerate.
    #[error(
        "exhaustive stimulus needs M·K·A + N·K·B ≤ {EXHAUSTIVE_MAX_BITS} input bits, this tile has {bits}; use a smaller tile or --stimulus random"
    )]
    TooLargeForExhaustive {
        /// M·K·A + N·K·B of the tile.
        bits: u64,
    },
    /// A tile dimension is zero.
    #[error("tile M={m}, N={n}, K={k} has a zero dimension; every dimension must be at least 1")]
    EmptyShape {
        /// M.
        m: usize,
        /// N.
        n: usize,
        /// K.
        k: usize,
    },
    /// The activation width is out of range.
    #[error("activation width {0} is out of range; it must be 1..={MAX_ACT_BITS}")]
    ActBits(u32),
    /// The weight width does not suit the format.
    #[error(transparent)]
    WeightBits(#[from] FormatBitsError),
    /// max_beats is zero.
    #[error("max_beats is 0; a run needs at least one beat")]
    ZeroMaxBeats,
}

/// Checks that the spec describes a tile stimulus can be made for.
pub fn validate_spec(spec: &StimulusSpec) -> Result<(), StimulusError> {
    let Shape { m, n, k } = spec.shape;
    if m == 0 || n == 0 || k == 0 {
        return Err(StimulusError::EmptyShape { m, n, k });
    }
    if !(1..=MAX_ACT_BITS).contains(&spec.act_bits) {
        return Err(StimulusError::ActBits(spec.act_bits));
    }
    spec.format.validate(spec.w_bits)?;
    if spec.max_beats == 0 {
        return Err(StimulusError::ZeroMaxBeats);
    }
    Ok(())
}

/// The tile's input bits a beat, M·K·A + N·K·B (saturating).
pub fn tile_input_bits(spec: &StimulusSpec) -> u64 {
    let Shape { m, n, k } = spec.shape;
    let act = (m as u64)
        .saturating_mul(k as u64)
        .saturating_mul(u64::from(spec.act_bits));
    let w = (n as u64)
        .saturating_mul(k as u64)
        .saturating_mul(u64::from(spec.w_bits));
    act.saturating_add(w)
}

/// True when the tile is small enough for exhaustive stimulus (M·K·A + N·K·B ≤ 16).
pub fn spec_is_exhaustive_small(spec: &StimulusSpec) -> bool {
    tile_input_bits(spec) <= EXHAUSTIVE_MAX_BITS
}

/// `count` runs of the kind (Exhaustive ignores count and enumerates), beats per run drawn from 1..=max_beats, always including at least one run of exactly 1 beat and one of exactly max_beats when count >= 2.
pub fn runs(
    spec: &StimulusSpec,
    kind: StimulusKind,
    count: usize,
    rng: &mut impl Rng,
) -> Result<Vec<Run>, StimulusError> {
    validate_spec(spec)?;
    if kind == StimulusKind::Exhaustive {
        return exhaustive(spec);
    }
    let lengths = run_lengths(spec.max_beats, count, rng);
    let mut out = Vec::with_capacity(count);
    for (i, &len) in lengths.iter().enumerate() {
        let beats = (0..len)
            .map(|b| {
                let (act, w) = match kind {
                    StimulusKind::Sparse => sparse_beat(spec, rng),
                    StimulusKind::Extremes => extreme_beat(spec, ExtremeMode::of_run(i), rng),
                    StimulusKind::Random | StimulusKind::Exhaustive => random_beat(spec, rng),
                };
                Beat {
                    act,
                    w,
                    last: b + 1 == len,
                }
            })
            .collect();
        out.push(Run { beats });
    }
    Ok(out)
}

/// Beats per run: run 0 has max_beats (the overflow corner for Extremes), run 1 has 1, the rest are random.
fn run_lengths(max_beats: usize, count: usize, rng: &mut impl Rng) -> Vec<usize> {
    (0..count)
        .map(|i| match i {
            0 => max_beats,
            1 => 1,
            _ => rng.random_range(1..=max_beats),
        })
        .collect()
}

fn act_range(spec: &StimulusSpec) -> (i64, i64) {
    let half = 1i64 << (spec.act_bits - 1);
    (-half, half - 1)
}

fn random_act(spec: &StimulusSpec, rng: &mut impl Rng) -> i64 {
    let (lo, hi) = act_range(spec);
    rng.random_range(lo..=hi)
}

fn random_code(spec: &StimulusSpec, rng: &mut impl Rng) -> u64 {
    rng.random_range(0..1u64 << spec.w_bits)
}

fn random_beat(spec: &StimulusSpec, rng: &mut impl Rng) -> (Vec<i64>, Vec<u64>) {
    let Shape { m, n, k } = spec.shape;
    let act = (0..m * k).map(|_| random_act(spec, rng)).collect();
    let w = (0..n * k).map(|_| random_code(spec, rng)).collect();
    (act, w)
}

fn sparse_beat(spec: &StimulusSpec, rng: &mut impl Rng) -> (Vec<i64>, Vec<u64>) {
    const ZERO_PROBABILITY: f64 = 0.9;
    let Shape { m, n, k } = spec.shape;
    let zero_codes = spec.format.zero_codes(spec.w_bits);
    let act = (0..m * k)
        .map(|_| {
            if rng.random_bool(ZERO_PROBABILITY) {
                0
            } else {
                random_act(spec, rng)
            }
        })
        .collect();
    let w = (0..n * k)
        .map(|_| {
            if !zero_codes.is_empty() && rng.random_bool(ZERO_PROBABILITY) {
                zero_codes[rng.random_range(0..zero_codes.len())]
            } else {
                random_code(spec, rng)
            }
        })
        .collect();
    (act, w)
}

/// How one extreme run picks its values: all at the negative end, all at the positive end, or a per-element mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Low,
    High,
    Mixed,
}

impl Pick {
    fn choose<T: Copy>(self, low: T, high: T, rng: &mut impl Rng) -> T {
        match self {
            Pick::Low => low,
            Pick::High => high,
            Pick::Mixed => {
                if rng.random_bool(0.5) {
                    high
                } else {
                    low
                }
            }
        }
    }
}

/// The activation and weight picks of one extreme run; run 0 is the overflow
/// corner (all −2^(A−1) against all most-negative weights) and the first nine
/// runs cover every pair of picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ExtremeMode {
    act: Pick,
    w: Pick,
}

impl ExtremeMode {
    fn of_run(i: usize) -> ExtremeMode {
        const PICKS: [Pick; 3] = [Pick::Low, Pick::High, Pick::Mixed];
        ExtremeMode {
            act: PICKS[i % 3],
            w: PICKS[(i / 3) % 3],
        }
    }
}

fn extreme_beat(
    spec: &StimulusSpec,
    mode: ExtremeMode,
    rng: &mut impl Rng,
) -> (Vec<i64>, Vec<u64>) {
    let Shape { m, n, k } = spec.shape;
    let (lo, hi) = act_range(spec);
    let neg = spec.format.most_negative_code(spec.w_bits);
    let pos = spec.format.most_positive_code(spec.w_bits);
    let act = (0..m * k).map(|_| mode.act.choose(lo, hi, rng)).collect();
    let w = (0..n * k).map(|_| mode.w.choose(neg, pos, rng)).collect();
    (act, w)
}

/// One single-beat run for every value of the tile's M·K·A + N·K·B input bits.
fn exhaustive(spec: &StimulusSpec) -> Result<Vec<Run>, StimulusError> {
    let bits = tile_input_bits(spec);
    if bits > EXHAUSTIVE_MAX_BITS {
        return Err(StimulusError::TooLargeForExhaustive { bits });
    }
    let Shape { m, n, k } = spec.shape;
    let a = spec.act_bits;
    let b = spec.w_bits;
    let act_mask = (1u64 << a) - 1;
    let w_mask = (1u64 << b) - 1;
    let sign = 1u64 << (a - 1);
    let runs = (0..1u64 << bits)
        .map(|word| {
            let act = (0..m * k)
                .map(|i| {
                    let raw = (word >> (i as u64 * u64::from(a))) & act_mask;
                    (raw ^ sign) as i64 - sign as i64
                })
                .collect();
            let w_base = (m * k) as u64 * u64::from(a);
            let w = (0..n * k)
                .map(|i| (word >> (w_base + i as u64 * u64::from(b))) & w_mask)
                .collect();
            Run {
                beats: vec![Beat { act, w, last: true }],
            }
        })
        .collect();
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::golden::validate_run;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::collections::HashSet;

    fn spec(
        m: usize,
        n: usize,
        k: usize,
        a: u32,
        format: WeightFormat,
        b: u32,
        max_beats: usize,
    ) -> StimulusSpec {
        StimulusSpec {
            shape: Shape { m, n, k },
            act_bits: a,
            format,
            w_bits: b,
            max_beats,
        }
    }

    fn ternary() -> StimulusSpec {
        spec(2, 3, 4, 8, WeightFormat::Ternary, 2, 5)
    }

    #[test]
    fn names_round_trip() {
        for kind in StimulusKind::ALL {
            assert_eq!(StimulusKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(StimulusKind::from_name("nope"), None);
    }

    #[test]
    fn runs_are_well_formed_and_cover_lengths() {
        let s = ternary();
        for kind in [
            StimulusKind::Random,
            StimulusKind::Extremes,
            StimulusKind::Sparse,
        ] {
            let runs = runs(&s, kind, 20, &mut ChaCha8Rng::seed_from_u64(1)).unwrap();
            assert_eq!(runs.len(), 20);
            for run in &runs {
                assert!(validate_run(s.shape, run).is_ok());
                assert!((1..=s.max_beats).contains(&run.beats.len()));
            }
            assert!(runs.iter().any(|r| r.beats.len() == 1), "{kind:?}");
            assert!(
                runs.iter().any(|r| r.beats.len() == s.max_beats),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn deterministic_for_a_seed() {
        let s = ternary();
        for kind in [
            StimulusKind::Random,
            StimulusKind::Extremes,
            StimulusKind::Sparse,
        ] {
            let a = runs(&s, kind, 8, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
            let b = runs(&s, kind, 8, &mut ChaCha8Rng::seed_from_u64(7)).unwrap();
            assert_eq!(a, b);
        }
        let a = runs(
            &s,
            StimulusKind::Random,
            8,
            &mut ChaCha8Rng::seed_from_u64(7),
        )
        .unwrap();
        let b = runs(
            &s,
            StimulusKind::Random,
            8,
            &mut ChaCha8Rng::seed_from_u64(8),
        )
        .unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn random_covers_full_ranges_and_reserved_code() {
        let s = spec(1, 4, 8, 4, WeightFormat::Ternary, 2, 3);
        let runs = runs(
            &s,
            StimulusKind::Random,
            50,
            &mut ChaCha8Rng::seed_from_u64(2),
        )
        .unwrap();
        let acts: HashSet<i64> = runs
            .iter()
            .flat_map(|r| &r.beats)
            .flat_map(|b| b.act.clone())
            .collect();
        let codes: HashSet<u64> = runs
            .iter()
            .flat_map(|r| &r.beats)
            .flat_map(|b| b.w.clone())
            .collect();
        assert_eq!(acts, (-8..=7).collect());
        assert_eq!(codes, (0..4).collect());
    }

    #[test]
    fn extremes_include_overflow_corner() {
        let s = spec(1, 2, 4, 8, WeightFormat::Int, 4, 6);
        let runs = runs(
            &s,
            StimulusKind::Extremes,
            12,
            &mut ChaCha8Rng::seed_from_u64(3),
        )
        .unwrap();
        let corner = runs.iter().any(|r| {
            r.beats.len() == 6
                && r.beats
                    .iter()
                    .all(|b| b.act.iter().all(|&a| a == -128) && b.w.iter().all(|&w| w == 0x8))
        });
        assert!(corner);
        for beat in runs.iter().flat_map(|r| &r.beats) {
            assert!(beat.act.iter().all(|&a| a == -128 || a == 127));
            assert!(beat.w.iter().all(|&w| w == 0x8 || w == 0x7));
        }
        let all_max = runs
            .iter()
            .any(|r| r.beats.iter().all(|b| b.act.iter().all(|&a| a == 127)));
        assert!(all_max);
    }

    #[test]
    fn extremes_ternary_use_plus_minus_one() {
        let s = ternary();
        let runs = runs(
            &s,
            StimulusKind::Extremes,
            9,
            &mut ChaCha8Rng::seed_from_u64(4),
        )
        .unwrap();
        let codes: HashSet<u64> = runs
            .iter()
            .flat_map(|r| &r.beats)
            .flat_map(|b| b.w.clone())
            .collect();
        assert_eq!(codes, HashSet::from([0b01, 0b11]));
    }

    #[test]
    fn sparse_is_mostly_zero() {
        let s = spec(2, 8, 16, 8, WeightFormat::Int, 3, 4);
        let runs = runs(
            &s,
            StimulusKind::Sparse,
            40,
            &mut ChaCha8Rng::seed_from_u64(5),
        )
        .unwrap();
        let beats: Vec<&Beat> = runs.iter().flat_map(|r| &r.beats).collect();
        let acts: Vec<i64> = beats.iter().flat_map(|b| b.act.clone()).collect();
        let ws: Vec<u64> = beats.iter().flat_map(|b| b.w.clone()).collect();
        let act_zero = acts.iter().filter(|&&a| a == 0).count() as f64 / acts.len() as f64;
        let w_zero = ws.iter().filter(|&&w| w == 0).count() as f64 / ws.len() as f64;
        assert!((0.85..0.97).contains(&act_zero), "{act_zero}");
        assert!((0.85..0.97).contains(&w_zero), "{w_zero}");
        assert!(acts.iter().any(|&a| a != 0));
    }

    #[test]
    fn exhaustive_enumerates_every_input() {
        // M·K·A + N·K·B = 1·2·3 + 2·2·2 = 14 bits
        let s = spec(1, 2, 2, 3, WeightFormat::Ternary, 2, 4);
        assert!(spec_is_exhaustive_small(&s));
        let runs = runs(
            &s,
            StimulusKind::Exhaustive,
            0,
            &mut ChaCha8Rng::seed_from_u64(0),
        )
        .unwrap();
        assert_eq!(runs.len(), 1 << 14);
        let distinct: HashSet<(Vec<i64>, Vec<u64>)> = runs
            .iter()
            .map(|r| (r.beats[0].act.clone(), r.beats[0].w.clone()))
            .collect();
        assert_eq!(distinct.len(), runs.len());
        for run in &runs {
            assert_eq!(run.beats.len(), 1);
            assert!(validate_run(s.shape, run).is_ok());
            assert!(run.beats[0].act.iter().all(|a| (-4..=3).contains(a)));
            assert!(run.beats[0].w.iter().all(|&w| w < 4));
        }
    }

    #[test]
    fn exhaustive_refuses_large_tiles() {
        let s = spec(1, 2, 2, 8, WeightFormat::Int, 8, 1);
        assert!(!spec_is_exhaustive_small(&s));
        let err = runs(
            &s,
            StimulusKind::Exhaustive,
            1,
            &mut ChaCha8Rng::seed_from_u64(0),
        )
        .unwrap_err();
        assert_eq!(err, StimulusError::TooLargeForExhaustive { bits: 48 });
        assert_eq!(
            err.to_string(),
            "exhaustive stimulus needs M·K·A + N·K·B ≤ 16 input bits, this tile has 48; use a smaller tile or --stimulus random"
        );
    }

    #[test]
    fn invalid_specs_are_errors() {
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let bad_w = spec(1, 1, 1, 8, WeightFormat::Ternary, 3, 1);
        assert!(matches!(
            runs(&bad_w, StimulusKind::Random, 1, &mut rng),
            Err(StimulusError::WeightBits(_))
        ));
        let bad_a = spec(1, 1, 1, 0, WeightFormat::Binary, 1, 1);
        assert_eq!(
            runs(&bad_a, StimulusKind::Random, 1, &mut rng),
            Err(StimulusError::ActBits(0))
        );
        let empty = spec(1, 0, 1, 8, WeightFormat::Binary, 1, 1);
        assert!(matches!(
            runs(&empty, StimulusKind::Random, 1, &mut rng),
            Err(StimulusError::EmptyShape { .. })
        ));
        let no_beats = spec(1, 1, 1, 8, WeightFormat::Binary, 1, 0);
        assert_eq!(
            runs(&no_beats, StimulusKind::Random, 1, &mut rng),
            Err(StimulusError::ZeroMaxBeats)
        );
    }

    #[test]
    fn small_counts() {
        let s = ternary();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        assert!(
            runs(&s, StimulusKind::Random, 0, &mut rng)
                .unwrap()
                .is_empty()
        );
        let one = runs(&s, StimulusKind::Random, 1, &mut rng).unwrap();
        assert_eq!(one.len(), 1);
        assert!(one[0].beats.last().is_some_and(|b| b.last));
    }
}
