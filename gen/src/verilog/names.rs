//! The names of one module's Verilog scope: every IR name must be a valid,
//! distinct identifier, and the few names the emitter adds must be fresh.

use std::collections::BTreeMap;

use lutforge_hdl::ir::ident::{identifier_problem, is_keyword};
use lutforge_hdl::ir::{Def, Module};

use crate::error::GenError;

/// Names taken in one module, each with what it names (for error messages).
pub(crate) struct Names {
    module: String,
    taken: BTreeMap<String, String>,
}

impl Names {
    /// Claims every port, signal and instance name of `m`, refusing invalid
    /// or doubled names. A scalar input port and its signal share one name.
    pub(crate) fn of_module(m: &Module) -> Result<Self, GenError> {
        let mut names = Names {
            module: m.name.clone(),
            taken: BTreeMap::new(),
        };
        for p in &m.ports {
            names.claim(&p.name, format!("port `{}`", p.name))?;
        }
        for s in &m.signals {
            let is_port_itself = matches!(s.def, Def::Input { port, .. }
                if m.ports.get(port).is_some_and(|p| !p.vector && p.name == s.name));
            if !is_port_itself {
                names.claim(&s.name, format!("signal `{}`", s.name))?;
            }
        }
        for x in &m.instances {
            names.claim(
                &x.name,
                format!("instance `{}` of `{}`", x.name, x.module.name),
            )?;
        }
        Ok(names)
    }

    fn claim(&mut self, name: &str, what: String) -> Result<(), GenError> {
        if let Some(problem) = identifier_problem(name) {
            return Err(GenError::BadName {
                name: name.into(),
                what: "a Verilog name",
                problem,
            });
        }
        if let Some(first) = self.taken.get(name) {
            return Err(GenError::NameClash {
                module: self.module.clone(),
                name: name.into(),
                first: first.clone(),
                second: what,
            });
        }
        self.taken.insert(name.into(), what);
        Ok(())
    }

    /// A new name based on `base` (`base`, `base_1`, `base_2`, …) that is
    /// neither taken nor a keyword; it is taken from now on.
    pub(crate) fn fresh(&mut self, base: &str, what: String) -> String {
        let free = |n: &String| !self.taken.contains_key(n) && !is_keyword(n);
        let name = std::iter::once(base.to_string())
            .chain((1..).map(|i| format!("{base}_{i}")))
            .find(free)
            .unwrap_or_default();
        self.taken.insert(name.clone(), what);
        name
    }
}
