//! The contexts the Verilog templates are rendered with: every name and
//! expression already written, only layout left to the templates.

use lutforge_hdl::ir::SignalId;
use serde::Serialize;

/// Context of `verilog_file.v.tera`.
#[derive(Serialize)]
pub(crate) struct FileView {
    pub(crate) version: &'static str,
    pub(crate) command: String,
    pub(crate) params: Vec<ParamView>,
    pub(crate) modules: Vec<ModuleView>,
    /// True when a module has an SPRAM: the file carries the SPRAM's
    /// behavioural model for Icarus and Verilator.
    pub(crate) spram_model: bool,
}

/// One `//   key = value` header line.
#[derive(Serialize)]
pub(crate) struct ParamView {
    pub(crate) key: String,
    pub(crate) value: String,
}

/// Context of `module.v.tera`: one module.
#[derive(Serialize)]
pub(crate) struct ModuleView {
    pub(crate) name: String,
    pub(crate) is_top: bool,
    pub(crate) ports: Vec<DeclView>,
    pub(crate) decls: Vec<DeclView>,
    pub(crate) assign_groups: Vec<AssignGroup>,
    pub(crate) roms: Vec<RomView>,
    pub(crate) regs: Vec<RegView>,
    pub(crate) memories: Vec<MemoryView>,
    pub(crate) block_memories: Vec<BlockMemoryView>,
    pub(crate) block_reads: Vec<BlockReadView>,
    pub(crate) sprams: Vec<SpramView>,
    pub(crate) carries: Vec<CarryView>,
    pub(crate) instances: Vec<InstView>,
}

/// A port or a declared signal; `unread` says which bits nothing reads.
#[derive(Serialize)]
pub(crate) struct DeclView {
    /// `input wire`, `output wire`, `wire` or `reg`.
    pub(crate) kind: &'static str,
    /// `signed [7:0] ` and the like (see `expr::decl_type`).
    pub(crate) ty: String,
    pub(crate) name: String,
    pub(crate) unread: Option<String>,
    /// The signal whose reads decide `unread`, if any.
    #[serde(skip)]
    pub(crate) signal: Option<SignalId>,
}

/// A titled run of continuous assignments.
#[derive(Serialize)]
pub(crate) struct AssignGroup {
    pub(crate) title: &'static str,
    pub(crate) assigns: Vec<AssignView>,
}

/// `assign lhs = rhs;`
#[derive(Serialize)]
pub(crate) struct AssignView {
    pub(crate) lhs: String,
    pub(crate) rhs: String,
    /// A Verilator warning deliberately waived around this assign, with why.
    pub(crate) waiver: Option<Waiver>,
}

/// A targeted Verilator lint waiver and the reason for it.
#[derive(Serialize, Clone)]
pub(crate) struct Waiver {
    pub(crate) rule: &'static str,
    pub(crate) why: &'static str,
}

/// A combinational ROM: one `label: name = value;` line per entry, then 0.
#[derive(Serialize)]
pub(crate) struct RomView {
    pub(crate) name: String,
    pub(crate) addr: String,
    pub(crate) entries: Vec<RomEntry>,
    pub(crate) count: usize,
    pub(crate) default: String,
}

/// One entry of a ROM.
#[derive(Serialize)]
pub(crate) struct RomEntry {
    pub(crate) label: String,
    pub(crate) value: String,
}

/// A register: `if (rst) name <= init; else if (en) name <= d;`.
#[derive(Serialize)]
pub(crate) struct RegView {
    pub(crate) name: String,
    pub(crate) clock: String,
    pub(crate) d: String,
    pub(crate) en: Option<String>,
    pub(crate) rst: Option<String>,
    pub(crate) init: String,
}

/// A memory: `reg ty name [0:last];` and its write port,
/// `if (en) name[addr] <= data;`.
#[derive(Serialize)]
pub(crate) struct MemoryView {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) last: u32,
    pub(crate) clock: String,
    pub(crate) en: String,
    pub(crate) addr: String,
    pub(crate) data: String,
}

/// A block memory: `reg ty name [0:last];` (with `(* no_rw_check *)` when
/// collisions are don't-care), its initial words, and its write port,
/// `if (en) name[addr] <= data;`.
#[derive(Serialize)]
pub(crate) struct BlockMemoryView {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) last: u32,
    pub(crate) no_rw_check: bool,
    /// One `name[index] = value;` per word when it has initial contents.
    pub(crate) init: Vec<InitWord>,
    pub(crate) clock: String,
    pub(crate) en: String,
    pub(crate) addr: String,
    pub(crate) data: String,
}

/// One initial word of a block memory.
#[derive(Serialize)]
pub(crate) struct InitWord {
    pub(crate) index: u32,
    pub(crate) value: String,
}

/// A block memory read port: `if (en) name <= mem[addr];`.
#[derive(Serialize)]
pub(crate) struct BlockReadView {
    pub(crate) name: String,
    pub(crate) mem: String,
    pub(crate) clock: String,
    pub(crate) en: String,
    pub(crate) addr: String,
}

/// An SPRAM: an `SB_SPRAM256KA` instance (its behavioural model outside
/// synthesis) driving `name`.
#[derive(Serialize)]
pub(crate) struct SpramView {
    pub(crate) name: String,
    pub(crate) instance: String,
    pub(crate) clock: String,
    pub(crate) addr: String,
    pub(crate) data_in: String,
    pub(crate) mask_wren: String,
    pub(crate) wren: String,
    pub(crate) chip_select: String,
}

/// A select-add ([`lutforge_hdl::ir::Def::SelectAdd`]): a chain of ECP5
/// `CCU2C` cells driving `name`.
#[derive(Serialize)]
pub(crate) struct CarryView {
    pub(crate) name: String,
    /// The chain starts with a feed-in half for its carry-in bit.
    pub(crate) feed: bool,
    pub(crate) cells: Vec<CcuView>,
}

/// One `CCU2C` cell: its instance name, the INIT of each half's LUT4 (four
/// hex digits) and its pin connections.
#[derive(Serialize)]
pub(crate) struct CcuView {
    pub(crate) instance: String,
    pub(crate) init0: String,
    pub(crate) init1: String,
    pub(crate) pins: Vec<ConnView>,
}

/// An instance with named port connections.
#[derive(Serialize)]
pub(crate) struct InstView {
    pub(crate) module: String,
    pub(crate) name: String,
    pub(crate) conns: Vec<ConnView>,
}

/// `.port(expr)`
#[derive(Serialize)]
pub(crate) struct ConnView {
    pub(crate) port: String,
    pub(crate) expr: String,
}
