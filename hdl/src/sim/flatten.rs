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

/// Flattens `top`, a verified module (every child's clock is its parent's).
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
        let mut next = resolved.into_iter();
        let def = def.map_operands(|s| next.next().unwrap_or(s));
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
        let operands: Vec<usize> = s.def.operands().into_iter().map(node_of).collect();
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
