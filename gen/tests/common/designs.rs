//! IR designs that exercise every construct of the emitter.

use std::sync::Arc;

use lutforge_hdl::ir::{BuildError, CmpOp, Module, ModuleBuilder, ReduceOp, SignalId, Ty};

/// Every combinational op with mixed widths and signedness, one-bit signals
/// in every operand position, shifts past the width, all comparisons, all
/// reductions, ROMs (full, partial, one-bit address) and 64-bit values.
/// Every result is an output port named `o_<signal>`.
pub fn comb_ops() -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new("comb_ops")?;
    let a = b.input("a", Ty::signed(5))?;
    let bb = b.input("b", Ty::unsigned(3))?;
    let c = b.input("c", Ty::signed(8))?;
    let d = b.input("d", Ty::unsigned(8))?;
    let e = b.input("e", Ty::unsigned(1))?;
    let f = b.input("f", Ty::signed(1))?;
    let g = b.input("g", Ty::unsigned(2))?;
    let h = b.input("h", Ty::signed(64))?;
    let (s, u) = (Ty::signed, Ty::unsigned);
    let mut outs: Vec<SignalId> = vec![
        // Arithmetic and bitwise, mixed widths and signedness.
        b.add("add_s9", s(9), a, bb)?,
        b.sub("sub_s9", s(9), a, bb)?,
        b.sub("sub_u5", u(5), bb, a)?,
        b.mul("mul_s8", s(8), a, bb)?,
        b.mul("mul_cd", s(8), c, d)?,
        b.mul("mul_u6", u(6), bb, bb)?,
        b.and("and_u9", u(9), a, bb)?,
        b.or("or_s8", s(8), a, e)?,
        b.xor("xor_u5", u(5), f, bb)?,
        b.add("add_bits", u(2), e, f)?,
        b.add("add_1", u(1), e, f)?,
        b.add3("add3_s9", s(9), a, bb, f)?,
        b.add3("add3_u8", u(8), d, e, bb)?,
        b.neg("neg_s6", s(6), a)?,
        b.neg("neg_u3", u(3), bb)?,
        b.neg("neg_f", s(2), f)?,
        b.not("not_u8", u(8), a)?,
        b.not("not_e", u(1), e)?,
        b.not("not_f", s(3), f)?,
        // Shifts, including by the width and beyond.
        b.shl("shl_0", s(8), a, 0)?,
        b.shl("shl_2", s(8), a, 2)?,
        b.shl("shl_3", s(8), a, 3)?,
        b.shl("shl_b6", u(8), bb, 6)?,
        b.shl("shl_w", s(8), a, 8)?,
        b.shl("shl_far", s(8), a, 20)?,
        b.shl("shl_e", u(4), e, 3)?,
        b.shl("shl_f", s(4), f, 1)?,
        b.shr("shr_1", s(5), a, 1)?,
        b.shr("shr_4", s(8), a, 4)?,
        b.shr("shr_w", s(8), a, 5)?,
        b.shr("shr_far", s(8), a, 12)?,
        b.shr("shr_b1", u(8), bb, 1)?,
        b.shr("shr_b3", u(3), bb, 3)?,
        b.shr("shr_d70", u(8), d, 70)?,
        b.shr("shr_c0", s(8), c, 0)?,
        b.shr("shr_f", s(3), f, 2)?,
        b.shr("shr_e", u(2), e, 0)?,
        // Slices and extensions.
        b.slice("slice_c", c, 2, 4, false)?,
        b.slice("slice_top", c, 7, 1, true)?,
        b.trunc("trunc_a", a, 3)?,
        b.slice("slice_e", e, 0, 1, true)?,
        b.slice("slice_d", d, 0, 8, true)?,
        b.sext("sext_b", bb, 6)?,
        b.zext("zext_a", a, 7)?,
        b.sext("sext_e", e, 4)?,
        b.zext("zext_f", f, 3)?,
        b.extend("ext_same", a, s(5), false)?,
        b.resize("resize_c", c, s(12))?,
        // Concatenations and muxes.
        b.concat("cat", &[e, bb, f, a], false)?,
        b.concat("cat_one", &[c], true)?,
        b.mux("mux_s9", s(9), e, a, bb)?,
        b.mux("mux_f", u(4), f, e, bb)?,
        b.mux("mux_bits", u(1), e, f, e)?,
    ];

    // Comparisons of exact values.
    let ops = [
        ("eq", CmpOp::Eq),
        ("ne", CmpOp::Ne),
        ("lt", CmpOp::Lt),
        ("le", CmpOp::Le),
        ("gt", CmpOp::Gt),
        ("ge", CmpOp::Ge),
    ];
    for (name, op) in ops {
        outs.push(b.compare(&format!("{name}_ab"), op, a, bb)?);
        outs.push(b.compare(&format!("{name}_ef"), op, e, f)?);
    }
    outs.push(b.compare("lt_bd", CmpOp::Lt, bb, d)?);
    outs.push(b.compare("ge_ca", CmpOp::Ge, c, a)?);
    outs.push(b.compare("gt_dc", CmpOp::Gt, d, c)?);
    outs.push(b.compare("eq_fa", CmpOp::Eq, f, a)?);
    outs.push(b.compare("lt_hd", CmpOp::Lt, h, d)?);

    // Reductions.
    outs.push(b.reduce("rand_c", ReduceOp::And, c)?);
    outs.push(b.reduce("ror_c", ReduceOp::Or, c)?);
    outs.push(b.reduce("rxor_c", ReduceOp::Xor, c)?);
    outs.push(b.reduce("rand_e", ReduceOp::And, e)?);
    outs.push(b.reduce("rxor_f", ReduceOp::Xor, f)?);

    // ROMs: full, partial (past-the-end reads 0), one-bit address.
    outs.push(b.rom("rom_full", s(6), g, &[-32, -1, 0, 31])?);
    outs.push(b.rom("rom_part", u(8), bb, &[0x12, 0x34, 0x56, 0x78, 0xff])?);
    outs.push(b.rom("rom_bit", u(1), e, &[1])?);

    // Constants and 64-bit values.
    let k7 = b.constant("k7", s(7), -3)?;
    outs.push(k7);
    outs.push(b.add("add_k", s(8), c, k7)?);
    let kmax = b.constant("kmax", u(64), (1i128 << 64) - 1)?;
    outs.push(kmax);
    outs.push(b.constant("kmin", s(64), -(1i128 << 63))?);
    outs.push(b.constant("kbit", u(1), 1)?);
    outs.push(b.add("add_h", s(64), h, kmax)?);
    outs.push(b.mul("mul_h", s(64), h, c)?);
    outs.push(b.shr("shr_h", s(64), h, 63)?);
    outs.push(b.shl("shl_h", u(64), h, 1)?);
    outs.push(b.shr("shr_h0", s(64), h, 0)?);

    for o in outs {
        let name = format!("o_{}", b.name_of(o));
        b.output(&name, o)?;
    }
    b.finish()
}

/// A child with a register, a scalar and a vector input, a one-bit input
/// and a scalar and a vector output.
pub fn child() -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new("child")?;
    let x = b.input("x", Ty::signed(5))?;
    let v = b.input_vec("v", 2, Ty::unsigned(3))?;
    let go = b.input("go", Ty::BIT)?;
    let sum = b.add("sum", Ty::signed(6), x, v[0])?;
    let r = b.register("r", sum, Some(go), None)?;
    b.output("y", r)?;
    let o0 = b.zext("o0", v[1], 4)?;
    let o1 = b.extend("o1", v[0], Ty::unsigned(4), true)?;
    b.output_vec("out", &[o0, o1])?;
    b.finish()
}

/// A top with the child instanced twice (some outputs unused), registers
/// with and without enable and reset, a ROM, vector ports in and out, and a
/// one-bit input used in every position.
pub fn sink() -> Result<Module, BuildError> {
    let child = Arc::new(child()?);
    let mut b = ModuleBuilder::new("sink")?;
    b.clock()?;
    let rst = b.input("rst", Ty::BIT)?;
    let en = b.input("en", Ty::BIT)?;
    let a = b.input("a", Ty::signed(5))?;
    let bit = b.input("flag", Ty::BIT)?;
    let vin = b.input_vec("vin", 3, Ty::unsigned(4))?;
    let one_vec = b.input_vec("one", 1, Ty::BIT)?;
    b.input("spare", Ty::unsigned(3))?;
    let wide = b.input("wide", Ty::signed(8))?;
    let wide_low = b.slice("wide_low", wide, 0, 5, true)?;

    let p = b.slice("p", vin[0], 0, 3, false)?;
    let q = b.slice("q", vin[1], 1, 3, false)?;
    let t = b.slice("t", vin[2], 0, 2, false)?;
    let q_low = b.slice("q_low", vin[1], 0, 1, false)?;

    let u0 = b.instance(
        "u0",
        child.clone(),
        &[("x", &[a]), ("v", &[p, q]), ("go", &[bit])],
    )?;
    let a2 = b.neg("a2", Ty::signed(5), a)?;
    let u1 = b.instance(
        "u1",
        child.clone(),
        &[("x", &[a2]), ("v", &[q, p]), ("go", &[one_vec[0]])],
    )?;

    let u1_y = u1.scalar("y").expect("child has y");
    let u1_y_low = b.trunc("u1_y_low", u1_y, 5)?;
    let u2 = b.instance(
        "u2",
        child,
        &[("x", &[u1_y_low]), ("v", &[p, p]), ("go", &[bit])],
    )?;
    let u2_y = u2.scalar("y").expect("child has y");
    let sum_wide = b.add("sum_wide", Ty::signed(7), wide_low, u2_y)?;

    // The one-bit input in every position.
    let add_bit = b.add("add_bit", Ty::signed(6), a, bit)?;
    let mux_bit = b.mux("mux_bit", Ty::unsigned(1), bit, q_low, bit)?;
    let cmp_bit = b.compare("cmp_bit", CmpOp::Lt, bit, a)?;
    let red_bit = b.reduce("red_bit", ReduceOp::Or, bit)?;
    let shl_bit = b.shl("shl_bit", Ty::unsigned(3), bit, 2)?;
    let shr_bit = b.shr("shr_bit", Ty::unsigned(1), bit, 0)?;
    let slice_bit = b.slice("slice_bit", bit, 0, 1, false)?;
    let cat_bit = b.concat("cat_bit", &[bit, t, bit], false)?;
    let sext_bit = b.sext("sext_bit", bit, 3)?;
    let rom_bit = b.rom("rom_bit", Ty::signed(4), bit, &[-8, 7])?;
    let lut = b.rom("lut", Ty::signed(4), t, &[1, -2, 3])?;

    // Registers: every combination of enable and reset, and a counter.
    let r_full = b.register("r_full", add_bit, Some(en), Some((rst, -3)))?;
    let u0_y = u0.scalar("y").expect("child has y");
    let r_rst = b.register("r_rst", u0_y, None, Some((rst, 5)))?;
    let u0_out = u0.vector("out").expect("child has out").to_vec();
    let r_en = b.register("r_en", u0_out[0], Some(bit), None)?;
    let r_plain = b.register("r_plain", t, None, None)?;
    let r_bit = b.register("r_bit", bit, Some(bit), Some((bit, 1)))?;
    let cnt = b.reg("cnt", Ty::unsigned(4), Some((rst, 0)))?;
    let one = b.constant("one", Ty::unsigned(1), 1)?;
    let next = b.add("cnt_next", Ty::unsigned(4), cnt, one)?;
    b.drive(cnt, next, Some(en))?;

    let u1_out = u1.vector("out").expect("child has out").to_vec();
    b.output("y", u0_y)?;
    b.output_vec("outs", &[u0_out[0], u0_out[1], u1_out[0]])?;
    b.output_vec(
        "flags",
        &[bit, mux_bit, cmp_bit, red_bit, shr_bit, slice_bit, r_bit],
    )?;
    b.output("flag_out", bit)?;
    b.output("shl_out", shl_bit)?;
    b.output("cat_out", cat_bit)?;
    b.output("sext_out", sext_bit)?;
    b.output("rom_out", rom_bit)?;
    b.output("lut_out", lut)?;
    b.output("r_full_out", r_full)?;
    b.output("r_rst_out", r_rst)?;
    b.output("r_en_out", r_en)?;
    b.output("r_plain_out", r_plain)?;
    b.output("cnt_out", cnt)?;
    b.output("sum_wide_out", sum_wide)?;
    b.finish()
}

/// The smallest module: an output driven straight by an input.
pub fn passthrough() -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new("passthrough")?;
    let a = b.input("a", Ty::signed(4))?;
    b.output("y", a)?;
    b.finish()
}

/// Every design of this file, top last in each.
/// A memory (LUT RAM) with a write port and two asynchronous reads, one of
/// them registered.
pub fn memory() -> Result<Module, BuildError> {
    let mut b = ModuleBuilder::new("lutram")?;
    b.clock()?;
    let we = b.input("we", Ty::BIT)?;
    let wa = b.input("wa", Ty::unsigned(3))?;
    let wd = b.input("wd", Ty::signed(6))?;
    let ra = b.input_vec("ra", 2, Ty::unsigned(3))?;
    let mem = b.memory("table", Ty::signed(6), 8)?;
    b.write_port(mem, we, wa, wd)?;
    let r0 = b.mem_read("r0", mem, ra[0])?;
    let r1 = b.mem_read("r1", mem, ra[1])?;
    let r1q = b.register("r1_q", r1, None, None)?;
    b.output("y0", r0)?;
    b.output("y1", r1q)?;
    b.finish()
}

pub fn all() -> Vec<Module> {
    vec![
        memory().expect("memory builds"),
        comb_ops().expect("comb_ops builds"),
        child().expect("child builds"),
        sink().expect("sink builds"),
        passthrough().expect("passthrough builds"),
    ]
}
