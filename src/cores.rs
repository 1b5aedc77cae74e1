//! Turning resolved flags into a core's validated parameters, and a core
//! into what the commands need: its module, metadata and header.

use anyhow::{Result, bail};
use lutforge_gen::{CONTRACT_VERSION, CoreMetadata, Header, LUTFORGE_VERSION, port_info};
use lutforge_hdl::datapath::mac::{self, DEFAULT_STAGE_LEVELS, MacGemvParams};
use lutforge_hdl::datapath::{CommonParams, GeneratedCore, WeightFormat};

use lutforge_hdl::datapath::lut::{self, LutGemmParams, TableStorage};
use lutforge_hdl::datapath::ternary::{self, Negation, TernaryGemvParams, WeightPacking};
use lutforge_hdl::datapath::tree::TreeShape;
use lutforge_testbench::packing::WeightPacking as GoldenPacking;
use lutforge_testbench::verify::{Plan, spec_for};

use crate::args::{
    CoreArgs, CoreKind, NegationArg, PackingArg, TableStorageArg, TreeArg, WFormatArg, to_u32,
    to_usize,
};

/// A core kind with its validated parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreSpec {
    /// `mac-gemv`.
    MacGemv(MacGemvParams),
    /// `ternary-gemv`.
    TernaryGemv(TernaryGemvParams),
    /// `lut-gemm`.
    LutGemm(LutGemmParams),
}

impl CoreSpec {
    /// Applies defaults to the flags and validates them for `kind`.
    pub fn resolve(kind: CoreKind, args: &CoreArgs) -> Result<CoreSpec> {
        let a = args.merged()?;
        if let Some(file_kind) = a.core
            && file_kind != kind
        {
            bail!(
                "config `{}` is for {}, not {}; use `lutforge … {}` or another config",
                a.config
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                file_kind.name(),
                kind.name(),
                file_kind.name()
            );
        }
        let default_format = match kind {
            CoreKind::MacGemv | CoreKind::LutGemm => WFormatArg::Int,
            CoreKind::TernaryGemv => WFormatArg::Ternary,
        };
        let w_format = match a.w_format.unwrap_or(default_format) {
            WFormatArg::Ternary => WeightFormat::Ternary,
            WFormatArg::Binary => WeightFormat::Binary,
            WFormatArg::Int => WeightFormat::Int,
        };
        let default_w_bits = match w_format {
            WeightFormat::Ternary => 2,
            WeightFormat::Binary => 1,
            WeightFormat::Int => 4,
        };
        let common = CommonParams {
            name: a
                .name
                .clone()
                .unwrap_or_else(|| kind.name().replace('-', "_")),
            m: to_usize("m", a.m.unwrap_or(1))?,
            n: to_usize("n", a.n.unwrap_or(4))?,
            k: to_usize("k", a.k.unwrap_or(16))?,
            act_bits: to_u32("act-bits", a.act_bits.unwrap_or(8))?,
            w_format,
            w_bits: to_u32("w-bits", a.w_bits.unwrap_or(default_w_bits))?,
            max_beats: a.max_beats.unwrap_or(8),
        };
        let stage_levels = to_u32(
            "stage-levels",
            a.stage_levels.unwrap_or(DEFAULT_STAGE_LEVELS as u64),
        )?;
        let ternary_flags = [
            ("--negation", a.negation.is_some()),
            ("--tree", a.tree.is_some()),
            ("--w-packing", a.w_packing.is_some()),
        ];
        let lut_flags = [
            ("--group", a.group.is_some()),
            ("--pad-k", a.pad_k.is_some()),
            ("--bit-serial", a.bit_serial.is_some()),
            ("--table-storage", a.table_storage.is_some()),
        ];
        for (owner, flags) in [
            ("ternary-gemv", &ternary_flags[..]),
            ("lut-gemm", &lut_flags[..]),
        ] {
            if owner == kind.name() {
                continue;
            }
            if let Some((flag, _)) = flags.iter().find(|(_, given)| *given) {
                bail!(
                    "{flag} does not apply to {}; it is a {owner} option",
                    kind.name()
                );
            }
        }
        let spec = match kind {
            CoreKind::LutGemm => CoreSpec::LutGemm(LutGemmParams {
                common,
                group: to_u32("group", a.group.unwrap_or(lut::DEFAULT_GROUP as u64))?,
                pad_k: a.pad_k.unwrap_or(false),
                bit_serial: a.bit_serial.unwrap_or(false),
                table_storage: match a.table_storage.unwrap_or(TableStorageArg::Registers) {
                    TableStorageArg::Registers => TableStorage::Registers,
                    TableStorageArg::Lutram => TableStorage::Lutram,
                },
                stage_levels,
            }),
            CoreKind::MacGemv => CoreSpec::MacGemv(MacGemvParams {
                common,
                stage_levels,
            }),
            CoreKind::TernaryGemv => CoreSpec::TernaryGemv(TernaryGemvParams {
                common,
                stage_levels,
                negation: match a.negation.unwrap_or(NegationArg::Nneg) {
                    NegationArg::Nneg => Negation::Nneg,
                    NegationArg::Negate => Negation::Negate,
                },
                tree: match a.tree.unwrap_or(TreeArg::Add2) {
                    TreeArg::Add2 => TreeShape::Add2,
                    TreeArg::Add3 => TreeShape::Add3,
                },
                w_packing: match a.w_packing.unwrap_or(PackingArg::Codes) {
                    PackingArg::Codes => WeightPacking::Codes,
                    PackingArg::Base3 => WeightPacking::Base3,
                    PackingArg::I2s => WeightPacking::I2s,
                },
            }),
        };
        spec.validate()?;
        Ok(spec)
    }

    fn validate(&self) -> Result<()> {
        match self {
            CoreSpec::MacGemv(p) => p.validate()?,
            CoreSpec::TernaryGemv(p) => p.validate()?,
            CoreSpec::LutGemm(p) => p.validate()?,
        }
        Ok(())
    }

    /// The core kind.
    pub fn kind(&self) -> CoreKind {
        match self {
            CoreSpec::MacGemv(_) => CoreKind::MacGemv,
            CoreSpec::TernaryGemv(_) => CoreKind::TernaryGemv,
            CoreSpec::LutGemm(_) => CoreKind::LutGemm,
        }
    }

    /// The shared parameters.
    pub fn common(&self) -> &CommonParams {
        match self {
            CoreSpec::MacGemv(p) => &p.common,
            CoreSpec::TernaryGemv(p) => &p.common,
            CoreSpec::LutGemm(p) => &p.common,
        }
    }

    /// Builds the core's IR.
    pub fn generate(&self) -> Result<GeneratedCore> {
        Ok(match self {
            CoreSpec::MacGemv(p) => mac::generate(p)?,
            CoreSpec::TernaryGemv(p) => ternary::generate(p)?,
            CoreSpec::LutGemm(p) => lut::generate(p)?,
        })
    }

    /// Every parameter as (flag name, value), in a fixed order.
    pub fn flags(&self) -> Vec<(String, String)> {
        let c = self.common();
        let mut v = vec![
            ("name".to_string(), c.name.clone()),
            ("m".into(), c.m.to_string()),
            ("n".into(), c.n.to_string()),
            ("k".into(), c.k.to_string()),
            ("act-bits".into(), c.act_bits.to_string()),
            ("w-format".into(), c.w_format.name().into()),
            ("w-bits".into(), c.w_bits.to_string()),
            ("max-beats".into(), c.max_beats.to_string()),
        ];
        match self {
            CoreSpec::MacGemv(p) => v.push(("stage-levels".into(), p.stage_levels.to_string())),
            CoreSpec::TernaryGemv(p) => v.extend([
                ("stage-levels".into(), p.stage_levels.to_string()),
                ("negation".into(), p.negation.name().into()),
                ("tree".into(), p.tree.name().into()),
                ("w-packing".into(), p.w_packing.name().into()),
            ]),
            CoreSpec::LutGemm(p) => v.extend([
                ("stage-levels".into(), p.stage_levels.to_string()),
                ("group".into(), p.group.to_string()),
                ("pad-k".into(), p.pad_k.to_string()),
                ("bit-serial".into(), p.bit_serial.to_string()),
                ("table-storage".into(), p.table_storage.as_str().into()),
            ]),
        }
        v
    }

    /// The command that regenerates this core, flag by flag.
    pub fn command_line(&self) -> String {
        let flags: Vec<String> = self
            .flags()
            .iter()
            .map(|(k, v)| format!("--{k} {v}"))
            .collect();
        format!("lutforge gen {} {}", self.kind().name(), flags.join(" "))
    }

    /// The Verilog file header.
    pub fn header(&self) -> Header {
        Header {
            command: self.command_line(),
            params: self.flags(),
        }
    }

    /// NAME.json for the generated core.
    pub fn metadata(&self, core: &GeneratedCore) -> CoreMetadata {
        let params = serde_json::Value::Object(
            self.flags()
                .into_iter()
                .map(|(k, v)| (k.replace('-', "_"), param_value(&v)))
                .collect(),
        );
        let mut extra = serde_json::Map::new();
        extra.insert(
            "macs_per_cycle".into(),
            serde_json::json!(core.macs_per_cycle),
        );
        extra.insert("command".into(), serde_json::json!(self.command_line()));
        if let CoreSpec::LutGemm(p) = self {
            let planes = p.plane_format().planes();
            let hold = p.beat_hold();
            extra.insert(
                "lut".into(),
                serde_json::json!({
                    "k_padded": p.k_padded(),
                    "planes": planes,
                    "cycles_per_beat": hold.period,
                    "table_storage": p.table_storage.as_str(),
                    "table_write_cycles": hold.first_issue,
                    "table_module": p.table_module_name(),
                    "tables": p.common.m * p.k_padded() / p.group as usize,
                    "table_entries": p.table_entries(),
                    "index_fold": "online: top index bit = sign, other bits XOR its inverse",
                }),
            );
        }
        CoreMetadata {
            top: core.module.name.clone(),
            kind: core.kind.into(),
            params,
            acc_bits: core.acc_bits,
            latency: core.latency,
            throughput: core.throughput,
            ports: port_info(&core.module),
            lutforge_version: LUTFORGE_VERSION.into(),
            contract_version: CONTRACT_VERSION,
            extra,
        }
    }

    /// The verification plan for this core: every stimulus under every
    /// traffic pattern, with the core's weight encoding.
    pub fn plan(&self, streams: usize, runs: usize, seed: u64) -> Plan {
        Plan::full(spec_for(self.common()), streams, runs, seed).packed(self.golden_packing())
    }

    /// How the golden model reads this core's `in_w` (its own codecs, not `hdl`'s).
    pub fn golden_packing(&self) -> GoldenPacking {
        match self {
            CoreSpec::MacGemv(_) | CoreSpec::LutGemm(_) => GoldenPacking::Codes,
            CoreSpec::TernaryGemv(p) => match p.w_packing {
                WeightPacking::Codes => GoldenPacking::Codes,
                WeightPacking::Base3 => GoldenPacking::Base3,
                WeightPacking::I2s => GoldenPacking::I2s,
            },
        }
    }

    /// A one-line description: kind, name and shape.
    pub fn describe(&self, core: &GeneratedCore) -> String {
        let c = self.common();
        let base = format!(
            "{} `{}`: M={} N={} K={} A={} W={}{} max_beats={} → ACC={} bits, latency {} cycles, {} MACs/cycle",
            self.kind().name(),
            c.name,
            c.m,
            c.n,
            c.k,
            c.act_bits,
            c.w_format.name(),
            c.w_bits,
            c.max_beats,
            core.acc_bits,
            core.latency,
            core.macs_per_cycle
        );
        match self {
            CoreSpec::LutGemm(p) => {
                let mut extra = format!(", g={}", p.group);
                let hold = p.beat_hold();
                if p.table_storage == TableStorage::Lutram {
                    extra.push_str(&format!(
                        ", tables in LUT RAM: {} write cycles",
                        hold.first_issue
                    ));
                }
                if p.is_serial() {
                    extra.push_str(&format!(
                        ", bit-serial: {} planes",
                        p.plane_format().planes()
                    ));
                }
                if hold.period > 1 {
                    extra.push_str(&format!(", a beat every {} cycles", hold.period));
                }
                if p.k_padded() != c.k {
                    extra.push_str(&format!(
                        ", K padded to {} with zero activations",
                        p.k_padded()
                    ));
                }
                base + &extra
            }
            _ => base,
        }
    }
}

fn param_value(v: &str) -> serde_json::Value {
    if let Ok(b) = v.parse::<bool>() {
        return serde_json::Value::from(b);
    }
    v.parse::<u64>()
        .map(serde_json::Value::from)
        .unwrap_or_else(|_| serde_json::Value::from(v))
}
