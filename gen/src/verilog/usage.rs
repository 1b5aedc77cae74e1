//! Which bits of each signal the emitted Verilog reads, so that a signal
//! with unread bits gets a targeted Verilator `UNUSEDSIGNAL` waiver.
//!
//! Reads are recorded by the code that writes the text reading them (see
//! `expr.rs` and `mod.rs`), so the waivers always match the Verilog.

use lutforge_hdl::ir::{SignalId, mask};

/// Bit masks of read bits, one per signal of a module.
#[derive(Debug, Clone)]
pub(crate) struct Usage {
    read: Vec<u64>,
}

impl Usage {
    /// No bit of any of `signals` signals read yet.
    pub(crate) fn new(signals: usize) -> Self {
        Usage {
            read: vec![0; signals],
        }
    }

    /// Records that bits `lo .. lo + n` of `id` are read.
    pub(crate) fn read_bits(&mut self, id: SignalId, lo: u32, n: u32) {
        if n > 0 && lo < 64 {
            self.read[id.0 as usize] |= mask(n) << lo;
        }
    }

    /// Why a `width`-bit signal named `name` needs a waiver: which bits are
    /// never read, or `None` when every bit is read.
    pub(crate) fn unread_note(&self, id: SignalId, width: u32, name: &str) -> Option<String> {
        unread_note(u128::from(self.read[id.0 as usize]), width, name)
    }
}

/// The low `width` bits set, for widths up to 128 (a carry chain's sum
/// wire can be wider than a signal).
pub(crate) fn wide_mask(width: u32) -> u128 {
    if width >= 128 {
        u128::MAX
    } else {
        (1u128 << width) - 1
    }
}

/// The note for a `width`-bit wire (at most 128 bits) of which the bits
/// set in `read` are read.
pub(crate) fn unread_note(read: u128, width: u32, name: &str) -> Option<String> {
    let unread = !read & wide_mask(width);
    if unread == 0 {
        return None;
    }
    if unread == wide_mask(width) {
        return Some(format!("`{name}` is not read"));
    }
    let mut ranges = Vec::new();
    let mut bit = width;
    while bit > 0 {
        bit -= 1;
        if unread >> bit & 1 == 1 {
            let hi = bit;
            while bit > 0 && unread >> (bit - 1) & 1 == 1 {
                bit -= 1;
            }
            ranges.push(if hi == bit {
                format!("[{hi}]")
            } else {
                format!("[{hi}:{bit}]")
            });
        }
    }
    let (noun, verb) = if ranges.len() == 1 && !ranges[0].contains(':') {
        ("bit", "is")
    } else {
        ("bits", "are")
    };
    Some(format!(
        "{noun} {} of `{name}` {verb} not read",
        ranges.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_name_the_unread_bits() {
        assert_eq!(unread_note(0xff, 8, "a"), None);
        assert_eq!(unread_note(0, 8, "a").unwrap(), "`a` is not read");
        assert_eq!(unread_note(0, 1, "b").unwrap(), "`b` is not read");
        assert_eq!(
            unread_note(0x0f, 8, "a").unwrap(),
            "bits [7:4] of `a` are not read"
        );
        assert_eq!(
            unread_note(0x7f, 8, "a").unwrap(),
            "bit [7] of `a` is not read"
        );
        assert_eq!(
            unread_note(0b1010_0110, 8, "a").unwrap(),
            "bits [6], [4:3], [0] of `a` are not read"
        );
        assert_eq!(
            unread_note(1 << 63, 64, "w").unwrap(),
            "bits [62:0] of `w` are not read"
        );
        assert_eq!(
            unread_note(((1 << 66) - 1) & !1, 66, "s").unwrap(),
            "bit [0] of `s` is not read"
        );
    }

    #[test]
    fn reads_accumulate() {
        let mut u = Usage::new(2);
        u.read_bits(SignalId(1), 4, 4);
        u.read_bits(SignalId(1), 0, 2);
        assert_eq!(
            u.unread_note(SignalId(1), 8, "x").unwrap(),
            "bits [3:2] of `x` are not read"
        );
        u.read_bits(SignalId(1), 0, 64);
        assert_eq!(u.unread_note(SignalId(1), 8, "x"), None);
        assert!(u.unread_note(SignalId(0), 3, "y").is_some());
    }
}
