//! The IR rules the emitter relies on, checked before anything is written.
//!
//! `ModuleBuilder` already enforces them; a [`Module`]'s fields are public,
//! though, and a hand-made module that breaks one would otherwise give
//! wrong Verilog or a panic instead of a clear error.

use lutforge_hdl::ir::{Def, Dir, MAX_WIDTH, Module, SignalId, mask, memory_address};

use crate::error::GenError;

/// Checks every signal, port and instance of `m` (not its children).
pub(crate) fn check_module(m: &Module) -> Result<(), GenError> {
    let n = m.signals.len();
    let bad = |signal: &str, problem: String| GenError::InvalidIr {
        module: m.name.clone(),
        signal: signal.to_string(),
        problem,
    };
    let known = |id: SignalId| (id.0 as usize) < n;
    let width = |id: SignalId| m.signal(id).ty.width;

    if let Some(c) = m.clock {
        let is_clock_port = known(c)
            && matches!(m.signal(c).def, Def::Input { port, .. }
                if m.ports.get(port).is_some_and(|p| !p.vector && p.dir == Dir::Input))
            && width(c) == 1;
        if !is_clock_port {
            return Err(bad(
                "clk",
                "the clock is not a one-bit scalar input port".into(),
            ));
        }
    }

    for (i, s) in m.signals.iter().enumerate() {
        let w = s.ty.width;
        let problem = |p: String| Err(bad(&s.name, p));
        if w == 0 || w > MAX_WIDTH {
            return problem(format!("width {w} is outside 1..={MAX_WIDTH}"));
        }
        // Combinational operands come earlier; a register's or a memory's
        // inputs may come from anywhere.
        let earlier = |id: SignalId| (id.0 as usize) < i;
        let operands: Vec<SignalId> = match &s.def {
            Def::Reg { .. } | Def::Memory { .. } => vec![],
            def => def.operands(),
        };
        if let Some(op) = operands.iter().find(|&&o| !earlier(o)) {
            return problem(format!("operand #{} is not an earlier signal", op.0));
        }
        match &s.def {
            &Def::Input { port, elem } => {
                let ok = m.ports.get(port).is_some_and(|p| {
                    p.dir == Dir::Input
                        && p.signals.get(elem) == Some(&SignalId(i as u32))
                        && p.elem == s.ty
                });
                if !ok {
                    return problem(format!("it is not element {elem} of input port #{port}"));
                }
            }
            &Def::Const(bits) if bits & !mask(w) != 0 => {
                return problem(format!("constant {bits:#x} does not fit {w} bits"));
            }
            &Def::Unary(_, a) | &Def::Shl(a, _) | &Def::Shr(a, _) | &Def::Extend { src: a, .. }
                if width(a) > w =>
            {
                return problem(format!(
                    "operand `{}` is wider than the result",
                    m.signal(a).name
                ));
            }
            &Def::Binary(_, a, b) if width(a) > w || width(b) > w => {
                return problem("an operand is wider than the result".into());
            }
            &Def::Add3(a, b, c) if width(a) > w || width(b) > w || width(c) > w => {
                return problem("an operand is wider than the result".into());
            }
            Def::Compare(..) | Def::Reduce(..) if w != 1 => {
                return problem("a comparison or reduction must be one bit".into());
            }
            &Def::Slice { src, lo } if lo.checked_add(w).is_none_or(|hi| hi > width(src)) => {
                return problem(format!("the slice reaches past `{}`", m.signal(src).name));
            }
            Def::Concat(parts)
                if parts.is_empty()
                    || parts.iter().map(|&p| u64::from(width(p))).sum::<u64>() != u64::from(w) =>
            {
                return problem("the parts' widths do not add up to the signal's".into());
            }
            &Def::Mux {
                sel,
                then,
                otherwise,
            } if width(sel) != 1 || width(then) > w || width(otherwise) > w => {
                return problem(
                    "the select is not one bit or a choice is wider than the result".into(),
                );
            }
            Def::Rom { addr, table } => {
                let aw = width(*addr);
                if aw > 16 || table.is_empty() || table.len() > 1usize << aw {
                    return problem(format!(
                        "{} entries do not suit a {aw}-bit address",
                        table.len()
                    ));
                }
                if table.iter().any(|&e| e & !mask(w) != 0) {
                    return problem(format!("an entry does not fit {w} bits"));
                }
            }
            &Def::Reg { d, en, rst, init } => {
                if m.clock.is_none() {
                    return problem("the module has a register but no clock".into());
                }
                if !known(d) || width(d) != w {
                    return problem(
                        "the register's input is missing or not as wide as the register".into(),
                    );
                }
                if [en, rst]
                    .into_iter()
                    .flatten()
                    .any(|c| !known(c) || width(c) != 1)
                {
                    return problem("an enable or reset is missing or not one bit".into());
                }
                if init & !mask(w) != 0 {
                    return problem(format!("reset value {init:#x} does not fit {w} bits"));
                }
            }
            &Def::Memory {
                depth,
                data,
                en,
                addr,
            } => {
                if m.clock.is_none() {
                    return problem("the module has a memory but no clock".into());
                }
                let Some(address) = memory_address(depth) else {
                    return problem(format!("{depth} words is not a power of two in range"));
                };
                if !known(data) || width(data) != w || !known(en) || width(en) != 1 {
                    return problem(
                        "the write data is not as wide as a word, or the enable not one bit".into(),
                    );
                }
                if !known(addr) || m.signal(addr).ty != address {
                    return problem("the write address does not suit the depth".into());
                }
            }
            &Def::MemRead { mem, addr } => {
                let Def::Memory { depth, .. } = m.signal(mem).def else {
                    return problem(format!("`{}` is not a memory", m.signal(mem).name));
                };
                if width(mem) != w || memory_address(depth) != Some(m.signal(addr).ty) {
                    return problem(
                        "the read is not a word wide or its address does not suit the depth".into(),
                    );
                }
            }
            &Def::InstOut { inst, port, elem } => {
                let ok = m.instances.get(inst.0 as usize).is_some_and(|x| {
                    x.module.ports.get(port).is_some_and(|p| {
                        p.dir == Dir::Output && elem < p.signals.len() && p.elem.width == w
                    }) && x.connections.get(port).and_then(|c| c.get(elem))
                        == Some(&SignalId(i as u32))
                });
                if !ok {
                    return problem(format!(
                        "it is not element {elem} of output #{port} of instance #{}",
                        inst.0
                    ));
                }
            }
            _ => {}
        }
    }

    for p in &m.ports {
        let wrong = |problem: &str| Err(bad(&p.name, format!("port: {problem}")));
        if p.signals.is_empty() || (!p.vector && p.signals.len() != 1) {
            return wrong("a scalar port needs one signal and a vector port at least one");
        }
        if p.signals
            .iter()
            .any(|&s| !known(s) || m.signal(s).ty.width != p.elem.width)
        {
            return wrong("a signal is missing or not as wide as the port's element");
        }
    }

    for (xi, x) in m.instances.iter().enumerate() {
        let wrong = |problem: String| Err(bad(&x.name, format!("instance: {problem}")));
        if x.connections.len() != x.module.ports.len() {
            return wrong(format!(
                "{} connections for {} ports",
                x.connections.len(),
                x.module.ports.len()
            ));
        }
        for (pi, (p, c)) in x.module.ports.iter().zip(&x.connections).enumerate() {
            if c.len() != p.signals.len()
                || c.iter().any(|&s| !known(s) || width(s) != p.elem.width)
            {
                return wrong(format!(
                    "port `{}` is connected to the wrong number or width of signals",
                    p.name
                ));
            }
            let driven_here = |(elem, &s): (usize, &SignalId)| {
                matches!(m.signal(s).def, Def::InstOut { inst, port, elem: e }
                    if inst.0 as usize == xi && port == pi && e == elem)
            };
            if p.dir == Dir::Output && !c.iter().enumerate().all(driven_here) {
                return wrong(format!(
                    "output `{}` is not connected to this instance's own output signals",
                    p.name
                ));
            }
        }
    }
    Ok(())
}
