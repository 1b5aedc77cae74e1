//! One command and its reply: sent, retried with the same sequence number
//! on damage or silence, and matched to its reply by that number.

use std::time::Instant;

use super::Host;
use crate::HostError;
use crate::decoder::Decoded;
use crate::frame::{Frame, encode};
use crate::protocol::{ACK, Command, DATA, ERROR, ErrorCode, ErrorReply};
use crate::transport::Transport;

/// The board's answer to one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// ACK and its payload.
    Ack(Vec<u8>),
    /// DATA and its payload.
    Data(Vec<u8>),
    /// An ERROR other than the retried ones (damage, busy).
    Error(ErrorReply),
}

/// What one try heard.
enum Heard {
    Frame(Frame),
    Damaged,
    Silent,
}

impl<T: Transport> Host<T> {
    /// Sends one command (any kind byte) and returns the board's reply,
    /// retrying damaged frames and silences up to the configured tries and
    /// waiting out BUSY.
    pub fn request(&mut self, kind: u8, payload: &[u8]) -> Result<Reply, HostError> {
        self.seq = self.seq.wrapping_add(1);
        let seq = self.seq;
        let bytes = encode(kind, seq, payload)?;
        let name = || {
            Command::from_kind(kind)
                .map_or_else(|| format!("command {kind:#04x}"), |c| c.name().into())
        };
        self.stats.commands += 1;
        let (mut damaged, mut refused, mut silent, mut heard_any) = (0u32, 0u32, 0u32, false);
        let mut busy_since: Option<Instant> = None;
        let mut tries = 0u32;
        while tries < self.config.tries.max(1) {
            if tries > 0 {
                self.stats.retries += 1;
            }
            tries += 1;
            self.decoder.abandon();
            self.link.write_all(&bytes)?;
            self.stats.frames_sent += 1;
            self.stats.bytes_sent += bytes.len() as u64;
            let (heard, any) = self.await_reply(seq)?;
            heard_any |= any;
            let frame = match heard {
                Heard::Frame(f) => f,
                Heard::Damaged => {
                    damaged += 1;
                    self.stats.damaged_replies += 1;
                    continue;
                }
                Heard::Silent => {
                    silent += 1;
                    self.stats.timeouts += 1;
                    continue;
                }
            };
            match frame.kind {
                ACK => return Ok(Reply::Ack(frame.payload)),
                DATA => return Ok(Reply::Data(frame.payload)),
                ERROR => {}
                other => {
                    return Err(self.protocol(name(), format!("a frame of kind {other:#04x}")));
                }
            }
            let Some(error) = ErrorReply::decode(&frame.payload) else {
                return Err(
                    self.protocol(name(), format!("an ERROR of {} bytes", frame.payload.len()))
                );
            };
            match error.code {
                ErrorCode::BadCrc | ErrorCode::TooLong => {
                    refused += 1;
                    self.stats.refused_damaged += 1;
                }
                ErrorCode::Busy => {
                    self.stats.busy += 1;
                    let since = *busy_since.get_or_insert_with(Instant::now);
                    if since.elapsed() > self.config.timeout {
                        return Err(HostError::StayedBusy {
                            port: self.link.name().into(),
                            command: name(),
                            after: since.elapsed(),
                        });
                    }
                    std::thread::sleep(self.config.busy_pause);
                    tries -= 1;
                }
                _ => return Ok(Reply::Error(error)),
            }
        }
        if !heard_any {
            return Err(HostError::NoAnswer {
                port: self.link.name().into(),
                timeout: self.config.timeout,
            });
        }
        Err(HostError::TooNoisy {
            port: self.link.name().into(),
            command: name(),
            tries,
            damaged,
            refused,
            silent,
        })
    }

    /// Reads until a reply to `seq` (or a damage report from the board)
    /// arrives, a damaged frame shows, or the timeout passes; also says
    /// whether any byte came at all.
    fn await_reply(&mut self, seq: u8) -> Result<(Heard, bool), HostError> {
        let start = Instant::now();
        let deadline = start + self.config.timeout;
        let mut any = false;
        let mut buf = [0u8; 512];
        let heard = 'wait: loop {
            while let Some(byte) = self.pending.pop_front() {
                match self.decoder.push(byte) {
                    None => {}
                    Some(Decoded::Frame(f)) => {
                        self.stats.frames_received += 1;
                        if f.seq == seq && matches!(f.kind, ACK | DATA | ERROR) {
                            break 'wait Heard::Frame(f);
                        }
                        if f.kind == ERROR && is_damage_report(&f.payload) {
                            break 'wait Heard::Frame(f);
                        }
                        self.stats.stale_replies += 1;
                    }
                    Some(Decoded::BadCrc { .. } | Decoded::TooLong { .. }) => {
                        break 'wait Heard::Damaged;
                    }
                }
            }
            let n = self.link.read(&mut buf, deadline)?;
            if n == 0 {
                break if self.decoder.in_frame() {
                    Heard::Damaged
                } else {
                    Heard::Silent
                };
            }
            any = true;
            self.stats.bytes_received += n as u64;
            self.pending.extend(&buf[..n]);
        };
        self.stats.waiting += start.elapsed();
        Ok((heard, any))
    }

    /// An ACK's payload, or the board's refusal as an error.
    pub(crate) fn expect_ack(
        &mut self,
        command: Command,
        payload: &[u8],
    ) -> Result<Vec<u8>, HostError> {
        match self.request(command.kind(), payload)? {
            Reply::Ack(p) => Ok(p),
            other => Err(self.unexpected(command, other)),
        }
    }

    /// A DATA reply's payload, or the board's refusal as an error.
    pub(crate) fn expect_data(
        &mut self,
        command: Command,
        payload: &[u8],
    ) -> Result<Vec<u8>, HostError> {
        match self.request(command.kind(), payload)? {
            Reply::Data(p) => Ok(p),
            other => Err(self.unexpected(command, other)),
        }
    }

    fn unexpected(&self, command: Command, reply: Reply) -> HostError {
        match reply {
            Reply::Error(reply) => HostError::Refused {
                command: command.name().into(),
                reply,
            },
            Reply::Ack(_) => self.protocol(command.name().into(), "ACK where DATA was due".into()),
            Reply::Data(_) => self.protocol(command.name().into(), "DATA where ACK was due".into()),
        }
    }

    pub(crate) fn protocol(&self, command: String, what: String) -> HostError {
        HostError::Protocol {
            port: self.link.name().into(),
            command,
            what,
        }
    }
}

/// Whether an ERROR payload reports a frame the board saw damaged.
fn is_damage_report(payload: &[u8]) -> bool {
    ErrorReply::decode(payload)
        .is_some_and(|e| matches!(e.code, ErrorCode::BadCrc | ErrorCode::TooLong))
}
