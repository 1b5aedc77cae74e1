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
