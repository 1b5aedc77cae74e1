//! The simulator against a reference written from the IR's stated
//! semantics (exact integers in i128), op by op, on random widths and values.

use lutforge_hdl::ir::{BinOp, BuildError, CmpOp, Def, ModuleBuilder, ReduceOp, Ty, UnOp};
use lutforge_hdl::sim::{Sim, SimError};
use proptest::prelude::*;

fn wrap(v: i128, ty: Ty) -> i128 {
    let m = 1i128 << ty.width;
    let r = v.rem_euclid(m);
    if ty.signed && r >= m / 2 { r - m } else { r }
}

fn ty_strategy() -> impl Strategy<Value = Ty> {
    (1u32..=64, any::<bool>()).prop_map(|(width, signed)| Ty { width, signed })
}

/// Builds `out = op(a, b)` and simulates one settle.
fn run2(
    f: impl Fn(
        &mut ModuleBuilder,
        lutforge_hdl::ir::SignalId,
        lutforge_hdl::ir::SignalId,
    ) -> lutforge_hdl::ir::SignalId,
    ta: Ty,
    tb: Ty,
    a: i128,
    b: i128,
) -> (Ty, i128) {
    let mut m = ModuleBuilder::new("t").unwrap();
    let sa = m.input("a", ta).unwrap();
    let sb = m.input("b", tb).unwrap();
    let r = f(&mut m, sa, sb);
    let rty = m.ty(r);
    m.output("y", r).unwrap();
    let module = m.finish().unwrap();
    let mut sim = Sim::new(&module, 3).unwrap();
    let (pa, pb, py) = (
        sim.input("a").unwrap(),
        sim.input("b").unwrap(),
        sim.output("y").unwrap(),
    );
    for lane in 0..3 {
        sim.set(&pa, 0, lane, ta.encode(a).unwrap());
        sim.set(&pb, 0, lane, tb.encode(b).unwrap());
    }
    let got = rty.decode(sim.get(&py, 0, 2));
    (rty, got)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn binary_ops(ta in ty_strategy(), tb in ty_strategy(), extra in 0u32..8, signed in any::<bool>(), opi in 0usize..6, seed in any::<u64>()) {
        let width = (ta.width.max(tb.width) + extra).min(64);
        let rty = Ty { width, signed };
        let a = ta.min_value() + (seed as i128).rem_euclid(ta.max_value() - ta.min_value() + 1);
        let b = tb.min_value() + ((seed >> 7) as i128 * 31).rem_euclid(tb.max_value() - tb.min_value() + 1);
        let op = [BinOp::Add, BinOp::Sub, BinOp::Mul, BinOp::And, BinOp::Or, BinOp::Xor][opi];
        let (_, got) = run2(|m, x, y| m.binary("r", op, rty, x, y).unwrap(), ta, tb, a, b);
        let want = match op {
            BinOp::Add => wrap(a + b, rty),
            BinOp::Sub => wrap(a - b, rty),
            BinOp::Mul => wrap(a.wrapping_mul(b), rty),
            BinOp::And => wrap(a & b, rty),
            BinOp::Or => wrap(a | b, rty),
            BinOp::Xor => wrap(a ^ b, rty),
        };
        prop_assert_eq!(got, want, "{:?} {:?} {} {:?} {}", op, ta, a, tb, b);
    }

    #[test]
    fn compares(ta in ty_strategy(), tb in ty_strategy(), a_seed in any::<i64>(), b_seed in any::<i64>(), same in any::<bool>()) {
        let a = wrap(a_seed as i128, ta);
        let b = if same && ta.min_value() <= a && a <= tb.max_value() && a >= tb.min_value() { a } else { wrap(b_seed as i128, tb) };
        for (op, want) in [(CmpOp::Eq, a == b), (CmpOp::Ne, a != b), (CmpOp::Lt, a < b), (CmpOp::Le, a <= b), (CmpOp::Gt, a > b), (CmpOp::Ge, a >= b)] {
            let (_, got) = run2(|m, x, y| m.compare("c", op, x, y).unwrap(), ta, tb, a, b);
            prop_assert_eq!(got, want as i128, "{:?} {} {}", op, a, b);
        }
    }

    #[test]
    fn shifts_slices_extends(ta in ty_strategy(), seed in any::<i64>(), k in 0u32..70, extra in 0u32..10, signed in any::<bool>()) {
        let a = wrap(seed as i128, ta);
        let rty = Ty { width: (ta.width + extra).min(64), signed };
        let (_, got) = run2(|m, x, _| m.shl("s", rty, x, k).unwrap(), ta, Ty::BIT, a, 0);
        prop_assert_eq!(got, wrap(if k < 100 { a << k.min(100) } else { 0 }, rty));
        let (_, got) = run2(|m, x, _| m.shr("s", rty, x, k).unwrap(), ta, Ty::BIT, a, 0);
        prop_assert_eq!(got, wrap(a >> k.min(100), rty));
        let (_, got) = run2(|m, x, _| m.neg("n", rty, x).unwrap(), ta, Ty::BIT, a, 0);
        prop_assert_eq!(got, wrap(-a, rty));
        let (_, got) = run2(|m, x, _| m.unary("n", UnOp::Not, rty, x).unwrap(), ta, Ty::BIT, a, 0);
        prop_assert_eq!(got, wrap(!a, rty));
        let lo = k % ta.width;
        let w = 1 + (extra % (ta.width - lo));
        let bits = ta.encode(a).unwrap() as i128;
        let (sty, got) = run2(|m, x, _| m.slice("sl", x, lo, w, signed).unwrap(), ta, Ty::BIT, a, 0);
        prop_assert_eq!(got, sty.decode(((bits >> lo) & ((1i128 << w) - 1)) as u64));
        let (ety, got) = run2(|m, x, _| m.extend("e", x, rty, signed).unwrap(), ta, Ty::BIT, a, 0);
        let src_val = if signed { Ty::signed(ta.width).decode(bits as u64) } else { bits };
        prop_assert_eq!(got, wrap(src_val, ety));
        for (op, want) in [(ReduceOp::Or, bits != 0), (ReduceOp::And, bits == (1i128 << ta.width) - 1), (ReduceOp::Xor, (bits as u64).count_ones() % 2 == 1)] {
            let (_, got) = run2(|m, x, _| m.reduce("r", op, x).unwrap(), ta, Ty::BIT, a, 0);
            prop_assert_eq!(got, want as i128);
        }
    }

    #[test]
    fn mux_concat_rom(ta in ty_strategy(), tb in ty_strategy(), a_seed in any::<i64>(), b_seed in any::<i64>(), sel in any::<bool>()) {
        let (a, b) = (wrap(a_seed as i128, ta), wrap(b_seed as i128, tb));
        let rty = Ty { width: ta.width.max(tb.width), signed: true };
        let (_, got) = run2(|m, x, y| { let s = m.constant("s", Ty::BIT, sel as i128).unwrap(); m.mux("mx", rty, s, x, y).unwrap() }, ta, tb, a, b);
        prop_assert_eq!(got, wrap(if sel { a } else { b }, rty));
        if ta.width + tb.width <= 64 {
            let (cty, got) = run2(|m, x, y| m.concat("c", &[x, y], false).unwrap(), ta, tb, a, b);
            let want = (ta.encode(a).unwrap() as i128) | ((tb.encode(b).unwrap() as i128) << ta.width);
            prop_assert_eq!(got, cty.decode(want as u64));
        }
        let addr_ty = Ty::unsigned(3);
        let table = [5i128, -3, 0, 7, -8];
        let addr = (a_seed as u64 % 8) as i128;
        let (_, got) = run2(|m, x, _| m.rom("rom", Ty::signed(4), x, &table).unwrap(), addr_ty, Ty::BIT, addr, 0);
        prop_assert_eq!(got, table.get(addr as usize).copied().unwrap_or(0));
    }
}

#[test]
fn registers_enable_reset_and_lanes_are_independent() {
    let mut m = ModuleBuilder::new("cnt").unwrap();
    m.clock().unwrap();
    let rst = m.input("rst", Ty::BIT).unwrap();
    let en = m.input("en", Ty::BIT).unwrap();
    let q = m.reg("q", Ty::unsigned(4), Some((rst, 9))).unwrap();
    let one = m.constant("one", Ty::unsigned(1), 1).unwrap();
    let d = m.add("d", Ty::unsigned(4), q, one).unwrap();
    m.drive(q, d, Some(en)).unwrap();
    m.output("y", q).unwrap();
    let module = m.finish().unwrap();
    let mut sim = Sim::new(&module, 2).unwrap();
    let (prst, pen, py) = (
        sim.input("rst").unwrap(),
        sim.input("en").unwrap(),
        sim.output("y").unwrap(),
    );
    sim.set_lanes(&prst, 0, &[1, 1]);
    sim.tick().unwrap();
    assert_eq!(sim.get_lanes(&py, 0), &[9, 9]);
    sim.set_lanes(&prst, 0, &[0, 0]);
    sim.set_lanes(&pen, 0, &[1, 0]);
    for _ in 0..10 {
        sim.tick().unwrap();
    }
    // lane 0 counts 9 → 19 mod 16 = 3; lane 1 holds 9
    assert_eq!(sim.get_lanes(&py, 0), &[3, 9]);
    sim.set_lanes(&prst, 0, &[0, 1]);
    sim.set_lanes(&pen, 0, &[0, 1]);
    sim.tick().unwrap();
    assert_eq!(sim.get_lanes(&py, 0), &[3, 9]);
    assert_eq!(sim.cycle(), 12);
}

#[test]
fn instances_flatten_and_vcd_dumps() {
    let mut c = ModuleBuilder::new("dbl").unwrap();
    let x = c.input("x", Ty::signed(8)).unwrap();
    let y = c.add("y2", Ty::signed(9), x, x).unwrap();
    c.output("y", y).unwrap();
    let child = std::sync::Arc::new(c.finish().unwrap());
    let mut p = ModuleBuilder::new("top").unwrap();
    p.clock().unwrap();
    let a = p.input_vec("a", 2, Ty::signed(8)).unwrap();
    let o0 = p.instance("u0", child.clone(), &[("x", &a[..1])]).unwrap();
    let o1 = p.instance("u1", child, &[("x", &a[1..])]).unwrap();
    let (y0, y1) = (o0.scalar("y").unwrap(), o1.scalar("y").unwrap());
    let s = p.add("s", Ty::signed(10), y0, y1).unwrap();
    let r = p.register("r", s, None, None).unwrap();
    p.output("out", r).unwrap();
    let module = p.finish().unwrap();
    let mut sim = Sim::new(&module, 1).unwrap();
    let path = std::env::temp_dir().join(format!("lutforge_vcd_{}.vcd", std::process::id()));
    sim.dump_vcd(0, Box::new(std::fs::File::create(&path).unwrap()))
        .unwrap();
    let (pa, po) = (sim.input("a").unwrap(), sim.output("out").unwrap());
    sim.set_value(&pa, 0, 0, -128);
    sim.set_value(&pa, 1, 0, 100);
    sim.tick().unwrap();
    assert_eq!(sim.get_value(&po, 0, 0), 2 * (-128 + 100));
    sim.finish_vcd().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(text.contains("u0__y2"), "hierarchical names in the dump");
    assert!(text.contains("#5"), "a sampled edge in the dump");
}

#[test]
fn builder_reports_widths_by_name() {
    let mut m = ModuleBuilder::new("w").unwrap();
    let a = m.input("a", Ty::signed(12)).unwrap();
    let err = m.add("sum", Ty::signed(10), a, a).unwrap_err().to_string();
    assert!(
        err.contains("`sum`") && err.contains("`a`") && err.contains("12") && err.contains("10"),
        "{err}"
    );
    let err = m.input("b", Ty::signed(65)).unwrap_err().to_string();
    assert!(err.contains("65"), "{err}");
    let err = ModuleBuilder::new("module").unwrap_err().to_string();
    assert!(err.contains("keyword"), "{err}");
    let r = m.reg("r", Ty::signed(4), None).unwrap();
    let err = m.drive(r, a, None).unwrap_err().to_string();
    assert!(
        err.contains("`r`") && err.contains("12") && err.contains("4"),
        "{err}"
    );
}

#[test]
fn memories_write_on_the_edge_and_read_combinationally_per_lane() {
    let mut m = ModuleBuilder::new("ram").unwrap();
    m.clock().unwrap();
    let we = m.input("we", Ty::BIT).unwrap();
    let wa = m.input("wa", Ty::unsigned(2)).unwrap();
    let wd = m.input("wd", Ty::signed(6)).unwrap();
    let ra = m.input("ra", Ty::unsigned(2)).unwrap();
    let mem = m.memory("mem", Ty::signed(6), 4).unwrap();
    m.write_port(mem, we, wa, wd).unwrap();
    let rd = m.mem_read("rd", mem, ra).unwrap();
    // A read of the address being written this cycle, registered on the same edge.
    let same = m.mem_read("same", mem, wa).unwrap();
    let same_q = m.register("same_q", same, None, None).unwrap();
    m.output("y", rd).unwrap();
    m.output("old", same_q).unwrap();
    let module = m.finish().unwrap();
    let mut sim = Sim::new(&module, 2).unwrap();
    // A VCD dump shows the read ports, not the memory as a wire of its own.
    let path = std::env::temp_dir().join(format!("lutforge_mem_{}.vcd", std::process::id()));
    sim.dump_vcd(0, Box::new(std::fs::File::create(&path).unwrap()))
        .unwrap();
    let port = |s: &Sim, n: &str| s.input(n).unwrap();
    let (pwe, pwa, pwd, pra) = (
        port(&sim, "we"),
        port(&sim, "wa"),
        port(&sim, "wd"),
        port(&sim, "ra"),
    );
    let (py, pold) = (sim.output("y").unwrap(), sim.output("old").unwrap());
    // Lane 0 writes -5, 7, -32, 31 to words 0..3; lane 1 writes only word 2.
    let words = [-5i64, 7, -32, 31];
    for (a, &v) in words.iter().enumerate() {
        sim.set_lanes(&pwe, 0, &[1, u64::from(a == 2)]);
        sim.set_lanes(&pwa, 0, &[a as u64, a as u64]);
        sim.set_value(&pwd, 0, 0, v);
        sim.set_value(&pwd, 0, 1, 10 * a as i64);
        sim.tick().unwrap();
    }
    sim.set_lanes(&pwe, 0, &[0, 0]);
    for (a, &v) in words.iter().enumerate() {
        sim.set_lanes(&pra, 0, &[a as u64, a as u64]);
        assert_eq!(sim.get_value(&py, 0, 0), v, "lane 0 word {a}");
        assert_eq!(
            sim.get_value(&py, 0, 1),
            if a == 2 { 20 } else { 0 },
            "lane 1 word {a}"
        );
    }
    // Writing 1 over word 1: the same-cycle read sees the old word, the next cycle the new one.
    sim.set_lanes(&pwe, 0, &[1, 1]);
    sim.set_lanes(&pwa, 0, &[1, 1]);
    sim.set_lanes(&pra, 0, &[1, 1]);
    sim.set_value(&pwd, 0, 0, 1);
    sim.set_value(&pwd, 0, 1, 1);
    sim.tick().unwrap();
    assert_eq!(sim.get_value(&pold, 0, 0), 7);
    assert_eq!(sim.get_value(&pold, 0, 1), 0);
    assert_eq!(sim.get_value(&py, 0, 0), 1);
    assert_eq!(sim.get_value(&py, 0, 1), 1);
    sim.finish_vcd().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).ok();
    assert!(text.contains(" same_q ") && text.contains(" rd "), "{text}");
    assert!(!text.contains(" mem "), "the memory is not a wire");
}

#[test]
fn memory_misuse_is_a_clear_error() {
    let mut m = ModuleBuilder::new("ram").unwrap();
    let a3 = m.input("a3", Ty::unsigned(3)).unwrap();
    let err = m.memory("m", Ty::signed(4), 6).unwrap_err().to_string();
    assert!(
        err.contains("6 words") && err.contains("power of two"),
        "{err}"
    );
    let mem = m.memory("m", Ty::signed(4), 4).unwrap();
    let err = m.mem_read("r", mem, a3).unwrap_err().to_string();
    assert!(err.contains("2 bits wide"), "{err}");
    let a2 = m.input("a2", Ty::unsigned(2)).unwrap();
    let r = m.mem_read("r", mem, a2).unwrap();
    m.output("y", r).unwrap();
    let err = m.finish().unwrap_err().to_string();
    assert!(
        err.contains("memory `m`") && err.contains("write port"),
        "{err}"
    );
}

#[test]
fn a_builder_error_names_the_line_that_made_it() {
    let mut m = ModuleBuilder::new("w").unwrap();
    let a = m.input("a", Ty::signed(12)).unwrap();
    let line = line!() + 1;
    let err = m.add("sum", Ty::signed(10), a, a).unwrap_err();
    let at = err.location().expect("a builder error has a location");
    assert_eq!((at.file(), at.line()), (file!(), line));
    let text = err.to_string();
    assert!(
        text.ends_with(&format!("(at {}:{line})", file!())),
        "{text}"
    );
    assert!(
        matches!(err.kind(), BuildError::WidthMismatch { .. }),
        "{err:?}"
    );
}

#[test]
fn hand_made_ir_that_breaks_a_rule_is_refused_by_the_simulator() {
    let mut b = ModuleBuilder::new("m").unwrap();
    let a = b.input("a", Ty::unsigned(4)).unwrap();
    let s = b.slice("s", a, 0, 2, false).unwrap();
    b.output("y", s).unwrap();
    let mut m = b.finish().unwrap();
    m.signals[1].def = Def::Slice { src: a, lo: 3 };
    let err = Sim::new(&m, 1).err().expect("a slice past its source");
    assert!(
        matches!(err, SimError::InvalidIr(BuildError::SliceOutOfRange { .. })),
        "{err:?}"
    );
}
