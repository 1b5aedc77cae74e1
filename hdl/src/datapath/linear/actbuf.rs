//! The activation buffer: two banks of K_total activations in registers,
//! so the next vector loads while the current one computes. x-word w
//! writes elements w·P … w·P+P−1 of the bank being loaded; a chunk read
//! gives elements c·K … c·K+K−1 of the bank being computed, 0 past K_total.

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::super::blocks::mux_tree;
use super::layout::Geometry;
use super::logic::{self, PingPong, Wrap};

/// The activation buffer's signals.
#[derive(Debug, Clone)]
pub struct ActBuffer {
    /// `x_ready`.
    pub ready: SignalId,
    /// The first x-word of a vector is taken on this edge.
    pub first: SignalId,
    /// The bank being computed holds a whole vector.
    pub valid: SignalId,
    banks: PingPong,
    last: SignalId,
    elems: [Vec<SignalId>; 2],
}

/// Declares the buffer; `gate` is 1 when the engine may take x-words.
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    valid: SignalId,
    gate: SignalId,
    data: &[SignalId],
) -> Result<ActBuffer, BuildError> {
    let banks = PingPong::new(b, "xb", rst)?;
    let word = Wrap::new(b, "xb_word", g.x_words, rst)?;
    let free = logic::not(b, "xb_free", banks.write_full)?;
    let ready = logic::and(b, "x_ready_int", free, gate)?;
    let take = logic::and(b, "xb_take", ready, valid)?;
    let first = logic::eq_const(b, "xb_at_first", word.value, 0)?;
    let first = logic::and(b, "xb_first", take, first)?;
    let last = logic::and(b, "xb_last", take, word.last)?;
    word.step(b, take)?;
    let per_bank = banks.on_bank(b, "xb_take_bank", banks.write, take)?;
    let mut elems: [Vec<SignalId>; 2] = [Vec::new(), Vec::new()];
    for (bank, &en_bank) in per_bank.iter().enumerate() {
        for w in 0..g.x_words {
            let at = logic::eq_const(b, &format!("xb_at{w}"), word.value, w as i128)?;
            let en = logic::and(b, &format!("xb{bank}_we{w}"), en_bank, at)?;
            for (lane, &d) in data.iter().enumerate().take(g.k_total - w * g.p) {
                let k = w * g.p + lane;
                let r = b.register(&format!("xb{bank}_a{k}"), d, Some(en), None)?;
                elems[bank].push(r);
            }
        }
    }
    Ok(ActBuffer {
        ready,
        first,
        valid: banks.read_full,
        banks,
        last,
        elems,
    })
}

impl ActBuffer {
    /// The K activations of chunk `chunk` of the bank being computed.
    pub fn chunk(
        &self,
        b: &mut ModuleBuilder,
        g: &Geometry,
        chunk: SignalId,
    ) -> Result<Vec<SignalId>, BuildError> {
        let aty = Ty::signed(g.act_bits);
        let zero = b.constant("xb_zero", aty, 0)?;
        (0..g.k)
            .map(|j| {
                let mut pick = [zero; 2];
                for (bank, elems) in self.elems.iter().enumerate() {
                    let items: Vec<SignalId> = (0..g.chunks)
                        .map(|c| elems.get(c * g.k + j).copied().unwrap_or(zero))
                        .collect();
                    pick[bank] =
                        mux_tree(b, &format!("xb{bank}_rd{j}"), ("s", "m"), chunk, &items)?;
                }
                b.mux(
                    &format!("xb_act{j}"),
                    aty,
                    self.banks.read,
                    pick[1],
                    pick[0],
                )
            })
            .collect()
    }

    /// Drives the bank flags: `release` ends the computation of the bank being computed.
    pub fn finish(&self, b: &mut ModuleBuilder, release: SignalId) -> Result<(), BuildError> {
        self.banks.finish(b, "xb", self.last, release)
    }
}
