//! The host's side: a client that checks the board's engine, loads weights
//! and runs vectors, retrying damaged or lost frames by the sequence rule.

mod exchange;
mod layer;

use std::collections::VecDeque;
use std::time::Duration;

use crate::HostError;
use crate::decoder::Decoder;
use crate::frame::MAX_PAYLOAD;
use crate::packing::WeightPacking;
use crate::protocol::{Command, EngineInfo, PROTOCOL_VERSION, Status};
use crate::stats::LinkStats;
use crate::transport::Transport;

pub use exchange::Reply;

/// How patient the host is and how big its frames are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostConfig {
    /// How long each try waits for a reply.
    pub timeout: Duration,
    /// Tries of one command before giving up (at least 1).
    pub tries: u32,
    /// The largest payload the host sends or asks for (capped by the board's).
    pub payload_limit: usize,
    /// The pause after a BUSY reply before asking again.
    pub busy_pause: Duration,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            timeout: Duration::from_secs(2),
            tries: 5,
            payload_limit: MAX_PAYLOAD,
            busy_pause: Duration::from_millis(1),
        }
    }
}

/// The layer the caller has weights for, to check the board's engine against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerSpec {
    /// Input features, K.
    pub k: u32,
    /// Output features, N.
    pub n: u32,
    /// The weights' packing.
    pub packing: WeightPacking,
    /// Activation bits, if the caller needs a given A.
    pub act_bits: Option<u8>,
    /// The expected engine's metadata hash ([`crate::metadata_hash`]), if known.
    pub metadata_hash: Option<u32>,
}

/// A client of one board over one link.
#[derive(Debug)]
pub struct Host<T> {
    link: T,
    config: HostConfig,
    seq: u8,
    decoder: Decoder,
    pending: VecDeque<u8>,
    stats: LinkStats,
    info: Option<EngineInfo>,
}

impl<T: Transport> Host<T> {
    /// A client over `link`; nothing is sent until the first command.
    pub fn new(link: T, config: HostConfig) -> Self {
        Host {
            link,
            config,
            seq: 0,
            decoder: Decoder::new(),
            pending: VecDeque::new(),
            stats: LinkStats::default(),
            info: None,
        }
    }

    /// The traffic so far.
    pub fn stats(&self) -> &LinkStats {
        &self.stats
    }

    /// The engine record of the last HELLO.
    pub fn info(&self) -> Option<&EngineInfo> {
        self.info.as_ref()
    }

    /// The link.
    pub fn link(&self) -> &T {
        &self.link
    }

    /// The link, giving the client up.
    pub fn into_link(self) -> T {
        self.link
    }

    /// Asks for the board's engine record and checks its protocol version.
    pub fn hello(&mut self) -> Result<EngineInfo, HostError> {
        let payload = self.expect_data(Command::Hello, &[])?;
        let info = EngineInfo::decode(&payload)?;
        if info.version != PROTOCOL_VERSION {
            return Err(HostError::Version {
                board: info.version,
                host: PROTOCOL_VERSION,
            });
        }
        self.info = Some(info.clone());
        Ok(info)
    }

    /// HELLO, then checks that the board's engine is the layer `spec` describes.
    pub fn hello_expecting(&mut self, spec: &LayerSpec) -> Result<EngineInfo, HostError> {
        let info = self.hello()?;
        let acts_ok = spec.act_bits.is_none_or(|a| a == info.act_bits);
        if info.k != spec.k || info.n != spec.n || info.packing != spec.packing || !acts_ok {
            let describe = |n: u32, k: u32, p: WeightPacking, a: Option<u8>| match a {
                Some(a) => format!("{n}×{k} {p}, int{a} activations"),
                None => format!("{n}×{k} {p}"),
            };
            return Err(HostError::EngineMismatch {
                board: describe(
                    info.n,
                    info.k,
                    info.packing,
                    spec.act_bits.map(|_| info.act_bits),
                ),
                weights: describe(spec.n, spec.k, spec.packing, spec.act_bits),
            });
        }
        if let Some(expected) = spec.metadata_hash {
            if expected != info.metadata_hash {
                return Err(HostError::MetadataMismatch {
                    board: info.metadata_hash,
                    expected,
                });
            }
        }
        Ok(info)
    }

    /// Resets the engine: weights and the current batch are gone, counters stay.
    pub fn reset(&mut self) -> Result<(), HostError> {
        self.expect_ack(Command::Reset, &[]).map(|_| ())
    }

    /// The board's state and counters.
    pub fn status(&mut self) -> Result<Status, HostError> {
        let payload = self.expect_data(Command::Status, &[])?;
        Status::decode(&payload).ok_or_else(|| HostError::Protocol {
            port: self.link.name().to_string(),
            command: Command::Status.name().into(),
            what: format!("a status record of {} bytes", payload.len()),
        })
    }
}
