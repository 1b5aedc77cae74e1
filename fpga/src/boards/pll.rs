//! PLL settings from the vendors' formulas (docs/spec/boards.md, "PLLs"):
//! the divider search of icestorm's `icepll` for the iCE40 `SB_PLL40_*`
//! in SIMPLE feedback, and of prjtrellis' `ecppll` for the ECP5 `EHXPLLL`
//! with feedback from CLKOP.

/// Settings of an iCE40 `SB_PLL40_PAD`/`SB_PLL40_CORE` in SIMPLE feedback.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Ice40Pll {
    /// Reference divider, f_PFD = f_IN / (DIVR + 1).
    pub divr: u32,
    /// Feedback divider, f_VCO = f_PFD · (DIVF + 1).
    pub divf: u32,
    /// Output divider, f_OUT = f_VCO / 2^DIVQ.
    pub divq: u32,
    /// Loop filter range for this f_PFD.
    pub filter_range: u32,
    /// Phase-detector frequency, MHz.
    pub f_pfd: f64,
    /// VCO frequency, MHz.
    pub f_vco: f64,
    /// The output frequency these settings give, MHz.
    pub f_out: f64,
}

/// Settings of an ECP5 `EHXPLLL` with CLKOP feedback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ecp5Pll {
    /// Input divider, f_PFD = f_IN / CLKI_DIV.
    pub clki_div: u32,
    /// Feedback divider: f_OUT = f_IN · CLKFB_DIV / CLKI_DIV.
    pub clkfb_div: u32,
    /// CLKOP divider: f_VCO = f_OUT · CLKOP_DIV.
    pub clkop_div: u32,
    /// VCO frequency, MHz.
    pub f_vco: f64,
    /// The output frequency these settings give, MHz.
    pub f_out: f64,
}

impl Ecp5Pll {
    /// CLKOP_CPHASE for a zero phase shift (CLKOP_DIV − 1).
    pub fn clkop_cphase(&self) -> u32 {
        self.clkop_div - 1
    }
}

/// The loop filter range icepll gives for a phase-detector frequency (MHz).
fn filter_range(f_pfd: f64) -> u32 {
    match f_pfd {
        f if f < 17.0 => 1,
        f if f < 26.0 => 2,
        f if f < 44.0 => 3,
        f if f < 66.0 => 4,
        f if f < 101.0 => 5,
        _ => 6,
    }
}

/// The iCE40 settings closest to `f_out` from `f_in` (MHz), searched as
/// icepll does (DIVR, then DIVF, then DIVQ; the first closest wins; like
/// icepll it does not hold the output to the datasheet's 16–275 MHz), or
/// `None` when no setting is within the PLL's ranges.
pub fn ice40_pll(f_in: f64, f_out: f64) -> Option<Ice40Pll> {
    let mut best: Option<Ice40Pll> = None;
    for divr in 0..=15u32 {
        let f_pfd = f_in / f64::from(divr + 1);
        if !(10.0..=133.0).contains(&f_pfd) {
            continue;
        }
        for divf in 0..=127u32 {
            let f_vco = f_pfd * f64::from(divf + 1);
            if !(533.0..=1066.0).contains(&f_vco) {
                continue;
            }
            for divq in 1..=6u32 {
                let out = f_vco / f64::from(1u32 << divq);
                if best.is_none_or(|b| (out - f_out).abs() < (b.f_out - f_out).abs()) {
                    best = Some(Ice40Pll {
                        divr,
                        divf,
                        divq,
                        filter_range: filter_range(f_pfd),
                        f_pfd,
                        f_vco,
                        f_out: out,
                    });
                }
            }
        }
    }
    best
}

/// The ECP5 settings closest to `f_out` from `f_in` (MHz), searched as
/// ecppll does (the closest output wins; among equals, the VCO nearest
/// 600 MHz), or `None` when no setting is within the PLL's ranges.
pub fn ecp5_pll(f_in: f64, f_out: f64) -> Option<Ecp5Pll> {
    let mut best: Option<Ecp5Pll> = None;
    for clki_div in 1..=128u32 {
        let f_pfd = f_in / f64::from(clki_div);
        if !(3.125..=400.0).contains(&f_pfd) {
            continue;
        }
        for clkfb_div in 1..=80u32 {
            for clkop_div in 1..=128u32 {
                let f_vco = f_pfd * f64::from(clkfb_div) * f64::from(clkop_div);
                if !(400.0..=800.0).contains(&f_vco) {
                    continue;
                }
                let out = f_vco / f64::from(clkop_div);
                let better = match best {
                    None => true,
                    Some(b) => {
                        let (e, eb) = ((out - f_out).abs(), (b.f_out - f_out).abs());
                        e < eb || (e == eb && (f_vco - 600.0).abs() < (b.f_vco - 600.0).abs())
                    }
                };
                if better {
                    best = Some(Ecp5Pll {
                        clki_div,
                        clkfb_div,
                        clkop_div,
                        f_vco,
                        f_out: out,
                    });
                }
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checked_settings_of_boards_md() {
        let p = ice40_pll(12.0, 48.0).unwrap();
        assert_eq!((p.divr, p.divf, p.divq, p.filter_range), (0, 63, 4, 1));
        assert_eq!(p.f_out, 48.0);
        let e = ecp5_pll(25.0, 50.0).unwrap();
        assert_eq!((e.clki_div, e.clkfb_div, e.clkop_div), (1, 2, 12));
        let e = ecp5_pll(25.0, 75.0).unwrap();
        assert_eq!((e.clki_div, e.clkfb_div, e.clkop_div), (1, 3, 8));
        assert_eq!(e.clkop_cphase(), 7);
    }

    #[test]
    fn out_of_range_requests_come_as_close_as_the_pll_can() {
        let p = ice40_pll(12.0, 1000.0).unwrap();
        assert!(p.f_out <= 533.0, "f_VCO / 2 at most");
        assert!(ice40_pll(1.0, 48.0).is_none(), "f_PFD below 10 MHz");
    }
}
