//! Traffic: per-cycle handshake schedules (bubbles on `in_valid`,
//! back-pressure on `out_ready`), identical for every simulator back end.

use rand::Rng;

/// A pattern of bubbles and back-pressure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrafficKind {
    /// A beat offered every cycle, results always taken.
    Full,
    /// Random bursts of bubbles on `in_valid`.
    Bubbles,
    /// Random bursts of `out_ready` = 0, including a long one.
    BackPressure,
    /// Bubbles and back-pressure together.
    Both,
}

impl TrafficKind {
    /// Every kind.
    pub const ALL: [TrafficKind; 4] = [
        TrafficKind::Full,
        TrafficKind::Bubbles,
        TrafficKind::BackPressure,
        TrafficKind::Both,
    ];

    /// The kind's lowercase name, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            TrafficKind::Full => "full",
            TrafficKind::Bubbles => "bubbles",
            TrafficKind::BackPressure => "backpressure",
            TrafficKind::Both => "both",
        }
    }

    /// The kind with this [`TrafficKind::name`], if any.
    pub fn from_name(name: &str) -> Option<TrafficKind> {
        TrafficKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// offer[c]: the driver may offer a beat in cycle c (false = a bubble on in_valid); ready[c]: out_ready in cycle c.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Whether the driver may offer a beat, per cycle.
    pub offer: Vec<bool>,
    /// The value of `out_ready`, per cycle.
    pub ready: Vec<bool>,
}

impl Schedule {
    /// The number of scheduled cycles.
    pub fn len(&self) -> usize {
        self.offer.len().max(self.ready.len())
    }

    /// True when no cycle is scheduled.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offer in cycle c; past the end it is true so every stream drains.
    pub fn offer_at(&self, c: usize) -> bool {
        self.offer.get(c).copied().unwrap_or(true)
    }

    /// Ready in cycle c; past the end it is true so every stream drains.
    pub fn ready_at(&self, c: usize) -> bool {
        self.ready.get(c).copied().unwrap_or(true)
    }
}

/// Shortest and longest ordinary stall burst.
const BURST: (usize, usize) = (1, 6);
/// Shortest and longest run of true between bursts (mean 5 against a burst mean of 3.5: about 41 % stalled).
const GAP: (usize, usize) = (1, 9);
/// Shortest and longest forced back-pressure burst.
const LONG_BURST: (usize, usize) = (9, 16);
/// Schedules longer than this get one long back-pressure burst.
const LONG_BURST_AFTER: usize = 40;

/// A schedule of `cycles` cycles: Full = all true; Bubbles = offer false with probability ~0.4 in random bursts (lengths 1..6); BackPressure = ready false ~0.4 in bursts, including at least one burst longer than 8 cycles when cycles > 40; Both = both.
pub fn schedule(kind: TrafficKind, cycles: usize, rng: &mut impl Rng) -> Schedule {
    let offer = match kind {
        TrafficKind::Bubbles | TrafficKind::Both => bursty(cycles, rng),
        TrafficKind::Full | TrafficKind::BackPressure => vec![true; cycles],
    };
    let ready = match kind {
        TrafficKind::BackPressure | TrafficKind::Both => {
            let mut ready = bursty(cycles, rng);
            if cycles > LONG_BURST_AFTER {
                let len = rng.random_range(LONG_BURST.0..=LONG_BURST.1);
                let start = rng.random_range(0..=cycles - len);
                ready[start..start + len].fill(false);
            }
            ready
        }
        TrafficKind::Full | TrafficKind::Bubbles => vec![true; cycles],
    };
    Schedule { offer, ready }
}

/// `cycles` flags alternating runs of true (GAP lengths) and bursts of false (BURST lengths), starting with either.
fn bursty(cycles: usize, rng: &mut impl Rng) -> Vec<bool> {
    let mut out = Vec::with_capacity(cycles);
    let mut value = rng.random_bool(0.5);
    while out.len() < cycles {
        let (lo, hi) = if value { GAP } else { BURST };
        let len = rng.random_range(lo..=hi).min(cycles - out.len());
        out.extend(std::iter::repeat_n(value, len));
        value = !value;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn false_fraction(v: &[bool]) -> f64 {
        v.iter().filter(|&&x| !x).count() as f64 / v.len() as f64
    }

    fn false_bursts(v: &[bool]) -> Vec<usize> {
        v.split(|&x| x)
            .map(<[bool]>::len)
            .filter(|&l| l > 0)
            .collect()
    }

    #[test]
    fn names_round_trip() {
        for kind in TrafficKind::ALL {
            assert_eq!(TrafficKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(TrafficKind::from_name("x"), None);
    }

    #[test]
    fn full_is_all_true() {
        let s = schedule(TrafficKind::Full, 100, &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!(s.len(), 100);
        assert!(s.offer.iter().chain(&s.ready).all(|&x| x));
    }

    #[test]
    fn bubbles_only_touch_offer() {
        let s = schedule(
            TrafficKind::Bubbles,
            10_000,
            &mut ChaCha8Rng::seed_from_u64(1),
        );
        assert!(s.ready.iter().all(|&x| x));
        let f = false_fraction(&s.offer);
        assert!((0.3..0.5).contains(&f), "{f}");
        let bursts = false_bursts(&s.offer);
        assert!(bursts.iter().all(|&l| (1..=6).contains(&l)));
        assert!(bursts.contains(&1) && bursts.contains(&6));
    }

    #[test]
    fn back_pressure_has_a_long_burst() {
        for seed in 0..50 {
            for cycles in [41, 60, 200] {
                let s = schedule(
                    TrafficKind::BackPressure,
                    cycles,
                    &mut ChaCha8Rng::seed_from_u64(seed),
                );
                assert!(s.offer.iter().all(|&x| x));
                assert!(
                    false_bursts(&s.ready).iter().any(|&l| l > 8),
                    "seed {seed} cycles {cycles}"
                );
            }
        }
        let s = schedule(
            TrafficKind::BackPressure,
            10_000,
            &mut ChaCha8Rng::seed_from_u64(2),
        );
        let f = false_fraction(&s.ready);
        assert!((0.3..0.5).contains(&f), "{f}");
    }

    #[test]
    fn both_stalls_both_sides() {
        let s = schedule(TrafficKind::Both, 1000, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!((s.offer.len(), s.ready.len()), (1000, 1000));
        assert!(s.offer.iter().any(|&x| !x));
        assert!(s.ready.iter().any(|&x| !x));
        assert_ne!(s.offer, s.ready);
    }

    #[test]
    fn drains_past_the_end() {
        let s = schedule(TrafficKind::Both, 50, &mut ChaCha8Rng::seed_from_u64(4));
        assert!(s.offer_at(50) && s.ready_at(50) && s.offer_at(10_000));
        let empty = schedule(TrafficKind::Both, 0, &mut ChaCha8Rng::seed_from_u64(4));
        assert!(empty.is_empty());
        assert!(empty.offer_at(0) && empty.ready_at(0));
    }

    #[test]
    fn deterministic_for_a_seed() {
        for kind in TrafficKind::ALL {
            let a = schedule(kind, 300, &mut ChaCha8Rng::seed_from_u64(5));
            let b = schedule(kind, 300, &mut ChaCha8Rng::seed_from_u64(5));
            assert_eq!(a, b);
        }
    }
}
