//! Flattening: every signal of every instance becomes one node; port
//! connections become aliases; what is left is a flat netlist over slots.

use std::collections::HashMap;

use crate::ir::{Def, Dir, Module, SignalId, Ty};

use super::SimError;

/// One storage slot of the flat design: what drives it and its full name.
#[derive(Debug, Clone)]
pub(crate) struct FlatSignal {
    /// Hierarchical name, `inst.sub.signal`.
    pub name: String,
    /// Width and signedness.
    pub ty: Ty,
    /// The driver, with operands already translated to slots.
    pub def: Def,
}

/// The whole design as one flat list of slots.
#[derive(Debug, Clone)]
pub(crate) struct Flat {
    /// One entry per slot; operands in `def` are slot numbers (as SignalId).
    pub slots: Vec<FlatSignal>,
    /// Top-level ports: name, direction, element type, one slot per element.
    pub ports: Vec<(String, Dir, Ty, Vec<u32>)>,
}

enum Node {
    /// Resolved to its own slot.
    Slot(u32),
    /// Same value as another node.
    Alias(usize),
}

struct Builder<'a> {
    nodes: Vec<Node>,
    slots: Vec<(String, Ty, &'a Def, Vec<usize>)>,
}

/// Flattens `top`; child clocks must be the parent's clock.
pub(crate) fn flatten(top: &Module) -> Result<Flat, SimError> {
    let mut b = Builder {
        nodes: Vec::new(),
        slots: Vec::new(),
    };
    let top_nodes = visit(&mut b, top, "", None)?;
    let resolve = |mut n: usize, nodes: &[Node]| {
        for _ in 0..=nodes.len() {
            match nodes[n] {
                Node::Slot(s) => return Ok(s),
                Node::Alias(t) => n = t,
            }
        }
        Err(SimError::CombinationalLoop {
            signal: "a port connected straight back to itself".into(),
        })
    };
    let mut slots = Vec::with_capacity(b.slots.len());
    for (name, ty, def, operand_nodes) in &b.slots {
        let resolved = operand_nodes
            .iter()
            .map(|&n| resolve(n, &b.nodes).map(SignalId))
            .collect::<Result<Vec<_>, _>>()?;
        let mut ops = resolved.into_iter();
        let mut next = || ops.next().expect("operand count matches the definition");
        let def = match def {
            Def::Input { port, elem } => Def::Input {
                port: *port,
                elem: *elem,
            },
            Def::Const(v) => Def::Const(*v),
            Def::Unary(op, _) => Def::Unary(*op, next()),
            Def::Binary(op, _, _) => Def::Binary(*op, next(), next()),
            Def::Compare(op, _, _) => Def::Compare(*op, next(), next()),
            Def::Reduce(op, _) => Def::Reduce(*op, next()),
            Def::Shl(_, k) => Def::Shl(next(), *k),
            Def::Shr(_, k) => Def::Shr(next(), *k),
            Def::Slice { lo, .. } => Def::Slice {
                src: next(),
                lo: *lo,
            },
            Def::Concat(parts) => Def::Concat(parts.iter().map(|_| next()).collect()),
            Def::Extend { sign, .. } => Def::Extend {
                src: next(),
                sign: *sign,
            },
            Def::Mux { .. } => Def::Mux {
                sel: next(),
                then: next(),
                otherwise: next(),
            },
            Def::Rom { table, .. } => Def::Rom {
                addr: next(),
                table: table.clone(),
            },
            Def::Reg { en, rst, init, .. } => {
                let d = next();
                let en = en.map(|_| next());
                let rst = rst.map(|_| next());
                Def::Reg {
                    d,
                    en,
                    rst,
                    init: *init,
                }
            }
            Def::InstOut { .. } => unreachable!("instance outputs are aliases"),
        };
        slots.push(FlatSignal {
            name: name.clone(),
            ty: *ty,
            def,
        });
    }
    let ports = top
        .ports
        .iter()
        .map(|p| {
            let slots = p
                .signals
                .iter()
                .map(|s| resolve(top_nodes[s.0 as usize], &b.nodes))
                .collect::<Result<_, _>>()?;
            Ok((p.name.clone(), p.dir, p.elem, slots))
        })
        .collect::<Result<_, SimError>>()?;
    Ok(Flat { slots, ports })
}

/// Adds the nodes of one module instance; `inputs` gives, per signal of the
/// module that is an input-port element, the parent's node it aliases.
/// Returns the node of every signal of the module.
fn visit<'a>(
    b: &mut Builder<'a>,
    m: &'a Module,
    prefix: &str,
    inputs: Option<&HashMap<SignalId, usize>>,
) -> Result<Vec<usize>, SimError> {
    let base = b.nodes.len();
    // First give every signal a node so operands can refer forward (registers).
    for (i, s) in m.signals.iter().enumerate() {
        let id = SignalId(i as u32);
        let node = match (&s.def, inputs) {
            (Def::Input { .. }, Some(map)) => Node::Alias(map[&id]),
            (Def::InstOut { .. }, _) => Node::Alias(usize::MAX),
            _ => {
                let slot = b.slots.len() as u32;
                b.slots
                    .push((format!("{prefix}{}", s.name), s.ty, &s.def, Vec::new()));
                Node::Slot(slot)
            }
        };
        b.nodes.push(node);
    }
    let node_of = |s: SignalId| base + s.0 as usize;
    for (i, s) in m.signals.iter().enumerate() {
        let Node::Slot(slot) = b.nodes[base + i] else {
            continue;
        };
        let operands: Vec<usize> = match &s.def {
            Def::Input { .. } | Def::Const(_) | Def::InstOut { .. } => vec![],
            Def::Unary(_, a) | Def::Reduce(_, a) | Def::Shl(a, _) | Def::Shr(a, _) => {
                vec![node_of(*a)]
            }
            Def::Slice { src, .. } | Def::Extend { src, .. } => vec![node_of(*src)],
            Def::Binary(_, a, c) | Def::Compare(_, a, c) => vec![node_of(*a), node_of(*c)],
            Def::Concat(parts) => parts.iter().map(|p| node_of(*p)).collect(),
            Def::Mux {
                sel,
                then,
                otherwise,
            } => vec![node_of(*sel), node_of(*then), node_of(*otherwise)],
            Def::Rom { addr, .. } => vec![node_of(*addr)],
            Def::Reg { d, en, rst, .. } => {
                let mut v = vec![node_of(*d)];
                v.extend(en.map(node_of));
                v.extend(rst.map(node_of));
                v
            }
        };
        b.slots[slot as usize].3 = operands;
    }
    for inst in &m.instances {
        let child = &inst.module;
        let mut map = HashMap::new();
        for (pi, port) in child.ports.iter().enumerate() {
            if port.dir != Dir::Input {
                continue;
            }
            let conn = &inst.connections[pi];
            if port.name == "clk"
                && Some(port.signals[0]) == child.clock
                && Some(conn[0]) != m.clock
            {
                return Err(SimError::DerivedClock {
                    instance: format!("{prefix}{}", inst.name),
                });
            }
            for (e, &csig) in port.signals.iter().enumerate() {
                map.insert(csig, node_of(conn[e]));
            }
        }
        let child_nodes = visit(b, child, &format!("{prefix}{}.", inst.name), Some(&map))?;
        for (pi, port) in child.ports.iter().enumerate() {
            if port.dir != Dir::Output {
                continue;
            }
            for (e, &drv) in port.signals.iter().enumerate() {
                let parent_sig = inst.connections[pi][e];
                b.nodes[node_of(parent_sig)] = Node::Alias(child_nodes[drv.0 as usize]);
            }
        }
    }
    Ok((base..base + m.signals.len()).collect())
}
