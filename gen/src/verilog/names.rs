//! The names of one module's Verilog scope: the IR's names (valid and
//! distinct identifiers, as `Module::verify` checks), and the few names
//! the emitter adds, each fresh.

use std::collections::BTreeSet;

use lutforge_hdl::ir::Module;
use lutforge_hdl::ir::ident::is_keyword;

/// Names taken in one module.
pub(crate) struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    /// Takes every port, signal and instance name of `m`, a verified module.
    pub(crate) fn of_module(m: &Module) -> Self {
        let ports = m.ports.iter().map(|p| p.name.clone());
        let signals = m.signals.iter().map(|s| s.name.clone());
        let instances = m.instances.iter().map(|x| x.name.clone());
        Names {
            taken: ports.chain(signals).chain(instances).collect(),
        }
    }

    /// A new name based on `base` (`base`, `base_1`, `base_2`, …) that is
    /// neither taken nor a keyword; it is taken from now on.
    pub(crate) fn fresh(&mut self, base: &str) -> String {
        let free = |n: &String| !self.taken.contains(n) && !is_keyword(n);
        let name = std::iter::once(base.to_string())
            .chain((1..).map(|i| format!("{base}_{i}")))
            .find(free)
            .unwrap_or_default();
        self.taken.insert(name.clone());
        name
    }
}
