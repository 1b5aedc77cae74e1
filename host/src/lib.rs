//! The host side of a lutforge board: the framed protocol of
//! `docs/spec/host-protocol.md`, the byte links that carry it, a reference
//! model of the board's command processor and the client that drives it.
//!
//! What the `lutforge host` command needs:
//!
//! - a link: [`SerialTransport::open`] (port path and baud; one-line errors
//!   for a missing, busy or forbidden port), or [`MemoryTransport::pair`]
//!   with a [`BoardModel`] serving the other end
//!   ([`BoardModel::spawn`]); [`NoisyLine`] around either flips bits at a
//!   given rate in both directions (`--line-errors RATE`);
//! - a [`Host`] over the link with a [`HostConfig`] (per-read timeout,
//!   tries, payload limit): [`Host::hello_expecting`] checks the board's
//!   engine against the [`LayerSpec`] of the weights,
//!   [`Host::load_weights`] sends the [`WeightWords`] made by [`pack`] and
//!   [`WeightWords::from_bits`], [`Host::run`] sends vectors (batched, several
//!   a frame where they fit) and returns y = W·x for each, [`Host::status`]
//!   reads the board's counters;
//! - [`Host::stats`]: bytes each way, frames, retries, time spent waiting,
//!   with [`LinkStats::tokens_per_second`] and [`LinkStats::link_share`] for
//!   the report;
//! - [`link_budget`]: the bytes on the wire for a weight load and a vector,
//!   and the time they take at a baud rate.
//!
//! Every failure is a [`HostError`] or [`LinkError`] whose text is one line
//! that says what to do.
//!
//! ```
//! use std::time::Duration;
//! use lutforge_host::*;
//!
//! let info = EngineInfo {
//!     version: PROTOCOL_VERSION,
//!     k: 10, n: 2, act_bits: 8, acc_bits: 13, word_bits: 8, x_lanes: 2, y_lanes: 1,
//!     packing: WeightPacking::Base3, weight_words: 4, cycles_per_vector: 10,
//!     metadata_hash: metadata_hash(b"{}"), max_payload: 512, result_capacity: 8,
//! };
//! let (host_end, board_end) = MemoryTransport::pair();
//! let _board = BoardModel::new(info.clone())?.spawn(board_end, Duration::from_millis(10));
//! let mut host = Host::new(host_end, HostConfig::default());
//! let spec = LayerSpec { k: 10, n: 2, packing: WeightPacking::Base3, act_bits: Some(8), metadata_hash: None };
//! host.hello_expecting(&spec)?;
//! let w: Vec<i64> = (0..20).map(|i| i % 3 - 1).collect();
//! host.load_weights(&WeightWords::from_bits(&pack(WeightPacking::Base3, 2, 10, &w)?, 8)?)?;
//! let y = host.run(&[vec![1; 10], vec![-2; 10]])?;
//! assert_eq!(y, vec![vec![-1, 0], vec![2, 0]]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod board;
mod budget;
mod client;
mod crc;
mod decoder;
mod error;
mod frame;
mod packing;
mod protocol;
mod stats;
mod transport;

pub use board::{BoardModel, BoardThread};
pub use budget::{LinkBudget, link_budget};
pub use client::{Host, HostConfig, LayerSpec, Reply};
pub use crc::{Crc16, crc16};
pub use decoder::{Decoded, Decoder};
pub use error::HostError;
pub use frame::{CRC_LEN, Frame, HEADER_LEN, MAX_PAYLOAD, OVERHEAD, PayloadTooLong, SYNC, encode};
pub use packing::{BitString, PackError, WeightPacking, WeightWords, pack, unpack, word_bytes};
pub use protocol::{
    ACK, BoardState, Command, DATA, ERROR, ERROR_LEN, EngineInfo, ErrorCode, ErrorReply, INFO_LEN,
    InfoError, PROTOCOL_VERSION, STATUS_LEN, Status, metadata_hash,
};
pub use stats::LinkStats;
pub use transport::{
    LinkError, MemoryTransport, NoisyLine, SerialTransport, SimTransport, Transport,
};
