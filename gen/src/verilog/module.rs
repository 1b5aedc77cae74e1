//! One IR module to the context of `module.v.tera`: declarations,
//! assignments, ROMs, registers and instances, with every read recorded so
//! that signals with unread bits get their lint waiver.

use std::collections::{BTreeMap, BTreeSet};

use lutforge_hdl::ir::{BuildError, Collision, Def, Dir, Module, Signal, SignalId};

use super::expr::{Exprs, decl_type, literal, range, select};
use super::names::Names;
use super::usage::{unread_note, wide_mask};
use super::view::{
    AssignGroup, AssignView, BlockMemoryView, BlockReadView, CarryView, CcuView, ConnView,
    DeclView, InitWord, InstView, MemoryView, ModuleView, RegView, RomEntry, RomView, SpramView,
};
use crate::error::GenError;

/// The bus wire (name, width) of each vector output of each instance, by
/// (instance index, port index).
type Buses = BTreeMap<(usize, usize), (String, u64)>;

/// Everything `module.v.tera` needs to print `m`, a verified module.
pub(crate) fn module_view(m: &Module, is_top: bool) -> Result<ModuleView, GenError> {
    let mut names = Names::of_module(m);
    let mut exprs = Exprs::new(m);
    let (instances, buses) = instance_views(m, &mut names, &mut exprs);
    let mut body = Body::default();
    for id in (0..m.signals.len()).map(|i| SignalId(i as u32)) {
        body.add_signal(m, id, &mut exprs, &buses, &mut names)?;
    }
    let (mut ports, outputs) = port_views(m, &mut exprs);

    // Every read is known now: note the signals with unread bits.
    for d in body.decls.iter_mut().chain(ports.iter_mut()) {
        if let Some(id) = d.signal {
            d.unread = exprs.usage.unread_note(id, m.signal(id).ty.width, &d.name);
        }
    }

    let assign_groups = [
        ("Input port elements", body.inputs),
        ("Logic", body.logic),
        ("Outputs", outputs),
    ]
    .into_iter()
    .filter(|(_, assigns)| !assigns.is_empty())
    .map(|(title, assigns)| AssignGroup { title, assigns })
    .collect();
    Ok(ModuleView {
        name: m.name.clone(),
        is_top,
        ports,
        decls: body.decls,
        assign_groups,
        roms: body.roms,
        regs: body.regs,
        memories: body.memories,
        block_memories: body.block_memories,
        block_reads: body.block_reads,
        sprams: body.sprams,
        carries: body.carries,
        instances,
    })
}

/// The packed concatenation of element signals, element 0 in the lowest bits.
fn elements(exprs: &mut Exprs, signals: &[SignalId]) -> String {
    let names: Vec<String> = signals.iter().rev().map(|&s| exprs.whole(s)).collect();
    if names.len() == 1 {
        names.into_iter().collect()
    } else {
        format!("{{{}}}", names.join(", "))
    }
}

/// The instances with their connections. A vector input gets the
/// concatenation of its element signals; a vector output lands on a fresh
/// bus wire (returned), split into its element signals later; a scalar
/// output drives its signal directly.
fn instance_views(m: &Module, names: &mut Names, exprs: &mut Exprs) -> (Vec<InstView>, Buses) {
    let mut buses = Buses::new();
    let mut instances = Vec::with_capacity(m.instances.len());
    for (xi, x) in m.instances.iter().enumerate() {
        let mut conns = Vec::with_capacity(x.module.ports.len());
        for (pi, (p, c)) in x.module.ports.iter().zip(&x.connections).enumerate() {
            let expr = match p.dir {
                Dir::Input => elements(exprs, c),
                Dir::Output if p.vector => {
                    let bus = names.fresh(&format!("{}_{}", x.name, p.name));
                    buses.insert((xi, pi), (bus.clone(), p.total_width()));
                    bus
                }
                Dir::Output => m.signal(c[0]).name.clone(),
            };
            conns.push(ConnView {
                port: p.name.clone(),
                expr,
            });
        }
        instances.push(InstView {
            module: x.module.name.clone(),
            name: x.name.clone(),
            conns,
        });
    }
    (instances, buses)
}

/// The port list, and the assignments driving the output ports.
fn port_views(m: &Module, exprs: &mut Exprs) -> (Vec<DeclView>, Vec<AssignView>) {
    let mut outputs = Vec::new();
    let mut ports = Vec::with_capacity(m.ports.len());
    for p in &m.ports {
        let ty = if p.vector {
            range(p.total_width())
        } else {
            decl_type(p.elem)
        };
        let kind = match p.dir {
            Dir::Input => "input wire",
            Dir::Output => "output wire",
        };
        if p.dir == Dir::Output {
            outputs.push(AssignView {
                lhs: p.name.clone(),
                rhs: elements(exprs, &p.signals),
                waiver: None,
            });
        }
        // A scalar input port is its own signal; other ports are read whole.
        let signal = (p.dir == Dir::Input && !p.vector && m.signal(p.signals[0]).name == p.name)
            .then_some(p.signals[0]);
        ports.push(DeclView {
            kind,
            ty,
            name: p.name.clone(),
            unread: None,
            signal,
        });
    }
    (ports, outputs)
}

/// The module's body, filled one signal at a time in IR order.
#[derive(Default)]
struct Body {
    decls: Vec<DeclView>,
    inputs: Vec<AssignView>,
    logic: Vec<AssignView>,
    roms: Vec<RomView>,
    regs: Vec<RegView>,
    memories: Vec<MemoryView>,
    block_memories: Vec<BlockMemoryView>,
    block_reads: Vec<BlockReadView>,
    sprams: Vec<SpramView>,
    carries: Vec<CarryView>,
    declared_buses: BTreeSet<String>,
}

impl Body {
    fn declare(&mut self, kind: &'static str, s: &Signal, id: SignalId) {
        self.decls.push(DeclView {
            kind,
            ty: decl_type(s.ty),
            name: s.name.clone(),
            unread: None,
            signal: Some(id),
        });
    }

    /// Declares signal `id` and adds what drives it.
    fn add_signal(
        &mut self,
        m: &Module,
        id: SignalId,
        exprs: &mut Exprs,
        buses: &Buses,
        names: &mut Names,
    ) -> Result<(), GenError> {
        let s = m.signal(id);
        let w = s.ty.width;
        match &s.def {
            &Def::Input { port, elem } => {
                let p = &m.ports[port];
                if p.vector || p.name != s.name {
                    self.declare("wire", s, id);
                    let rhs = select(
                        &p.name,
                        p.total_width(),
                        elem as u64 * u64::from(w),
                        w.into(),
                    );
                    self.inputs.push(AssignView {
                        lhs: s.name.clone(),
                        rhs,
                        waiver: None,
                    });
                }
            }
            &Def::InstOut { inst, port, elem } => match buses.get(&(inst.0 as usize, port)) {
                Some((bus, width)) => {
                    if self.declared_buses.insert(bus.clone()) {
                        self.decls.push(DeclView {
                            kind: "wire",
                            ty: range(*width),
                            name: bus.clone(),
                            unread: None,
                            signal: None,
                        });
                    }
                    self.declare("wire", s, id);
                    let rhs = select(bus, *width, elem as u64 * u64::from(w), w.into());
                    self.logic.push(AssignView {
                        lhs: s.name.clone(),
                        rhs,
                        waiver: None,
                    });
                }
                None => self.declare("wire", s, id),
            },
            Def::Rom { addr, table } => {
                self.declare("reg", s, id);
                let aw = m.signal(*addr).ty.width;
                let entries = table
                    .iter()
                    .enumerate()
                    .map(|(a, &v)| RomEntry {
                        label: format!("{aw}'d{a}"),
                        value: literal(w, v),
                    })
                    .collect();
                let addr = exprs.whole(*addr);
                let (name, count, default) = (s.name.clone(), table.len(), literal(w, 0));
                self.roms.push(RomView {
                    name,
                    addr,
                    entries,
                    count,
                    default,
                });
            }
            &Def::Memory {
                depth,
                data,
                en,
                addr,
            } => {
                let clock = verified_clock(m)?;
                self.memories.push(MemoryView {
                    name: s.name.clone(),
                    ty: decl_type(s.ty),
                    last: depth - 1,
                    clock: exprs.whole(clock),
                    en: exprs.whole(en),
                    addr: exprs.whole(addr),
                    data: exprs.whole(data),
                });
            }
            Def::BlockMemory {
                depth,
                data,
                en,
                addr,
                collision,
                init,
            } => {
                let clock = verified_clock(m)?;
                let init = init
                    .as_ref()
                    .map(|words| initial_words(w, *depth, words))
                    .unwrap_or_default();
                self.block_memories.push(BlockMemoryView {
                    name: s.name.clone(),
                    ty: decl_type(s.ty),
                    last: depth - 1,
                    no_rw_check: *collision == Collision::DontCare,
                    init,
                    clock: exprs.whole(clock),
                    en: exprs.whole(*en),
                    addr: exprs.whole(*addr),
                    data: exprs.whole(*data),
                });
            }
            &Def::BlockRead { mem, addr, en } => {
                self.declare("reg", s, id);
                let clock = verified_clock(m)?;
                self.block_reads.push(BlockReadView {
                    name: s.name.clone(),
                    mem: m.signal(mem).name.clone(),
                    clock: exprs.whole(clock),
                    en: exprs.whole(en),
                    addr: exprs.whole(addr),
                });
            }
            &Def::Spram {
                addr,
                data_in,
                mask_wren,
                wren,
                chip_select,
            } => {
                self.declare("wire", s, id);
                let clock = verified_clock(m)?;
                self.sprams.push(SpramView {
                    name: s.name.clone(),
                    instance: names.fresh(&format!("{}_spram", s.name)),
                    clock: exprs.whole(clock),
                    addr: exprs.whole(addr),
                    data_in: exprs.whole(data_in),
                    mask_wren: exprs.whole(mask_wren),
                    wren: exprs.whole(wren),
                    chip_select: exprs.whole(chip_select),
                });
            }
            &Def::SelectAdd { a, nz, neg, b, cin } => {
                self.declare("wire", s, id);
                self.add_select_add(s, [a, nz, neg, b], cin, exprs, names);
            }
            &Def::Reg { d, en, rst, init } => {
                self.declare("reg", s, id);
                let clock = verified_clock(m)?;
                self.regs.push(RegView {
                    name: s.name.clone(),
                    clock: exprs.whole(clock),
                    d: exprs.whole(d),
                    en: en.map(|e| exprs.whole(e)),
                    rst: rst.map(|r| exprs.whole(r)),
                    init: literal(w, init),
                });
            }
            _ => {
                self.declare("wire", s, id);
                if let Some(rhs) = exprs.op(id) {
                    self.logic.push(AssignView {
                        lhs: s.name.clone(),
                        rhs,
                        waiver: exprs.waiver(id),
                    });
                }
            }
        }
        Ok(())
    }
}

/// The LUT4 INIT of a select-add half with A = b's bit, B = a's bit, C = nz,
/// D = neg: the propagate b XOR ((a XOR neg) AND nz). Its low four bits (C
/// and D at 0) are A, so the half's generate (LUT2 of A, B) is b's bit.
pub(crate) const SELECT_ADD_INIT: u16 = 0x9a6a;

/// The LUT4 INIT of a select-add's carry feed-in half, with A = the carry-in
/// bit and C tied to 1: the LUT4 is 0 (no propagate), and its generate (LUT2
/// of A, B: the low four bits) is A, so the half's carry out is the bit.
pub(crate) const CARRY_FEED_INIT: u16 = 0x000a;

/// What drives one half of a select-add's `CCU2C` chain.
enum Half {
    /// The carry feed-in of the carry-in bit.
    Feed(SignalId),
    /// Result bit `bit`.
    Bit(u32),
    /// A spare half past the last bit.
    Spare,
}

impl Body {
    /// The `CCU2C` chain of select-add `s` (operands `a`, `nz`, `neg`, `b`,
    /// carry in `cin`): with a carry in, a feed-in half first that makes
    /// the bit the chain's carry; then one half per result bit; the
    /// chain's own carry in at 0, a spare last half tied to 0 when the
    /// halves are odd. The halves' sums land on a padded wire `<name>_s`
    /// that drives the signal; the carries on `<name>_co`.
    fn add_select_add(
        &mut self,
        s: &Signal,
        [a, nz, neg, b]: [SignalId; 4],
        cin: Option<SignalId>,
        exprs: &mut Exprs,
        names: &mut Names,
    ) {
        let w = s.ty.width;
        let feed = u32::from(cin.is_some());
        let cells = (w + feed).div_ceil(2);
        let sum = names.fresh(&format!("{}_s", s.name));
        let carry = names.fresh(&format!("{}_co", s.name));
        let (sum_w, carry_w) = (u64::from(2 * cells), u64::from(cells));
        let sum_read = wide_mask(w) << feed;
        let carry_read = wide_mask(cells - 1);
        for (name, width, read) in [(&sum, sum_w, sum_read), (&carry, carry_w, carry_read)] {
            self.decls.push(DeclView {
                kind: "wire",
                ty: range(width),
                name: name.clone(),
                unread: unread_note(read, width as u32, name),
                signal: None,
            });
        }
        self.logic.push(AssignView {
            lhs: s.name.clone(),
            rhs: select(&sum, sum_w, feed.into(), w.into()),
            waiver: None,
        });
        let (nz, neg) = (exprs.whole(nz), exprs.whole(neg));
        let zero = || "1'b0".to_string();
        let mut views = Vec::with_capacity(cells as usize);
        for j in 0..cells {
            let chain_in = if j == 0 {
                zero()
            } else {
                select(&carry, carry_w, u64::from(j - 1), 1)
            };
            let mut pins = vec![ConnView {
                port: "CIN".into(),
                expr: chain_in,
            }];
            let mut inits = [String::new(), String::new()];
            for half in 0..2 {
                let h = 2 * j + half;
                let what = match (h, cin) {
                    (0, Some(c)) => Half::Feed(c),
                    _ if h - feed < w => Half::Bit(h - feed),
                    _ => Half::Spare,
                };
                let (init, ins) = match what {
                    Half::Feed(c) => (
                        CARRY_FEED_INIT,
                        [exprs.whole(c), zero(), "1'b1".to_string(), zero()],
                    ),
                    Half::Bit(bit) => (
                        SELECT_ADD_INIT,
                        [
                            exprs.ext_bit(b, bit),
                            exprs.ext_bit(a, bit),
                            nz.clone(),
                            neg.clone(),
                        ],
                    ),
                    Half::Spare => (0, std::array::from_fn(|_| zero())),
                };
                inits[half as usize] = format!("{init:04x}");
                for (pin, expr) in ["A", "B", "C", "D"].into_iter().zip(ins) {
                    pins.push(ConnView {
                        port: format!("{pin}{half}"),
                        expr,
                    });
                }
            }
            for (half, port) in ["S0", "S1"].into_iter().enumerate() {
                pins.push(ConnView {
                    port: port.into(),
                    expr: select(&sum, sum_w, u64::from(2 * j) + half as u64, 1),
                });
            }
            pins.push(ConnView {
                port: "COUT".into(),
                expr: select(&carry, carry_w, u64::from(j), 1),
            });
            let [init0, init1] = inits;
            views.push(CcuView {
                instance: names.fresh(&format!("{}_ccu{j}", s.name)),
                init0,
                init1,
                pins,
            });
        }
        self.carries.push(CarryView {
            name: s.name.clone(),
            feed: cin.is_some(),
            cells: views,
        });
    }
}

/// Every word of a `width`-bit block memory of `depth` words with initial
/// words `words` (0 past them).
fn initial_words(width: u32, depth: u32, words: &[u64]) -> Vec<InitWord> {
    (0..depth)
        .map(|index| InitWord {
            index,
            value: literal(width, words.get(index as usize).copied().unwrap_or(0)),
        })
        .collect()
}

/// The clock of a verified module that has registers or memories.
fn verified_clock(m: &Module) -> Result<SignalId, GenError> {
    m.clock.ok_or_else(|| {
        GenError::InvalidIr(Box::new(BuildError::Invalid {
            module: m.name.clone(),
            message: "a register or memory needs the module's clock".into(),
        }))
    })
}
