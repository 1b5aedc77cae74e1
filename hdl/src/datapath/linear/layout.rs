//! The geometry of an engine: tiles, chunks, word counts and the weight
//! memory's layout, all derived from the checked parameters.
//!
//! The weight stream is a string of *units* (one B-bit code, or one base3
//! byte of five weights). Row n of W is `row_units` units; it is cut into
//! `chunks` *segments*, segment c holding the units of columns
//! [c·K, (c+1)·K) (the last segment is shorter when K does not divide
//! K_total). The memory has one bank per (tile row, unit of a segment),
//! each one unit wide; word `tile·chunks + c` of bank (r, j) holds unit j of
//! segment c of row tile·N + r, so one read of every bank at one address is
//! the core's `in_w` for one beat. Units of a short last segment are stored
//! as 0 and meet zero activations; rows past N_total in the last tile are
//! never written and their results are dropped.

use crate::ir::Ty;

use super::super::core::WeightPacking;
use super::params::{Checked, WeightMemory};

/// Every derived size of an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    /// K_total (for an mx-dot tile, the vector's activation units, scales included).
    pub k_total: usize,
    /// N_total.
    pub n_total: usize,
    /// The tile's K (terms per beat; for an mx-dot tile, activation units per chunk).
    pub k: usize,
    /// The tile's N (rows per beat).
    pub n: usize,
    /// Activation bits A.
    pub act_bits: u32,
    /// Activations per x-word, P.
    pub p: usize,
    /// Results per y-word, Q.
    pub q: usize,
    /// Output tiles, T = ⌈N_total / N⌉.
    pub tiles: usize,
    /// Chunks per row, C = ⌈K_total / K⌉.
    pub chunks: usize,
    /// Rows of the last tile.
    pub last_tile_rows: usize,
    /// x-words per vector, ⌈K_total / P⌉.
    pub x_words: usize,
    /// y-words per vector, ⌈N_total / Q⌉.
    pub y_words: usize,
    /// Bits of one weight unit.
    pub unit_bits: u32,
    /// The core's `in_w` element type.
    pub unit_ty: Ty,
    /// Units per weight word, WW / unit_bits.
    pub word_units: usize,
    /// Units per segment (per row per chunk).
    pub seg_units: usize,
    /// Units of the last segment of a row.
    pub last_seg_units: usize,
    /// Units per row.
    pub row_units: usize,
    /// Weight words of the whole matrix.
    pub weight_words: usize,
    /// Tiles the memory holds: T, or 2 staging slots in stream mode.
    pub slots: usize,
    /// Words per bank in use, slots · chunks.
    pub depth_used: usize,
}

impl Geometry {
    /// The geometry of checked parameters.
    pub fn of(c: &Checked) -> Geometry {
        let p = &c.params;
        let common = c.inner.common();
        let packing = c.inner.weight_packing();
        let (k, n) = (common.k, common.n);
        let base3 = packing == WeightPacking::Base3;
        let unit_bits = if base3 { 8 } else { common.w_bits };
        let unit_ty = match packing {
            WeightPacking::Codes | WeightPacking::I2s => Ty {
                width: common.w_bits,
                signed: common.w_format == super::super::WeightFormat::Int,
            },
            WeightPacking::Base3 => Ty::unsigned(8),
        };
        let chunks = p.in_features.div_ceil(k);
        let tiles = p.out_features.div_ceil(n);
        let mx = super::mx::units(c);
        let seg_units = match mx {
            Some(u) => u.w_segment(),
            None if base3 => k / 5,
            None => k,
        };
        let row_units = match mx {
            Some(u) => u.w_row(p.in_features),
            None if base3 => p.in_features.div_ceil(5),
            None => p.in_features,
        };
        // An mx-dot tile's activations are units too: scales beside the codes.
        let (k, k_total) = match mx {
            Some(u) => (u.act_chunk(), u.act_total(p.in_features)),
            None => (k, p.in_features),
        };
        let word_units = (p.weight_word_bits / unit_bits) as usize;
        let slots = if p.weight_memory == WeightMemory::Stream {
            2
        } else {
            tiles
        };
        Geometry {
            k_total,
            n_total: p.out_features,
            k,
            n,
            act_bits: common.act_bits,
            p: p.x_lanes,
            q: p.y_lanes,
            tiles,
            chunks,
            last_tile_rows: p.out_features - (tiles - 1) * n,
            x_words: k_total.div_ceil(p.x_lanes),
            y_words: p.out_features.div_ceil(p.y_lanes),
            unit_bits,
            unit_ty,
            word_units,
            seg_units,
            last_seg_units: row_units - (chunks - 1) * seg_units,
            row_units,
            weight_words: (p.out_features * row_units).div_ceil(word_units),
            slots,
            depth_used: slots * chunks,
        }
    }

    /// Beats the core takes per vector, T · C.
    pub fn beats(&self) -> usize {
        self.tiles * self.chunks
    }

    /// Cycles the loader needs for the whole matrix: one per piece, a piece
    /// being the units of one word that fall in one segment.
    pub fn load_cycles(&self) -> u64 {
        let total = (self.n_total * self.row_units) as u64;
        let u = self.word_units as u64;
        let word_cuts = total.div_ceil(u) - 1;
        let seg_cuts = (self.n_total * self.chunks) as u64 - 1;
        word_cuts + seg_cuts - self.shared_cuts() + 1
    }

    /// Segment boundaries inside the stream that are also word boundaries.
    fn shared_cuts(&self) -> u64 {
        let u = self.word_units as u64;
        let ru = self.row_units as u64;
        let rows = self.n_total as u64;
        let inner_cuts = |n: u64| -> u64 {
            (1..self.chunks as u64)
                .filter(|&c| (n * ru + c * self.seg_units as u64).is_multiple_of(u))
                .count() as u64
        };
        let period = u / gcd(ru % u, u);
        let per_period: u64 = (0..period.min(rows)).map(inner_cuts).sum();
        let rest: u64 = (0..rows % period).map(inner_cuts).sum();
        let row_starts = (rows - 1) / period;
        per_period * (rows / period) + rest + row_starts
    }
}

fn gcd(a: u64, b: u64) -> u64 {
    if a == 0 { b } else { gcd(b % a, a) }
}
