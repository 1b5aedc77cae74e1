//! The one check of a core's timing contract (docs/spec/core-contract.md), the same
//! for every core: with a beat offered every cycle and `out_ready` held at
//! 1, every result appears exactly `latency` edges after the edge that took
//! its run's last beat, and beats are taken exactly every 1/`throughput`
//! cycles, as the metadata states. The handshake rules themselves (no drop,
//! no duplicate, stable output under back-pressure) are checked by the
//! stream checker on every traffic pattern.

use lutforge_hdl::datapath::GeneratedCore;

use crate::check::CheckReport;
use crate::traffic::TrafficKind;
use crate::vectors::Outcome;
use crate::verify::{Case, check_case};

/// Where the simulation contradicts the core's stated latency or beat period (empty when it does not).
pub fn timing_breaches(core: &GeneratedCore, case: &Case, outcomes: &[Outcome]) -> Vec<String> {
    if case.traffic != TrafficKind::Full {
        return Vec::new();
    }
    let mut out = Vec::new();
    let latencies: Vec<u64> = outcomes
        .iter()
        .zip(&case.streams)
        .flat_map(|(o, s)| o.latencies(s))
        .collect();
    if let Some(bad) = latencies.iter().find(|&&l| l != u64::from(core.latency)) {
        out.push(format!(
            "a result came {bad} cycles after its last beat; the metadata states a latency of {}",
            core.latency
        ));
    }
    let period = (1.0 / core.throughput).round() as u64;
    let gaps = outcomes
        .iter()
        .flat_map(|o| o.accept_cycles.windows(2).map(|w| w[1] - w[0]));
    if let Some(bad) = gaps.into_iter().find(|&g| g != period) {
        out.push(format!(
            "beats were taken {bad} cycles apart under full traffic; the metadata states one every {period} (throughput {})",
            core.throughput
        ));
    }
    out
}

/// [`check_case`] plus the timing contract of `core`: the verdict every
/// command and test gives a core's simulation.
pub fn check_core_case(core: &GeneratedCore, case: &Case, outcomes: &[Outcome]) -> CheckReport {
    let mut report = check_case(case, outcomes);
    report
        .protocol_errors
        .extend(timing_breaches(core, case, outcomes));
    report
}
