//! The inner loops: each word operation runs over every lane of its slots.

use crate::ir::{BinOp, CmpOp, ReduceOp, UnOp};

use crate::ir::{SPRAM_ADDR_BITS, SPRAM_MASK_BITS};

use super::program::{BlockReadUpdate, Instr, MemWrite, Operand, RegUpdate, SpramUpdate};

#[inline(always)]
fn ext(v: u64, sign: u64) -> u64 {
    (v ^ sign).wrapping_sub(sign)
}

#[inline(always)]
fn value(v: u64, sign: u64) -> i128 {
    if sign != 0 {
        ext(v, sign) as i64 as i128
    } else {
        v as i128
    }
}

/// Storage of every slot for every lane: slot `s`, lane `l` at `s * lanes + l`.
pub(crate) struct Lanes<'a> {
    base: *mut u64,
    lanes: usize,
    len: usize,
    _borrow: std::marker::PhantomData<&'a mut [u64]>,
}

impl<'a> Lanes<'a> {
    pub fn new(values: &'a mut [u64], lanes: usize) -> Self {
        Lanes {
            base: values.as_mut_ptr(),
            lanes,
            len: values.len(),
            _borrow: std::marker::PhantomData,
        }
    }

    #[inline(always)]
    fn src(&self, slot: u32) -> &[u64] {
        let at = slot as usize * self.lanes;
        assert!(at + self.lanes <= self.len);
        // SAFETY: in bounds (checked above); a combinational op never writes a
        // slot it reads (the compiler orders ops and rejects loops), so this
        // shared view never overlaps the one `dst` hands out.
        unsafe { std::slice::from_raw_parts(self.base.add(at), self.lanes) }
    }

    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    fn dst(&self, slot: u32) -> &mut [u64] {
        let at = slot as usize * self.lanes;
        assert!(at + self.lanes <= self.len);
        // SAFETY: in bounds; the destination slot of an op is never one of its
        // own operands, and only one destination is live at a time.
        unsafe { std::slice::from_raw_parts_mut(self.base.add(at), self.lanes) }
    }
}

macro_rules! map1 {
    ($l:expr, $dst:expr, $a:expr, |$x:ident| $body:expr) => {{
        let (d, a) = ($l.dst($dst), $l.src($a));
        for (o, &$x) in d.iter_mut().zip(a) {
            *o = $body;
        }
    }};
}

macro_rules! map2 {
    ($l:expr, $dst:expr, $a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {{
        let (d, a, b) = ($l.dst($dst), $l.src($a), $l.src($b));
        for ((o, &$x), &$y) in d.iter_mut().zip(a).zip(b) {
            *o = $body;
        }
    }};
}

/// Runs every combinational op once, in order; `mems[i]` holds memory i,
/// word `w` of lane `l` at `w * lanes + l`.
pub(crate) fn run_comb(l: &Lanes, comb: &[Instr], mems: &[Vec<u64>]) {
    for ins in comb {
        match ins {
            Instr::Bin {
                op,
                dst,
                a: Operand { slot: a, sign: sa },
                b: Operand { slot: b, sign: sb },
                mask,
            } => {
                let (sa, sb, m) = (*sa, *sb, *mask);
                match op {
                    BinOp::Add => map2!(l, *dst, *a, *b, |x, y| ext(x, sa)
                        .wrapping_add(ext(y, sb))
                        & m),
                    BinOp::Sub => map2!(l, *dst, *a, *b, |x, y| ext(x, sa)
                        .wrapping_sub(ext(y, sb))
                        & m),
                    BinOp::Mul => map2!(l, *dst, *a, *b, |x, y| ext(x, sa)
                        .wrapping_mul(ext(y, sb))
                        & m),
                    BinOp::And => map2!(l, *dst, *a, *b, |x, y| ext(x, sa) & ext(y, sb) & m),
                    BinOp::Or => map2!(l, *dst, *a, *b, |x, y| (ext(x, sa) | ext(y, sb)) & m),
                    BinOp::Xor => map2!(l, *dst, *a, *b, |x, y| (ext(x, sa) ^ ext(y, sb)) & m),
                }
            }
            Instr::Add3 { dst, a, b, c, mask } => {
                let (sa, sb, sc, m) = (a.sign, b.sign, c.sign, *mask);
                let (d, x, y, z) = (l.dst(*dst), l.src(a.slot), l.src(b.slot), l.src(c.slot));
                for i in 0..d.len() {
                    d[i] = ext(x[i], sa)
                        .wrapping_add(ext(y[i], sb))
                        .wrapping_add(ext(z[i], sc))
                        & m;
                }
            }
            Instr::SelectAdd {
                dst,
                a,
                nz,
                neg,
                b,
                cin,
                mask,
            } => {
                let (sa, sb, m) = (a.sign, b.sign, *mask);
                let (d, x, y) = (l.dst(*dst), l.src(a.slot), l.src(b.slot));
                let (nz, neg) = (l.src(*nz), l.src(*neg));
                let carry = cin.map(|c| l.src(c));
                for i in 0..d.len() {
                    let flip = 0u64.wrapping_sub(neg[i] & 1);
                    let keep = 0u64.wrapping_sub(nz[i] & 1);
                    let c = carry.map_or(0, |c| c[i] & 1);
                    d[i] = ((ext(x[i], sa) ^ flip) & keep)
                        .wrapping_add(ext(y[i], sb))
                        .wrapping_add(c)
                        & m;
                }
            }
            Instr::Un { op, dst, a, mask } => {
                let (sa, m) = (a.sign, *mask);
                match op {
                    UnOp::Neg => map1!(l, *dst, a.slot, |x| ext(x, sa).wrapping_neg() & m),
                    UnOp::Not => map1!(l, *dst, a.slot, |x| !ext(x, sa) & m),
                }
            }
            Instr::Cmp { op, dst, a, b } => {
                let (sa, sb) = (a.sign, b.sign);
                let f: fn(i128, i128) -> bool = match op {
                    CmpOp::Eq => |x, y| x == y,
                    CmpOp::Ne => |x, y| x != y,
                    CmpOp::Lt => |x, y| x < y,
                    CmpOp::Le => |x, y| x <= y,
                    CmpOp::Gt => |x, y| x > y,
                    CmpOp::Ge => |x, y| x >= y,
                };
                map2!(
                    l,
                    *dst,
                    a.slot,
                    b.slot,
                    |x, y| f(value(x, sa), value(y, sb)) as u64
                )
            }
            Instr::Reduce { op, dst, a, full } => {
                let full = *full;
                match op {
                    ReduceOp::And => map1!(l, *dst, *a, |x| (x == full) as u64),
                    ReduceOp::Or => map1!(l, *dst, *a, |x| (x != 0) as u64),
                    ReduceOp::Xor => map1!(l, *dst, *a, |x| (x.count_ones() & 1) as u64),
                }
            }
            Instr::Shl { dst, a, k, mask } => {
                let (sa, m, k) = (a.sign, *mask, *k);
                if k >= 64 {
                    l.dst(*dst).fill(0);
                } else {
                    map1!(l, *dst, a.slot, |x| (ext(x, sa) << k) & m)
                }
            }
            Instr::Shr { dst, a, k, mask } => {
                let (sa, m, k) = (a.sign, *mask, *k);
                if sa != 0 {
                    let k = k.min(63);
                    map1!(l, *dst, a.slot, |x| ((ext(x, sa) as i64) >> k) as u64 & m)
                } else if k >= 64 {
                    l.dst(*dst).fill(0);
                } else {
                    map1!(l, *dst, a.slot, |x| (x >> k) & m)
                }
            }
            Instr::Slice { dst, a, lo, mask } => {
                let (lo, m) = (*lo, *mask);
                map1!(l, *dst, *a, |x| (x >> lo) & m)
            }
            Instr::Concat { dst, parts } => {
                let d = l.dst(*dst);
                d.fill(0);
                for &(p, off) in parts.iter() {
                    for (o, &x) in d.iter_mut().zip(l.src(p)) {
                        *o |= x << off;
                    }
                }
            }
            Instr::Extend { dst, a, mask } => {
                let (sa, m) = (a.sign, *mask);
                map1!(l, *dst, a.slot, |x| ext(x, sa) & m)
            }
            Instr::Mux {
                dst,
                sel,
                t,
                f,
                mask,
            } => {
                let (st, sf, m) = (t.sign, f.sign, *mask);
                let (d, s, tv, fv) = (l.dst(*dst), l.src(*sel), l.src(t.slot), l.src(f.slot));
                for i in 0..d.len() {
                    d[i] = if s[i] != 0 {
                        ext(tv[i], st)
                    } else {
                        ext(fv[i], sf)
                    } & m;
                }
            }
            Instr::Rom { dst, addr, table } => {
                map1!(l, *dst, *addr, |x| table
                    .get(x as usize)
                    .copied()
                    .unwrap_or(0))
            }
            Instr::MemRead { dst, addr, mem } => {
                let words = &mems[*mem];
                let lanes = l.lanes;
                let (d, a) = (l.dst(*dst), l.src(*addr));
                for (lane, (o, &x)) in d.iter_mut().zip(a).enumerate() {
                    *o = words.get(x as usize * lanes + lane).copied().unwrap_or(0);
                }
            }
        }
    }
}

/// Stores every enabled memory write; call before [`run_regs`], while the
/// slots still hold the values before the edge.
pub(crate) fn run_mem_writes(l: &Lanes, writes: &[MemWrite], mems: &mut [Vec<u64>]) {
    let lanes = l.lanes;
    for (w, words) in writes.iter().zip(mems.iter_mut()) {
        let (data, en, addr) = (l.src(w.data), l.src(w.en), l.src(w.addr));
        for lane in 0..lanes {
            let a = addr[lane] as usize;
            if en[lane] != 0 && a < w.depth {
                words[a * lanes + lane] = data[lane];
            }
        }
    }
}

/// Computes every block read port's next value into `next` (one row of
/// lanes per port) from the words before the edge's writes (read-first):
/// the word at the address where the enable is 1, the old value elsewhere.
pub(crate) fn run_block_reads(
    l: &Lanes,
    reads: &[BlockReadUpdate],
    mems: &[Vec<u64>],
    next: &mut [u64],
) {
    let lanes = l.lanes;
    for (r, row) in reads.iter().zip(next.chunks_exact_mut(lanes)) {
        let words = &mems[r.mem];
        let (q, addr, en) = (l.src(r.q), l.src(r.addr), l.src(r.en));
        for lane in 0..lanes {
            row[lane] = if en[lane] != 0 {
                words
                    .get(addr[lane] as usize * lanes + lane)
                    .copied()
                    .unwrap_or(0)
            } else {
                q[lane]
            };
        }
    }
}

/// The SPRAM bits a write mask enables: nibble `i` where mask bit `i` is 1.
fn nibble_mask(mask_wren: u64) -> u64 {
    (0..SPRAM_MASK_BITS)
        .filter(|i| mask_wren >> i & 1 == 1)
        .map(|i| 0xf << (4 * i))
        .fold(0, |m, n| m | n)
}

/// Runs every SPRAM's access of this edge: stores the masked writes into
/// `words[i]` (word `w` of lane `l` at `w * lanes + l`) and computes each
/// output's next value into `next`: the word read, 0 (undefined) after a
/// write, the old value without chip select.
pub(crate) fn run_sprams(
    l: &Lanes,
    sprams: &[SpramUpdate],
    words: &mut [Vec<u64>],
    next: &mut [u64],
) {
    let lanes = l.lanes;
    let depth = 1usize << SPRAM_ADDR_BITS;
    for ((p, store), row) in sprams
        .iter()
        .zip(words.iter_mut())
        .zip(next.chunks_exact_mut(lanes))
    {
        let (q, addr, data) = (l.src(p.q), l.src(p.addr), l.src(p.data_in));
        let (mask_wren, wren, cs) = (l.src(p.mask_wren), l.src(p.wren), l.src(p.chip_select));
        for lane in 0..lanes {
            let at = (addr[lane] as usize % depth) * lanes + lane;
            row[lane] = match (cs[lane] != 0, wren[lane] != 0) {
                (false, _) => q[lane],
                (true, false) => store[at],
                (true, true) => {
                    let m = nibble_mask(mask_wren[lane]);
                    store[at] = (store[at] & !m) | (data[lane] & m);
                    0
                }
            };
        }
    }
}

/// Stores `next` (one row of lanes per slot of `slots`) into those slots.
pub(crate) fn store_rows(l: &Lanes, slots: impl Iterator<Item = u32>, next: &[u64]) {
    for (q, row) in slots.zip(next.chunks_exact(l.lanes)) {
        l.dst(q).copy_from_slice(row);
    }
}

/// Computes every register's next value into `next` (one row of lanes per
/// register), then stores them, so registers see each other's old values.
pub(crate) fn run_regs(l: &Lanes, regs: &[RegUpdate], next: &mut [u64]) {
    let lanes = l.lanes;
    for (r, row) in regs.iter().zip(next.chunks_exact_mut(lanes)) {
        let (q, d) = (l.src(r.q), l.src(r.d));
        row.copy_from_slice(d);
        if let Some(en) = r.en {
            for ((o, &e), &old) in row.iter_mut().zip(l.src(en)).zip(q) {
                if e == 0 {
                    *o = old;
                }
            }
        }
        if let Some(rst) = r.rst {
            for (o, &x) in row.iter_mut().zip(l.src(rst)) {
                if x != 0 {
                    *o = r.init;
                }
            }
        }
    }
    for (r, row) in regs.iter().zip(next.chunks_exact(lanes)) {
        l.dst(r.q).copy_from_slice(row);
    }
}
