//! The characterisation harness: a core's ports are thousands of bits wide
//! and no FPGA has those pins, so the harness feeds every input from
//! serial-in shift registers and folds every output into one registered
//! pin (each output element's XOR registered first, then the tree of
//! those). Nothing of the core can be optimised away (every input bit comes
//! from a flip-flop, every output bit reaches the pin through an XOR), and
//! the harness's own cost is measured by wrapping an empty core (outputs
//! wired straight from inputs) the same way.
//!
//! Pins: `clk`, `rst`, `sin` (serial data) and `sout` (the folded outputs).

use lutforge_hdl::datapath::contract::CORE;
use std::sync::Arc;

use lutforge_hdl::ir::{BuildError, Dir, Module, ModuleBuilder, ReduceOp, SignalId, Ty};

/// Bits per shift-register word (the IR's widest signal).
const WORD: u32 = 64;

/// Wraps `core` (any module with a `clk` input) in the harness, named `NAME_harness`.
pub fn harness(core: Arc<Module>) -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new(&format!("{}_harness", core.name))?;
    b.clock()?;
    let rst = b.input(CORE.reset, Ty::BIT)?;
    let sin = b.input("sin", Ty::BIT)?;
    let needed: u64 = core
        .ports
        .iter()
        .filter(|p| p.dir == Dir::Input && p.name != CORE.clock && p.name != CORE.reset)
        .map(|p| p.total_width())
        .sum();
    let bits = ShiftChain::new(&mut b, sin, needed.max(1))?;
    // The chain's last bit is folded into `sout` too, so every flip-flop of
    // the chain is observed, whatever the core reads of it.
    let mut folded: Vec<SignalId> = vec![bits.tail];
    let mut connections: Vec<(String, Vec<SignalId>)> = Vec::new();
    let mut next = 0u64;
    for p in &core.ports {
        if p.dir != Dir::Input || p.name == CORE.clock {
            continue;
        }
        if p.name == CORE.reset {
            connections.push((p.name.clone(), vec![rst]));
            continue;
        }
        let mut elems = Vec::with_capacity(p.signals.len());
        for e in 0..p.signals.len() {
            elems.push(bits.take(&mut b, &format!("{}_{e}", p.name), next, p.elem)?);
            next += p.elem.width as u64;
        }
        connections.push((p.name.clone(), elems));
    }
    let refs: Vec<(&str, &[SignalId])> = connections
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()))
        .collect();
    let outs = b.instance("u_core", core.clone(), &refs)?;
    for p in core.ports.iter().filter(|p| p.dir == Dir::Output) {
        let sigs = outs.vector(&p.name).unwrap_or_default().to_vec();
        for (e, s) in sigs.into_iter().enumerate() {
            let name = format!("fold_{}_{e}", p.name);
            let fold = b.reduce(&name, ReduceOp::Xor, s)?;
            // Registered, so the core's output paths end one XOR past its
            // own registers, not behind the whole fold tree.
            folded.push(b.register(&format!("{name}_q"), fold, None, None)?);
        }
    }
    let mut level = 0;
    while folded.len() > 1 {
        level += 1;
        folded = folded
            .chunks(2)
            .enumerate()
            .map(|(i, pair)| match pair {
                [x, y] => b.xor(&format!("fold_l{level}_{i}"), Ty::BIT, *x, *y),
                [x] => Ok(*x),
                _ => unreachable!("chunks of two"),
            })
            .collect::<Result<_, _>>()?;
    }
    let out = b.register("sout_q", folded[0], None, None)?;
    b.output("sout", out)?;
    b.finish()
}

/// A core with `core`'s ports and no logic: each output bit is wired from
/// an input bit (cycling through them), so the harness around it costs what
/// the harness around the real core costs.
pub fn empty_core(core: &Module) -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new(&format!("{}_empty", core.name))?;
    let mut inputs: Vec<SignalId> = Vec::new();
    for p in &core.ports {
        if p.dir != Dir::Input {
            continue;
        }
        if p.name == CORE.clock {
            b.clock()?;
        } else if p.vector {
            inputs.extend(b.input_vec(&p.name, p.signals.len(), p.elem)?);
        } else {
            inputs.push(b.input(&p.name, p.elem)?);
        }
    }
    // Every input bit, one signal each, in port order.
    let mut in_bits = Vec::new();
    for (i, &s) in inputs.iter().enumerate() {
        for bit in 0..b.ty(s).width {
            in_bits.push(b.slice(&format!("bit_{i}_{bit}"), s, bit, 1, false)?);
        }
    }
    if in_bits.is_empty() {
        in_bits.push(b.constant("zero", Ty::BIT, 0)?);
    }
    let mut cursor = 0usize;
    for p in core.ports.iter().filter(|p| p.dir == Dir::Output) {
        let mut elems = Vec::with_capacity(p.signals.len());
        for e in 0..p.signals.len() {
            let parts: Vec<SignalId> = (0..p.elem.width)
                .map(|_| {
                    let s = in_bits[cursor % in_bits.len()];
                    cursor += 1;
                    s
                })
                .collect();
            elems.push(b.concat(&format!("{}_{e}_w", p.name), &parts, p.elem.signed)?);
        }
        if p.vector {
            b.output_vec(&p.name, &elems)?;
        } else {
            b.output(&p.name, elems[0])?;
        }
    }
    b.finish()
}

/// A serial-in shift register of `len` bits kept as 64-bit words.
struct ShiftChain {
    words: Vec<SignalId>,
    tail: SignalId,
}

impl ShiftChain {
    fn new(b: &mut ModuleBuilder, sin: SignalId, len: u64) -> Result<ShiftChain, BuildError> {
        let count = len.div_ceil(WORD as u64) as usize;
        let last_width = (len - (count as u64 - 1) * WORD as u64) as u32;
        let mut words = Vec::with_capacity(count);
        let mut feed = sin;
        for i in 0..count {
            let w = if i + 1 == count { last_width } else { WORD };
            let r = b.reg(&format!("shift_{i}"), Ty::unsigned(w), None)?;
            let d = if w == 1 {
                feed
            } else {
                let low = b.slice(&format!("shift_{i}_low"), r, 0, w - 1, false)?;
                b.concat(&format!("shift_{i}_next"), &[feed, low], false)?
            };
            b.drive(r, d, None)?;
            feed = b.slice(&format!("shift_{i}_out"), r, w - 1, 1, false)?;
            words.push(r);
        }
        Ok(ShiftChain { words, tail: feed })
    }

    /// Bits `at .. at + ty.width` of the chain as one signal of `ty`.
    fn take(
        &self,
        b: &mut ModuleBuilder,
        name: &str,
        at: u64,
        ty: Ty,
    ) -> Result<SignalId, BuildError> {
        let mut parts = Vec::new();
        let mut pos = at;
        let end = at + ty.width as u64;
        while pos < end {
            let word = (pos / WORD as u64) as usize;
            let lo = (pos % WORD as u64) as u32;
            let word_width = b.ty(self.words[word]).width;
            let n = ((end - pos) as u32).min(word_width - lo);
            parts.push(b.slice(
                &format!("{name}_p{}", parts.len()),
                self.words[word],
                lo,
                n,
                false,
            )?);
            pos += n as u64;
        }
        if parts.len() == 1 {
            let only = parts[0];
            if b.ty(only) == ty {
                return Ok(only);
            }
        }
        b.concat(name, &parts, ty.signed)
    }
}
