//! What the commands need of a core design: its Verilog header, metadata,
//! one-line description and verification plan, the same for every
//! registered core.

use lutforge_gen::{CONTRACT_VERSION, CoreMetadata, Header, LUTFORGE_VERSION, port_info};
use lutforge_hdl::datapath::GeneratedCore;
use lutforge_hdl::datapath::contract::CORE;
use lutforge_hdl::datapath::core::Design;
use lutforge_testbench::verify::{Plan, plan_for};

/// The command that regenerates this design, flag by flag.
pub fn command_line(d: &dyn Design) -> String {
    let flags: Vec<String> = d
        .flags()
        .iter()
        .map(|(k, v)| format!("--{k} {v}"))
        .collect();
    format!("lutforge gen {} {}", d.core(), flags.join(" "))
}

/// The Verilog file header.
pub fn header(d: &dyn Design) -> Header {
    Header {
        command: command_line(d),
        params: d.flags(),
    }
}

/// NAME.json for the generated core: the contract's keys, the typed
/// parameters, and the core's own facts.
pub fn metadata(d: &dyn Design, core: &GeneratedCore) -> CoreMetadata {
    let mut extra = serde_json::Map::new();
    extra.insert(
        "macs_per_cycle".into(),
        serde_json::json!(core.macs_per_cycle),
    );
    extra.insert("command".into(), serde_json::json!(command_line(d)));
    extra.insert("contract".into(), CORE.to_json());
    extra.extend(d.metadata());
    CoreMetadata {
        top: core.module.name.clone(),
        kind: core.kind.into(),
        params: serde_json::Value::Object(d.params()),
        acc_bits: core.acc_bits,
        latency: core.latency,
        throughput: core.throughput,
        ports: port_info(&core.module),
        lutforge_version: LUTFORGE_VERSION.into(),
        contract_version: CONTRACT_VERSION,
        extra,
    }
}

/// The verification plan: every stimulus under every traffic pattern, with the core's weight encoding.
pub fn plan(d: &dyn Design, streams: usize, runs: usize, seed: u64) -> Plan {
    plan_for(d, streams, runs, seed)
}

/// A one-line description: kind, name, shape and the core's own notes.
pub fn describe(d: &dyn Design, core: &GeneratedCore) -> String {
    let c = d.common();
    let mut line = format!(
        "{} `{}`: M={} N={} K={} A={} W={}{} max_beats={} → ACC={} bits, latency {} cycles, {} MACs/cycle",
        d.core(),
        c.name,
        c.m,
        c.n,
        c.k,
        c.act_bits,
        c.w_format.name(),
        c.w_bits,
        c.max_beats,
        core.acc_bits,
        core.latency,
        core.macs_per_cycle
    );
    for note in d.notes() {
        line.push_str(", ");
        line.push_str(&note);
    }
    line
}
