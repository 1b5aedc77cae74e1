//! The stream contracts as values: the names, directions and roles of a
//! design's ports, so that the stream shell, the test benches, the
//! simulator harness and the metadata all read one description instead of
//! port-name literals. [`CORE`] is docs/spec/core-contract.md.

use crate::ir::{Dir, Module};

/// One valid/ready stream of a contract (AXI4-Stream rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamSpec {
    /// The stream's name (`in`, `out`).
    pub name: &'static str,
    /// True when data flows into the design.
    pub into_design: bool,
    /// The valid port, driven by the producer.
    pub valid: &'static str,
    /// The ready port, driven by the consumer.
    pub ready: &'static str,
    /// The last port (ends a run or a vector), driven by the producer, if the stream has one.
    pub last: Option<&'static str>,
    /// The data ports, driven by the producer.
    pub payload: &'static [&'static str],
}

impl StreamSpec {
    /// The direction, seen from the design, of a port the producer drives.
    pub fn data_dir(&self) -> Dir {
        if self.into_design {
            Dir::Input
        } else {
            Dir::Output
        }
    }

    /// Every port of the stream with its direction seen from the design, in contract order.
    pub fn ports(&self) -> Vec<(&'static str, Dir)> {
        let data = self.data_dir();
        let back = if self.into_design {
            Dir::Output
        } else {
            Dir::Input
        };
        let mut v = vec![(self.valid, data), (self.ready, back)];
        v.extend(self.last.map(|l| (l, data)));
        v.extend(self.payload.iter().map(|&p| (p, data)));
        v
    }
}

/// A design's outside: a clock, a synchronous reset and its streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contract {
    /// The rising-edge clock input.
    pub clock: &'static str,
    /// The synchronous, active-high reset input.
    pub reset: &'static str,
    /// The streams, in port order.
    pub streams: &'static [StreamSpec],
}

/// A core's run-end port: this beat ends a dot product.
pub const CORE_LAST: &str = "in_last";
/// A core's activation port: M·K signed A-bit activations.
pub const CORE_ACT: &str = "in_act";
/// A core's weight port: the weight tile in the core's packing.
pub const CORE_W: &str = "in_w";
/// A core's result port: M·N signed ACC-bit results.
pub const CORE_Y: &str = "out_y";

/// The input stream of a compute core: a beat of activations and weights.
pub const CORE_IN: StreamSpec = StreamSpec {
    name: "in",
    into_design: true,
    valid: "in_valid",
    ready: "in_ready",
    last: Some(CORE_LAST),
    payload: &[CORE_ACT, CORE_W],
};

/// The output stream of a compute core: a tile of results.
pub const CORE_OUT: StreamSpec = StreamSpec {
    name: "out",
    into_design: false,
    valid: "out_valid",
    ready: "out_ready",
    last: None,
    payload: &[CORE_Y],
};

/// The streaming core contract (docs/spec/core-contract.md).
pub const CORE: Contract = Contract {
    clock: "clk",
    reset: "rst",
    streams: &[CORE_IN, CORE_OUT],
};

/// The weight stream of a linear engine: WW-bit words of the matrix.
pub const LINEAR_W: StreamSpec = StreamSpec {
    name: "w",
    into_design: true,
    valid: "w_valid",
    ready: "w_ready",
    last: Some("w_last"),
    payload: &["w_data"],
};

/// The activation stream of a linear engine: P activations a word.
pub const LINEAR_X: StreamSpec = StreamSpec {
    name: "x",
    into_design: true,
    valid: "x_valid",
    ready: "x_ready",
    last: Some("x_last"),
    payload: &["x_data"],
};

/// The result stream of a linear engine: Q results a word.
pub const LINEAR_Y: StreamSpec = StreamSpec {
    name: "y",
    into_design: false,
    valid: "y_valid",
    ready: "y_ready",
    last: Some("y_last"),
    payload: &["y_data"],
};

/// The linear-layer engine contract (docs/spec/linear-contract.md).
pub const LINEAR: Contract = Contract {
    clock: "clk",
    reset: "rst",
    streams: &[LINEAR_W, LINEAR_X, LINEAR_Y],
};

impl Contract {
    /// Every port with its direction seen from the design, in contract order.
    pub fn ports(&self) -> Vec<(&'static str, Dir)> {
        let mut v = vec![(self.clock, Dir::Input), (self.reset, Dir::Input)];
        for s in self.streams {
            v.extend(s.ports());
        }
        v
    }

    /// The port names in contract order.
    pub fn port_order(&self) -> Vec<&'static str> {
        self.ports().into_iter().map(|(n, _)| n).collect()
    }

    /// The stream named `name`.
    pub fn stream(&self, name: &str) -> Option<&StreamSpec> {
        self.streams.iter().find(|s| s.name == name)
    }

    /// Checks that `m` has every port of the contract with its direction; names the first missing one.
    pub fn check(&self, m: &Module) -> Result<(), String> {
        for (name, dir) in self.ports() {
            if m.port(name).is_none_or(|p| p.dir != dir) {
                return Err(format!(
                    "module `{}` has no {dir:?} port `{name}` of the contract",
                    m.name
                ));
            }
        }
        Ok(())
    }

    /// The contract as JSON for a design's metadata: clock, reset and each stream's ports.
    pub fn to_json(&self) -> serde_json::Value {
        let streams: Vec<serde_json::Value> = self
            .streams
            .iter()
            .map(|s| {
                serde_json::json!({
                    "name": s.name,
                    "direction": if s.into_design { "in" } else { "out" },
                    "valid": s.valid,
                    "ready": s.ready,
                    "last": s.last,
                    "payload": s.payload,
                })
            })
            .collect();
        serde_json::json!({ "clock": self.clock, "reset": self.reset, "streams": streams })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_core_contract_lists_its_ten_ports_in_order() {
        assert_eq!(
            CORE.port_order(),
            [
                "clk",
                "rst",
                "in_valid",
                "in_ready",
                "in_last",
                "in_act",
                "in_w",
                "out_valid",
                "out_ready",
                "out_y"
            ]
        );
        let dirs: Vec<Dir> = CORE.ports().into_iter().map(|(_, d)| d).collect();
        assert_eq!(dirs[3], Dir::Output, "in_ready comes out of the core");
        assert_eq!(dirs[8], Dir::Input, "out_ready goes into the core");
    }
}
