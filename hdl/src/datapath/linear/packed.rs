//! The packed weight memory of `bram` and `spram` engines: wide lanes read
//! at the memory's full width, whatever the core's tile.
//!
//! A *segment* is one tile row's units of one chunk (`seg_units` units).
//! The memory is `lanes` lanes side by side, each a block memory (bram,
//! up to 64 bits wide) or one SB_SPRAM256KA (spram, 16 bits); one address
//! reads every lane, a *memory word*. A beat (the core's `in_w`) is
//! `reads` consecutive memory words:
//!
//! - bram: one word a beat; row r's segment is lanes r·s … r·s+s−1 (s
//!   slices of at most 64 bits), so word a is beat a.
//! - spram: the lanes are min(4, ⌈segment bits / 16⌉) SPRAMs; row r's
//!   segment is `row_words` words, so beat a is words a·R … a·R+R−1 with
//!   R = N·row_words, row r's at a·R + r·row_words. The core then takes a
//!   beat every R cycles: the memory bounds the rate.
//!
//! Writing: the loader's units of a segment go into a segment register;
//! when the segment is done the *flush* writes its memory words, one a
//! cycle, while the loader waits (`permit` is 0). Reading: a gather reads
//! the words in address order, one a cycle, into R word slots and offers
//! the beat when its last word arrives (from the read port directly, or
//! from its slot when the beat was not taken at once), so R = 1 gives a
//! beat every cycle.

use crate::ir::{
    BuildError, CmpOp, Collision, MAX_BLOCK_MEMORY_ADDR_BITS, ModuleBuilder, SPRAM_ADDR_BITS,
    SPRAM_MASK_BITS, SPRAM_WORD_BITS, SignalId, SpramPorts, Ty,
};

use super::super::ParamError;
use super::layout::Geometry;
use super::loader::Loader;
use super::logic;
use super::params::WeightMemory;

/// The SB_SPRAM256KA blocks of an iCE40 UltraPlus (UP5K, the only device with SPRAM).
pub const UP5K_SPRAM_BLOCKS: usize = 4;

/// Widest lane of a block-RAM store, bits (the IR's widest word).
pub const MAX_LANE_BITS: u32 = 64;

/// The shape of a packed weight memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `bram` or `spram`.
    pub kind: WeightMemory,
    /// Lanes side by side (block memories, or SPRAM blocks).
    pub lanes: usize,
    /// Bits of one lane.
    pub lane_bits: u32,
    /// Lanes of one segment in one word (bram: s; spram: every lane).
    pub row_lanes: usize,
    /// Memory words of one segment (bram: 1).
    pub row_words: usize,
    /// Memory words read per beat, R.
    pub reads: usize,
    /// Memory words in use, beats · R.
    pub words: usize,
    /// Words per lane (a power of two at least `words`).
    pub depth: usize,
    /// Bits of a unit.
    pub unit_bits: u32,
    /// Units per segment.
    pub seg_units: usize,
    /// Tile rows N.
    pub rows: usize,
}

/// The initial contents of a weight memory: the weight stream's units, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialWeights {
    /// N_total rows of `row_units` units each (B-bit codes, or base3 bytes).
    pub units: Vec<Vec<u64>>,
}

fn pow2_depth(words: usize) -> usize {
    words.next_power_of_two().max(2)
}

impl Plan {
    /// The packed plan for `kind` (`bram` or `spram`; `None` for the others), or why the layer does not fit it.
    pub fn of(kind: WeightMemory, g: &Geometry) -> Result<Option<Plan>, ParamError> {
        let ub = g.unit_bits;
        let seg_bits = g.seg_units as u32 * ub;
        let beats = g.beats();
        let plan = match kind {
            WeightMemory::Bram => {
                let s = (1..=g.seg_units)
                    .find(|&s| g.seg_units.div_ceil(s) as u32 * ub <= MAX_LANE_BITS)
                    .unwrap_or(g.seg_units);
                let words = beats;
                let depth = pow2_depth(words);
                let max = 1usize << MAX_BLOCK_MEMORY_ADDR_BITS;
                if depth > max {
                    return Err(ParamError::new(
                        "weight-memory",
                        kind.name(),
                        format!(
                            "needs {words} words per block-RAM lane (tiles × chunks), at most {max} in this version: use a larger tile (k, n)"
                        ),
                    ));
                }
                Plan {
                    kind,
                    lanes: g.n * s,
                    lane_bits: g.seg_units.div_ceil(s) as u32 * ub,
                    row_lanes: s,
                    row_words: 1,
                    reads: 1,
                    words,
                    depth,
                    unit_bits: ub,
                    seg_units: g.seg_units,
                    rows: g.n,
                }
            }
            WeightMemory::Spram => {
                let lanes = (seg_bits.div_ceil(SPRAM_WORD_BITS) as usize).min(UP5K_SPRAM_BLOCKS);
                let row_words = seg_bits.div_ceil(SPRAM_WORD_BITS * lanes as u32) as usize;
                let reads = g.n * row_words;
                let words = beats * reads;
                let per_block = 1usize << SPRAM_ADDR_BITS;
                if words > per_block {
                    let need = lanes * words.div_ceil(per_block);
                    return Err(ParamError::new(
                        "weight-memory",
                        kind.name(),
                        format!(
                            "the weights need {words} words of {} bits, {need} SB_SPRAM256KA; the UP5K has {UP5K_SPRAM_BLOCKS}: use --weight-memory bram or a smaller layer",
                            SPRAM_WORD_BITS * lanes as u32
                        ),
                    ));
                }
                Plan {
                    kind,
                    lanes,
                    lane_bits: SPRAM_WORD_BITS,
                    row_lanes: lanes,
                    row_words,
                    reads,
                    words,
                    depth: pow2_depth(words),
                    unit_bits: ub,
                    seg_units: g.seg_units,
                    rows: g.n,
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(plan))
    }

    /// Bits the memory gives per cycle (every lane).
    pub fn bits_per_cycle(&self) -> u64 {
        self.lanes as u64 * u64::from(self.lane_bits)
    }

    /// The first word of row r's segment within a beat, and its first lane.
    fn row_at(&self, r: usize) -> (usize, usize) {
        match self.kind {
            WeightMemory::Spram => (r * self.row_words, 0),
            _ => (0, r * self.row_lanes),
        }
    }

    /// (word within the beat, lane) of each lane-wide piece of row r's segment, lowest bits first.
    fn row_pieces(&self, r: usize) -> Vec<(usize, usize)> {
        let (w0, l0) = self.row_at(r);
        (0..self.row_words)
            .flat_map(|i| (0..self.row_lanes).map(move |k| (w0 + i, l0 + k)))
            .collect()
    }

    /// Every lane's initial words for `init` (rows past N_total and units past a row's end are 0).
    pub fn initial_contents(&self, g: &Geometry, init: &InitialWeights) -> Vec<Vec<u64>> {
        let mut lanes = vec![vec![0u64; self.words]; self.lanes];
        let ub = self.unit_bits as usize;
        for beat in 0..g.beats() {
            let (t, c) = (beat / g.chunks, beat % g.chunks);
            for r in 0..g.n {
                let n = t * g.n + r;
                let Some(row) = init.units.get(n) else {
                    continue;
                };
                let seg_len = if c + 1 == g.chunks {
                    g.last_seg_units
                } else {
                    g.seg_units
                };
                let unit = |j: usize| {
                    if j < seg_len {
                        row.get(c * g.seg_units + j).copied().unwrap_or(0)
                    } else {
                        0
                    }
                };
                for (p, (q, lane)) in self.row_pieces(r).into_iter().enumerate() {
                    let lo = p * self.lane_bits as usize;
                    let mut v = 0u64;
                    for bit in 0..self.lane_bits as usize {
                        let at = lo + bit;
                        let (j, o) = (at / ub, at % ub);
                        if (unit(j) >> o) & 1 == 1 {
                            v |= 1 << bit;
                        }
                    }
                    lanes[lane][beat * self.reads + q] = v;
                }
            }
        }
        lanes
    }
}

/// Bits [lo, lo + width) of the string `pieces` (each `pw` bits, lowest first), 0 past its end.
fn bits(
    b: &mut ModuleBuilder,
    name: &str,
    pieces: &[SignalId],
    pw: u32,
    lo: u32,
    width: u32,
) -> Result<SignalId, BuildError> {
    let mut parts = Vec::new();
    let mut at = lo;
    let end = lo + width;
    while at < end {
        let idx = (at / pw) as usize;
        let off = at % pw;
        let take = (pw - off).min(end - at);
        let part = match pieces.get(idx) {
            Some(&p) if off == 0 && take == pw => p,
            Some(&p) => b.slice(&format!("{name}_p{}", parts.len()), p, off, take, false)?,
            None => b.constant(
                &format!("{name}_z{}", parts.len()),
                Ty::unsigned(end - at),
                0,
            )?,
        };
        at += if pieces.get(idx).is_some() {
            take
        } else {
            end - at
        };
        parts.push(part);
    }
    if let [one] = parts[..] {
        return Ok(one);
    }
    b.concat(name, &parts, false)
}

/// The packed store's state declared before the loader: the flush flag and the loader's permit.
#[derive(Debug, Clone, Copy)]
pub struct Declared {
    busy: SignalId,
    /// The loader may write this cycle (no flush under way).
    pub permit: SignalId,
}

/// Declares the flush flag; the loader gets `permit`.
pub fn declare(b: &mut ModuleBuilder, rst: SignalId) -> Result<Declared, BuildError> {
    let busy = logic::flag(b, "pk_fl_busy", rst, false)?;
    let permit = logic::not(b, "pk_permit", busy)?;
    Ok(Declared { busy, permit })
}

/// The built store: the beat it offers and what its gather still needs.
#[derive(Debug, Clone)]
pub struct Packed {
    /// A beat's weights are ready (and weights are loaded, no flush under way).
    pub valid: SignalId,
    /// The beat's units, row-major (the core's `in_w`), as the core's element type.
    pub bus: Vec<SignalId>,
    gather: Gather,
}

#[derive(Debug, Clone)]
struct Gather {
    clear: SignalId,
    have: SignalId,
    fly: SignalId,
    ra: SignalId,
    slots: Vec<Vec<SignalId>>,
    full: SignalId,
    reads: usize,
    words: usize,
    port: Vec<SignalId>,
}

/// Builds the segment register, the flush, the lanes and the gather.
/// `loaded` is 1 while the engine holds a whole matrix.
pub fn build(
    b: &mut ModuleBuilder,
    plan: &Plan,
    g: &Geometry,
    d: Declared,
    (rst, loaded): (SignalId, SignalId),
    ld: &Loader,
    init: Option<&InitialWeights>,
) -> Result<Packed, BuildError> {
    let aty = Ty::unsigned(plan.depth.trailing_zeros().max(1));
    let seg = segment(b, plan, ld)?;
    let fl = flush(b, plan, d, rst, ld, &seg, aty)?;
    let unbusy = logic::not(b, "pk_unbusy", d.busy)?;
    let ok = logic::and(b, "pk_ok", loaded, unbusy)?;
    let clear = logic::not(b, "pk_clear", ok)?;
    let ra = b.reg("pk_ra", aty, Some((rst, 0)))?;
    let contents = init.map(|w| plan.initial_contents(g, w));
    let port = lanes(b, plan, &fl, ra, aty, contents.as_deref())?;
    let gather = gather(b, plan, rst, clear, ra, &port)?;
    let beat: Vec<Vec<SignalId>> = (0..plan.reads)
        .map(|q| {
            if q + 1 < plan.reads {
                return Ok(gather.slots[q].clone());
            }
            (0..plan.lanes)
                .map(|l| {
                    let ty = b.ty(port[l]);
                    b.mux(
                        &format!("pk_last{l}"),
                        ty,
                        gather.full,
                        gather.slots[q][l],
                        port[l],
                    )
                })
                .collect()
        })
        .collect::<Result<_, BuildError>>()?;
    let mut bus = Vec::with_capacity(g.n * g.seg_units);
    for r in 0..g.n {
        let pieces: Vec<SignalId> = plan
            .row_pieces(r)
            .into_iter()
            .map(|(q, l)| beat[q][l])
            .collect();
        for j in 0..g.seg_units {
            let name = format!("pk_w{r}_{j}");
            let raw = bits(
                b,
                &format!("{name}_raw"),
                &pieces,
                plan.lane_bits,
                j as u32 * g.unit_bits,
                g.unit_bits,
            )?;
            bus.push(b.slice(&name, raw, 0, g.unit_bits, g.unit_ty.signed)?);
        }
    }
    let last_arr = {
        let at = logic::eq_const(b, "pk_have_last", gather.have, (plan.reads - 1) as i128)?;
        logic::and(b, "pk_arrive_last", at, gather.fly)?
    };
    let ready = logic::or(b, "pk_beat_ready", gather.full, last_arr)?;
    let valid = logic::and(b, "pk_valid", ready, ok)?;
    Ok(Packed { valid, bus, gather })
}

/// The segment register: one unit register per unit of a segment, written by the loader.
fn segment(b: &mut ModuleBuilder, plan: &Plan, ld: &Loader) -> Result<Vec<SignalId>, BuildError> {
    (0..plan.seg_units)
        .map(|j| {
            let w = ld.segment[j];
            b.register(&format!("pk_seg{j}"), w.data, Some(w.en), None)
        })
        .collect()
}

/// The flush's write port for every lane.
struct Flush {
    addr: SignalId,
    en: Vec<SignalId>,
    data: Vec<SignalId>,
}

/// `x · c` for a constant `c`, as shifts and adds in `ty`.
fn times(
    b: &mut ModuleBuilder,
    name: &str,
    x: SignalId,
    c: usize,
    ty: Ty,
) -> Result<SignalId, BuildError> {
    let xr = b.resize(&format!("{name}_x"), x, ty)?;
    let mut acc = b.constant(&format!("{name}_0"), ty, 0)?;
    for k in 0..usize::BITS {
        if (c >> k) & 1 == 1 && k < ty.width {
            let s = b.shl(&format!("{name}_s{k}"), ty, xr, k)?;
            acc = b.add(&format!("{name}_a{k}"), ty, acc, s)?;
        }
    }
    Ok(acc)
}

fn flush(
    b: &mut ModuleBuilder,
    plan: &Plan,
    d: Declared,
    rst: SignalId,
    ld: &Loader,
    seg: &[SignalId],
    aty: Ty,
) -> Result<Flush, BuildError> {
    let done = ld.seg_done;
    let beat = ld.writes[0][0].addr;
    let base_now = {
        let a = times(b, "pk_fl_a", beat, plan.reads, aty)?;
        let step = match plan.kind {
            WeightMemory::Spram => plan.row_words,
            _ => 0,
        };
        let r = times(b, "pk_fl_r", ld.row, step, aty)?;
        b.add("pk_fl_base_now", aty, a, r)?
    };
    let base = b.register("pk_fl_base", base_now, Some(done), None)?;
    let row = b.register("pk_fl_row", ld.row, Some(done), None)?;
    let i = logic::Wrap::new(b, "pk_fl_i", plan.row_words, rst)?;
    i.step(b, d.busy)?;
    let finish = logic::and(b, "pk_fl_finish", d.busy, i.last)?;
    logic::drive_flag(b, d.busy, done, finish)?;
    let iw = b.resize("pk_fl_iw", i.value, aty)?;
    let addr = b.add("pk_fl_addr", aty, base, iw)?;
    let mut en = Vec::with_capacity(plan.lanes);
    let mut data = Vec::with_capacity(plan.lanes);
    for l in 0..plan.lanes {
        let k = l % plan.row_lanes;
        let lane_en = if plan.row_lanes == plan.lanes {
            d.busy
        } else {
            let on = logic::eq_const(
                b,
                &format!("pk_fl_on{l}"),
                row,
                (l / plan.row_lanes) as i128,
            )?;
            logic::and(b, &format!("pk_fl_en{l}"), d.busy, on)?
        };
        let words: Vec<SignalId> = (0..plan.row_words)
            .map(|w| {
                let lo = (w * plan.row_lanes + k) as u32 * plan.lane_bits;
                bits(
                    b,
                    &format!("pk_fl_d{l}_{w}"),
                    seg,
                    plan.unit_bits,
                    lo,
                    plan.lane_bits,
                )
            })
            .collect::<Result<_, _>>()?;
        let word = super::super::blocks::mux_tree(
            b,
            &format!("pk_fl_data{l}"),
            ("s", "m"),
            i.value,
            &words,
        )?;
        en.push(lane_en);
        data.push(word);
    }
    Ok(Flush { addr, en, data })
}

/// The lanes: written by the flush, read at `ra` on every edge; their read ports.
fn lanes(
    b: &mut ModuleBuilder,
    plan: &Plan,
    fl: &Flush,
    ra: SignalId,
    aty: Ty,
    contents: Option<&[Vec<u64>]>,
) -> Result<Vec<SignalId>, BuildError> {
    let ty = Ty::unsigned(plan.lane_bits);
    let mut out = Vec::with_capacity(plan.lanes);
    for l in 0..plan.lanes {
        let name = format!("pk_lane{l}");
        let port = match plan.kind {
            WeightMemory::Spram => {
                let at = b.mux(&format!("{name}_at"), aty, fl.en[l], fl.addr, ra)?;
                let addr = b.resize(&format!("{name}_addr"), at, Ty::unsigned(SPRAM_ADDR_BITS))?;
                let mask = b.constant(
                    &format!("{name}_mask"),
                    Ty::unsigned(SPRAM_MASK_BITS),
                    (1 << SPRAM_MASK_BITS) - 1,
                )?;
                let cs = logic::bit(b, &format!("{name}_cs"), true)?;
                b.spram(
                    &name,
                    SpramPorts {
                        addr,
                        data_in: fl.data[l],
                        mask_wren: mask,
                        wren: fl.en[l],
                        chip_select: cs,
                    },
                )?
            }
            _ => {
                let init = contents.map(|c| c[l].as_slice());
                let mem =
                    b.block_memory(&name, ty, plan.depth as u32, Collision::DontCare, init)?;
                b.block_write_port(mem, fl.en[l], fl.addr, fl.data[l])?;
                let en = logic::bit(b, &format!("{name}_ren"), true)?;
                b.block_read(&format!("{name}_rd"), mem, ra, en)?
            }
        };
        out.push(port);
    }
    Ok(out)
}

fn gather(
    b: &mut ModuleBuilder,
    plan: &Plan,
    rst: SignalId,
    clear: SignalId,
    ra: SignalId,
    port: &[SignalId],
) -> Result<Gather, BuildError> {
    let r = plan.reads;
    let hty = Ty::unsigned(usize::BITS - r.leading_zeros());
    let have = b.reg("pk_have", hty, Some((rst, 0)))?;
    let fly = logic::flag(b, "pk_fly", rst, false)?;
    let full = logic::eq_const(b, "pk_full", have, r as i128)?;
    let slots = (0..r)
        .map(|q| {
            port.iter()
                .enumerate()
                .map(|(l, &p)| {
                    let ty = b.ty(p);
                    b.reg(&format!("pk_slot{q}_{l}"), ty, None)
                })
                .collect()
        })
        .collect::<Result<_, BuildError>>()?;
    Ok(Gather {
        clear,
        have,
        fly,
        ra,
        slots,
        full,
        reads: r,
        words: plan.words,
        port: port.to_vec(),
    })
}

impl Packed {
    /// Drives the gather: `take` is 1 on an edge where the core takes the offered beat.
    pub fn finish(&self, b: &mut ModuleBuilder, take: SignalId) -> Result<(), BuildError> {
        let gt = &self.gather;
        let port = &gt.port;
        let hty = b.ty(gt.have);
        let taken = logic::and(b, "pk_taken", take, self.valid)?;
        let carry = {
            let tf = logic::and(b, "pk_taken_full", taken, gt.full)?;
            logic::and(b, "pk_carry", tf, gt.fly)?
        };
        let fly_w = b.resize("pk_fly_w", gt.fly, hty)?;
        let grown = b.add("pk_have_grown", hty, gt.have, fly_w)?;
        let carry_w = b.resize("pk_carry_w", carry, hty)?;
        let after = b.mux("pk_have_after", hty, taken, carry_w, grown)?;
        let zero = b.constant("pk_have_zero", hty, 0)?;
        let next = b.mux("pk_have_next", hty, gt.clear, zero, after)?;
        b.drive(gt.have, next, None)?;
        let limit = b.constant("pk_have_limit", hty, gt.reads as i128)?;
        let room = b.compare("pk_room", CmpOp::Lt, next, limit)?;
        let live = logic::not(b, "pk_live", gt.clear)?;
        let issue = logic::and(b, "pk_issue", room, live)?;
        b.drive(gt.fly, issue, None)?;
        let aty = b.ty(gt.ra);
        let one = b.constant("pk_ra_one", aty, 1)?;
        let inc = b.add("pk_ra_inc", aty, gt.ra, one)?;
        let wrap = logic::eq_const(b, "pk_ra_wrap", gt.ra, (gt.words - 1) as i128)?;
        let azero = b.constant("pk_ra_zero", aty, 0)?;
        let stepped = b.mux("pk_ra_stepped", aty, wrap, azero, inc)?;
        let moved = b.mux("pk_ra_moved", aty, issue, stepped, gt.ra)?;
        let ra_next = b.mux("pk_ra_next", aty, gt.clear, azero, moved)?;
        b.drive(gt.ra, ra_next, None)?;
        let idx_zero = b.constant("pk_idx_zero", hty, 0)?;
        let tf = logic::and(b, "pk_idx_tf", taken, gt.full)?;
        let idx = b.mux("pk_idx", hty, tf, idx_zero, gt.have)?;
        let arrive = logic::and(b, "pk_arrive", gt.fly, live)?;
        for (q, slot) in gt.slots.iter().enumerate() {
            let at = logic::eq_const(b, &format!("pk_at{q}"), idx, q as i128)?;
            let en = logic::and(b, &format!("pk_slot_en{q}"), arrive, at)?;
            for (l, &s) in slot.iter().enumerate() {
                b.drive(s, port[l], Some(en))?;
            }
        }
        Ok(())
    }
}
