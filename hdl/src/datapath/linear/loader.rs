//! The weight loader: takes WW-bit words off the weight stream and writes
//! their units into the banks, one *piece* (the units of the held word that
//! fall in the current segment) per cycle, so a word that straddles a
//! segment boundary takes two cycles or more.

use crate::ir::{BuildError, CmpOp, ModuleBuilder, SignalId, Ty};

use super::super::blocks::mux_tree;
use super::layout::Geometry;
use super::logic::{self, Wrap};
use super::store::BankWrite;

/// What the loader drives.
#[derive(Debug, Clone)]
pub struct Loader {
    /// `w_ready`.
    pub ready: SignalId,
    /// Per tile row r, per unit j of a segment: the bank's write port.
    pub writes: Vec<Vec<BankWrite>>,
    /// Per unit j of a segment, whatever the row: the write of `writes[r][j]`
    /// for the row being written (the enable of exactly one row's port).
    pub segment: Vec<BankWrite>,
    /// The last unit of a tile's rows is written on this edge.
    pub tile_done: SignalId,
    /// The last unit of the matrix is written on this edge.
    pub matrix_done: SignalId,
    /// A weight word is taken on this edge.
    pub take: SignalId,
    /// A word is held (the loader is mid-matrix or finishing one).
    pub holding: SignalId,
    /// The last unit of a segment (one row's units of one chunk) is written on this edge.
    pub seg_done: SignalId,
    /// The tile row being written.
    pub row: SignalId,
}

/// The loader's inputs from the rest of the engine.
#[derive(Debug, Clone, Copy)]
pub struct LoaderInputs {
    /// Reset.
    pub rst: SignalId,
    /// `w_valid`.
    pub valid: SignalId,
    /// The loader may write this cycle (a staging slot is free).
    pub permit: SignalId,
    /// The loader may take a new word this cycle.
    pub take_ok: SignalId,
    /// True in stream mode: the address toggles between two staging slots.
    pub staging: bool,
}

fn ctr_ty(g: &Geometry) -> Ty {
    let max = g.word_units.max(g.seg_units) + 1;
    Ty::unsigned(usize::BITS - max.leading_zeros())
}

/// Builds the loader over the `w_data` units `data`.
pub fn build(
    b: &mut ModuleBuilder,
    g: &Geometry,
    inp: LoaderInputs,
    data: &[SignalId],
    addr_ty: Ty,
) -> Result<Loader, BuildError> {
    let ty = ctr_ty(g);
    let rst = inp.rst;
    let wv = logic::flag(b, "wl_held", rst, false)?;
    let off = b.reg("wl_off", ty, Some((rst, 0)))?;
    let j = b.reg("wl_j", ty, Some((rst, 0)))?;
    let c = Wrap::new(b, "wl_chunk", g.chunks, rst)?;
    let t = Wrap::new(b, "wl_tile", g.tiles, rst)?;
    let r = b.reg("wl_row", Ty::unsigned(bits_for(g.n)), Some((rst, 0)))?;
    let r_full = logic::eq_const(b, "wl_row_full", r, (g.n - 1) as i128)?;
    let r_part = logic::eq_const(b, "wl_row_part", r, (g.last_tile_rows - 1) as i128)?;
    let r_last = b.mux("wl_row_last", Ty::BIT, t.last, r_part, r_full)?;

    let seg_full = b.constant("wl_seg_full", ty, g.seg_units as i128)?;
    let seg_short = b.constant("wl_seg_short", ty, g.last_seg_units as i128)?;
    let seg_len = b.mux("wl_seg_len", ty, c.last, seg_short, seg_full)?;
    let rem_seg = b.sub("wl_rem_seg", ty, seg_len, j)?;
    let units = b.constant("wl_units", ty, g.word_units as i128)?;
    let rem_word = b.sub("wl_rem_word", ty, units, off)?;
    let word_le = b.compare("wl_word_le", CmpOp::Le, rem_word, rem_seg)?;
    let seg_le = b.compare("wl_seg_le", CmpOp::Le, rem_seg, rem_word)?;
    let len = b.mux("wl_len", ty, word_le, rem_word, rem_seg)?;

    let active = logic::and(b, "wl_active", wv, inp.permit)?;
    let seg_done = logic::and(b, "wl_seg_done", active, seg_le)?;
    let row_done = logic::and(b, "wl_row_done", seg_done, c.last)?;
    let tile_done = logic::and(b, "wl_tile_done", row_done, r_last)?;
    let matrix_done = logic::and(b, "wl_matrix_done", tile_done, t.last)?;
    let word_end = logic::or(b, "wl_word_end", word_le, matrix_done)?;
    let word_done = logic::and(b, "wl_word_done", active, word_end)?;

    let empty = logic::not(b, "wl_empty", wv)?;
    let free = logic::or(b, "wl_free", empty, word_done)?;
    let ready = logic::and(b, "w_ready_int", free, inp.take_ok)?;
    let take = logic::and(b, "wl_take", ready, inp.valid)?;

    logic::drive_flag(b, wv, take, word_done)?;
    let zero = b.constant("wl_zero", ty, 0)?;
    let off_inc = b.add("wl_off_inc", ty, off, len)?;
    let off_next = b.mux("wl_off_next", ty, word_end, zero, off_inc)?;
    b.drive(off, off_next, Some(active))?;
    let j_inc = b.add("wl_j_inc", ty, j, len)?;
    let j_next = b.mux("wl_j_next", ty, seg_le, zero, j_inc)?;
    b.drive(j, j_next, Some(active))?;
    c.step(b, seg_done)?;
    t.step(b, tile_done)?;
    step_row(b, r, r_last, row_done)?;

    let held: Vec<SignalId> = data
        .iter()
        .enumerate()
        .map(|(i, &d)| b.register(&format!("wl_word{i}"), d, Some(take), None))
        .collect::<Result<_, _>>()?;
    let addr = write_addr(b, g, inp, &c, &t, tile_done, addr_ty)?;
    let cols = columns(b, g, &held, [off, j], seg_len, ty)?;
    let pads = pad_columns(b, g, c.last, &cols)?;
    let writes = bank_writes(b, g, r, active, &pads, addr)?;
    let segment = pads
        .iter()
        .enumerate()
        .map(|(jj, &(data, hit))| {
            let en = logic::and(b, &format!("wl_seg_we{jj}"), active, hit)?;
            Ok(BankWrite { en, addr, data })
        })
        .collect::<Result<_, BuildError>>()?;
    Ok(Loader {
        ready,
        writes,
        segment,
        tile_done,
        matrix_done,
        take,
        holding: wv,
        seg_done,
        row: r,
    })
}

fn bits_for(period: usize) -> u32 {
    (usize::BITS - period.saturating_sub(1).leading_zeros()).max(1)
}

fn step_row(
    b: &mut ModuleBuilder,
    r: SignalId,
    last: SignalId,
    en: SignalId,
) -> Result<(), BuildError> {
    let ty = b.ty(r);
    let one = b.constant("wl_row_one", ty, 1)?;
    let inc = b.add("wl_row_inc", ty, r, one)?;
    let zero = b.constant("wl_row_zero", ty, 0)?;
    let next = b.mux("wl_row_next", ty, last, zero, inc)?;
    b.drive(r, next, Some(en))
}

/// The write address: the tile's base (advanced by C a tile, wrapping after
/// the last tile, or toggling between two slots when staging) plus the chunk.
fn write_addr(
    b: &mut ModuleBuilder,
    g: &Geometry,
    inp: LoaderInputs,
    c: &Wrap,
    t: &Wrap,
    tile_done: SignalId,
    aty: Ty,
) -> Result<SignalId, BuildError> {
    let base = b.reg("wl_base", aty, Some((inp.rst, 0)))?;
    let step = b.constant("wl_base_step", aty, g.chunks as i128 % (1i128 << aty.width))?;
    let inc = b.add("wl_base_inc", aty, base, step)?;
    let zero = b.constant("wl_base_zero", aty, 0)?;
    let wrap = if inp.staging {
        logic::eq_const(b, "wl_base_wrap", base, g.chunks as i128)?
    } else {
        t.last
    };
    let next = b.mux("wl_base_next", aty, wrap, zero, inc)?;
    b.drive(base, next, Some(tile_done))?;
    let cw = b.resize("wl_chunk_addr", c.value, aty)?;
    b.add("wl_addr", aty, base, cw)
}

/// Per unit j of a segment: (the unit of the held word that lands on it, whether one does).
///
/// Unit jj of the segment is written when j ≤ jj < j + len, with len =
/// min(units − off, seg_len − j); the upper bound splits into
/// jj < j + units − off and jj < seg_len, so no comparison waits for `len`.
fn columns(
    b: &mut ModuleBuilder,
    g: &Geometry,
    held: &[SignalId],
    [off, j]: [SignalId; 2],
    seg_len: SignalId,
    ty: Ty,
) -> Result<Vec<(SignalId, SignalId)>, BuildError> {
    let sty = Ty::signed(ty.width + 2);
    let off_s = b.resize("wl_off_s", off, sty)?;
    let j_s = b.resize("wl_j_s", j, sty)?;
    let delta = b.sub("wl_delta", sty, off_s, j_s)?;
    let units = b.constant("wl_units_s", sty, g.word_units as i128)?;
    let word_end = b.sub("wl_word_end_at", sty, units, delta)?;
    let sel_bits = bits_for(g.word_units);
    (0..g.seg_units)
        .map(|jj| {
            let at = b.constant(&format!("wl_col{jj}"), sty, jj as i128)?;
            let idx = b.add(&format!("wl_idx{jj}"), sty, delta, at)?;
            let sel = b.slice(&format!("wl_sel{jj}"), idx, 0, sel_bits, false)?;
            let unit = mux_tree(b, &format!("wl_pick{jj}"), ("s", "m"), sel, held)?;
            let atu = b.constant(&format!("wl_colu{jj}"), ty, jj as i128)?;
            let from = b.compare(&format!("wl_from{jj}"), CmpOp::Le, j, atu)?;
            let in_word = b.compare(&format!("wl_in_word{jj}"), CmpOp::Lt, at, word_end)?;
            let in_seg = b.compare(&format!("wl_in_seg{jj}"), CmpOp::Lt, atu, seg_len)?;
            let to = logic::and(b, &format!("wl_to{jj}"), in_word, in_seg)?;
            let hit = logic::and(b, &format!("wl_hit{jj}"), from, to)?;
            Ok((unit, hit))
        })
        .collect()
}

/// Units past a short last segment are written as 0 in the last chunk.
fn pad_columns(
    b: &mut ModuleBuilder,
    g: &Geometry,
    c_last: SignalId,
    cols: &[(SignalId, SignalId)],
) -> Result<Vec<(SignalId, SignalId)>, BuildError> {
    let uty = Ty::unsigned(g.unit_bits);
    let zero = b.constant("wl_unit_zero", uty, 0)?;
    cols.iter()
        .enumerate()
        .map(|(jj, &(unit, hit))| {
            if jj < g.last_seg_units {
                return Ok((unit, hit));
            }
            let en = logic::or(b, &format!("wl_pad{jj}"), hit, c_last)?;
            let data = b.mux(&format!("wl_pad_data{jj}"), uty, c_last, zero, unit)?;
            Ok((data, en))
        })
        .collect()
}

/// The write port of every bank: row r's banks write when the loader is on row r.
fn bank_writes(
    b: &mut ModuleBuilder,
    g: &Geometry,
    r: SignalId,
    active: SignalId,
    pads: &[(SignalId, SignalId)],
    addr: SignalId,
) -> Result<Vec<Vec<BankWrite>>, BuildError> {
    (0..g.n)
        .map(|row| {
            let on_row = logic::eq_const(b, &format!("wl_on_row{row}"), r, row as i128)?;
            let row_en = logic::and(b, &format!("wl_row_en{row}"), on_row, active)?;
            pads.iter()
                .enumerate()
                .map(|(jj, &(data, hit))| {
                    let en = logic::and(b, &format!("wl_we{row}_{jj}"), row_en, hit)?;
                    Ok(BankWrite { en, addr, data })
                })
                .collect()
        })
        .collect()
}
