//! Results: the core's tile results are collected into one of two banks of
//! N_total results (registers), and a full bank is drained as ⌈N_total/Q⌉
//! y-words while the other collects the next vector. Rows past N_total of
//! the last tile are dropped; y elements past N_total are 0.

use crate::ir::{BuildError, ModuleBuilder, SignalId, Ty};

use super::super::blocks::mux_tree;
use super::layout::Geometry;
use super::logic::{self, PingPong, Wrap};

/// The result side's outputs.
#[derive(Debug, Clone)]
pub struct Drain {
    /// `out_ready` of the core.
    pub core_ready: SignalId,
    /// `y_valid`.
    pub valid: SignalId,
    /// `y_last`.
    pub last: SignalId,
    /// `y_data` elements.
    pub data: Vec<SignalId>,
    /// The last y-word of a vector is taken on this edge.
    pub done: SignalId,
    banks: PingPong,
    tile: Wrap,
}

/// Declares the banks and the drain; `y_ready` is the consumer's ready.
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    rst: SignalId,
    acc: Ty,
    y_ready: SignalId,
) -> Result<(Drain, Vec<[SignalId; 2]>), BuildError> {
    let banks = PingPong::new(b, "yb", rst)?;
    let tile = Wrap::new(b, "yb_tile", g.tiles, rst)?;
    let word = Wrap::new(b, "yb_word", g.y_words, rst)?;
    let core_ready = logic::not(b, "yb_core_ready", banks.write_full)?;
    let regs: Vec<[SignalId; 2]> = (0..g.n_total)
        .map(|n| {
            Ok([
                b.reg(&format!("yb0_y{n}"), acc, None)?,
                b.reg(&format!("yb1_y{n}"), acc, None)?,
            ])
        })
        .collect::<Result<_, BuildError>>()?;
    let zero = b.constant("yb_zero", acc, 0)?;
    let data = (0..g.q)
        .map(|e| {
            let mut pick = [zero; 2];
            for (bank, p) in pick.iter_mut().enumerate() {
                let items: Vec<SignalId> = (0..g.y_words)
                    .map(|w| regs.get(w * g.q + e).map_or(zero, |r| r[bank]))
                    .collect();
                *p = mux_tree(
                    b,
                    &format!("yb{bank}_rd{e}"),
                    ("s", "m"),
                    word.value,
                    &items,
                )?;
            }
            b.mux(&format!("yb_y{e}"), acc, banks.read, pick[1], pick[0])
        })
        .collect::<Result<_, BuildError>>()?;
    let take = logic::and(b, "yb_take", banks.read_full, y_ready)?;
    let done = logic::and(b, "yb_done", take, word.last)?;
    word.step(b, take)?;
    let drain = Drain {
        core_ready,
        valid: banks.read_full,
        last: word.last,
        data,
        done,
        banks,
        tile,
    };
    Ok((drain, regs))
}

impl Drain {
    /// Collects the core's results: `out_valid`, `out_y` (N elements) into `regs`.
    pub fn finish(
        &self,
        b: &mut ModuleBuilder,
        g: &Geometry,
        out_valid: SignalId,
        out_y: &[SignalId],
        regs: &[[SignalId; 2]],
    ) -> Result<(), BuildError> {
        let take = logic::and(b, "yb_collect", out_valid, self.core_ready)?;
        let per_bank = self
            .banks
            .on_bank(b, "yb_collect_bank", self.banks.write, take)?;
        for t in 0..g.tiles {
            let at = logic::eq_const(b, &format!("yb_at{t}"), self.tile.value, t as i128)?;
            for (bank, &en_bank) in per_bank.iter().enumerate() {
                let en = logic::and(b, &format!("yb{bank}_we{t}"), en_bank, at)?;
                for i in 0..g.n.min(g.n_total - t * g.n) {
                    b.drive(regs[t * g.n + i][bank], out_y[i], Some(en))?;
                }
            }
        }
        let vector = logic::and(b, "yb_vector", take, self.tile.last)?;
        self.tile.step(b, take)?;
        self.banks.finish(b, "yb", vector, self.done)
    }
}
