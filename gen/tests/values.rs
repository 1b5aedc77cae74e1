//! A small value check: Icarus runs the rendered `comb_ops` on random and
//! corner inputs, and every output must equal what the IR means, computed
//! here straight from the semantics in `lutforge_hdl::ir`'s docs (no code
//! shared with the emitter or the simulator).

mod common;

use lutforge_tools::Tool;

use std::fmt::Write as _;

use common::{designs, have_tool, run};
use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::ir::{BinOp, CmpOp, Def, Dir, Module, ReduceOp, Ty, UnOp, mask};

/// The bit pattern of `value` wrapped to `width` bits.
fn wrap(value: i128, width: u32) -> u64 {
    (value as u64) & mask(width)
}

/// Every signal's bit pattern for the given input bit patterns (one per
/// scalar input port, in port order). Combinational modules only.
fn evaluate(m: &Module, inputs: &[u64]) -> Vec<u64> {
    let mut bits: Vec<u64> = Vec::with_capacity(m.signals.len());
    for s in &m.signals {
        let w = s.ty.width;
        let val = |id: lutforge_hdl::ir::SignalId, bits: &[u64]| {
            m.signal(id).ty.decode(bits[id.0 as usize])
        };
        let b = match &s.def {
            &Def::Input { port, .. } => inputs[port] & mask(w),
            &Def::Const(c) => c,
            &Def::Unary(op, a) => {
                let x = val(a, &bits);
                wrap(
                    match op {
                        UnOp::Neg => x.wrapping_neg(),
                        UnOp::Not => !x,
                    },
                    w,
                )
            }
            &Def::Binary(op, a, b) => {
                let (x, y) = (val(a, &bits), val(b, &bits));
                wrap(
                    match op {
                        BinOp::Add => x.wrapping_add(y),
                        BinOp::Sub => x.wrapping_sub(y),
                        BinOp::Mul => x.wrapping_mul(y),
                        BinOp::And => x & y,
                        BinOp::Or => x | y,
                        BinOp::Xor => x ^ y,
                    },
                    w,
                )
            }
            &Def::Add3(a, b, c) => {
                let (x, y, z) = (val(a, &bits), val(b, &bits), val(c, &bits));
                wrap(x.wrapping_add(y).wrapping_add(z), w)
            }
            &Def::SelectAdd { a, nz, neg, b, cin } => {
                let x = val(a, &bits);
                let x = if bits[neg.0 as usize] == 1 { !x } else { x };
                let x = if bits[nz.0 as usize] == 1 { x } else { 0 };
                let c = cin.map_or(0, |c| i128::from(bits[c.0 as usize]));
                wrap(x.wrapping_add(val(b, &bits)).wrapping_add(c), w)
            }
            &Def::Compare(op, a, b) => {
                let (x, y) = (val(a, &bits), val(b, &bits));
                u64::from(match op {
                    CmpOp::Eq => x == y,
                    CmpOp::Ne => x != y,
                    CmpOp::Lt => x < y,
                    CmpOp::Le => x <= y,
                    CmpOp::Gt => x > y,
                    CmpOp::Ge => x >= y,
                })
            }
            &Def::Reduce(op, a) => {
                let (x, aw) = (bits[a.0 as usize], m.signal(a).ty.width);
                u64::from(match op {
                    ReduceOp::And => x == mask(aw),
                    ReduceOp::Or => x != 0,
                    ReduceOp::Xor => x.count_ones() % 2 == 1,
                })
            }
            &Def::Shl(a, k) => {
                if k >= 64 {
                    0
                } else {
                    wrap(((val(a, &bits) as u128) << k) as i128, w)
                }
            }
            &Def::Shr(a, k) => wrap(val(a, &bits) >> k.min(127), w),
            &Def::Slice { src, lo } => (bits[src.0 as usize] >> lo) & mask(w),
            Def::Concat(parts) => {
                let mut acc: u128 = 0;
                for &p in parts.iter().rev() {
                    acc = (acc << m.signal(p).ty.width) | u128::from(bits[p.0 as usize]);
                }
                acc as u64
            }
            &Def::Extend { src, sign } => {
                let ty = Ty {
                    width: m.signal(src).ty.width,
                    signed: sign,
                };
                wrap(ty.decode(bits[src.0 as usize]), w)
            }
            &Def::Mux {
                sel,
                then,
                otherwise,
            } => {
                let chosen = if bits[sel.0 as usize] == 1 {
                    then
                } else {
                    otherwise
                };
                wrap(val(chosen, &bits), w)
            }
            Def::Rom { addr, table } => table
                .get(bits[addr.0 as usize] as usize)
                .copied()
                .unwrap_or(0),
            Def::Reg { .. }
            | Def::Memory { .. }
            | Def::MemRead { .. }
            | Def::BlockMemory { .. }
            | Def::BlockRead { .. }
            | Def::Spram { .. }
            | Def::InstOut { .. } => {
                panic!("`{}` is not combinational", s.name)
            }
        };
        bits.push(b);
    }
    bits
}

/// A deterministic stream of test values (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

#[test]
fn icarus_values_match_the_ir_semantics() {
    if !have_tool(Tool::Iverilog) || !have_tool(Tool::Vvp) {
        return;
    }
    let m = designs::comb_ops().unwrap();
    let ins: Vec<_> = m.ports.iter().filter(|p| p.dir == Dir::Input).collect();
    let outs: Vec<_> = m.ports.iter().filter(|p| p.dir == Dir::Output).collect();
    assert!(
        m.ports.iter().all(|p| !p.vector),
        "the check handles scalar ports only"
    );
    assert_eq!(
        &m.ports[..ins.len()],
        ins.iter()
            .map(|p| (*p).clone())
            .collect::<Vec<_>>()
            .as_slice()
    );

    // Corner vectors (all zeros, all ones, only the top bits) then random ones.
    let mut rng = Rng(0x1f2e_3d4c);
    let mut vectors: Vec<Vec<u64>> = vec![
        ins.iter().map(|_| 0).collect(),
        ins.iter().map(|p| mask(p.elem.width)).collect(),
        ins.iter().map(|p| 1 << (p.elem.width - 1)).collect(),
    ];
    vectors.extend((0..300).map(|_| {
        ins.iter()
            .map(|p| rng.next() & mask(p.elem.width))
            .collect()
    }));

    let mut tb = String::from("module tb;\n");
    for p in &ins {
        writeln!(tb, "    reg [{}:0] {};", p.elem.width - 1, p.name).unwrap();
    }
    for p in &outs {
        writeln!(tb, "    wire [{}:0] {};", p.elem.width - 1, p.name).unwrap();
    }
    let conns: Vec<String> = m
        .ports
        .iter()
        .map(|p| format!(".{0}({0})", p.name))
        .collect();
    writeln!(tb, "    {} dut ({});", m.name, conns.join(", ")).unwrap();
    tb.push_str("    initial begin\n");
    let format = vec!["%h"; outs.len()].join(" ");
    let names: Vec<&str> = outs.iter().map(|p| p.name.as_str()).collect();
    for v in &vectors {
        for (p, x) in ins.iter().zip(v) {
            writeln!(tb, "        {} = {}'h{x:x};", p.name, p.elem.width).unwrap();
        }
        writeln!(
            tb,
            "        #1 $display(\"{format}\", {});",
            names.join(", ")
        )
        .unwrap();
    }
    tb.push_str("        $finish;\n    end\nendmodule\n");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tb.v"), tb).unwrap();
    let header = Header {
        command: "test".into(),
        params: vec![],
    };
    std::fs::write(
        dir.path().join("comb_ops.v"),
        render_verilog(&m, &header).unwrap(),
    )
    .unwrap();
    let (ok, out) = run(
        dir.path(),
        Tool::Iverilog,
        &["-g2005", "-o", "sim.vvp", "tb.v", "comb_ops.v"],
    );
    assert!(ok, "iverilog:\n{out}");
    let (ok, out) = run(dir.path(), Tool::Vvp, &["-n", "sim.vvp"]);
    assert!(ok, "vvp:\n{out}");

    let lines: Vec<&str> = out
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("$finish"))
        .collect();
    assert_eq!(lines.len(), vectors.len(), "vvp output:\n{out}");
    let mut checked = 0;
    for (v, line) in vectors.iter().zip(&lines) {
        let bits = evaluate(&m, v);
        for (p, field) in outs.iter().zip(line.split_whitespace()) {
            let got = u64::from_str_radix(field, 16)
                .unwrap_or_else(|_| panic!("`{}` is `{field}` for inputs {v:x?}", p.name));
            let want = bits[p.signals[0].0 as usize];
            assert_eq!(
                got, want,
                "`{}` for inputs {v:x?}: Verilog {got:#x}, IR {want:#x}",
                p.name
            );
            checked += 1;
        }
    }
    assert_eq!(checked, vectors.len() * outs.len());
}
