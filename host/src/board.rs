//! The reference model of the board's command processor: the protocol
//! byte by byte over any transport, a weight memory, a batch buffer and a
//! plain integer GEMV in place of the engine.

use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::decoder::{Decoded, Decoder};
use crate::frame::{Frame, MAX_PAYLOAD, encode};
use crate::packing::{WeightWords, unpack};
use crate::protocol::{
    ACK, BoardState, Command, DATA, ERROR, EngineInfo, ErrorCode, ErrorReply, InfoError, Status,
    le16, le32,
};
use crate::transport::{LinkError, Transport};

/// The command processor of a board carrying one linear-layer engine.
#[derive(Debug, Clone)]
pub struct BoardModel {
    info: EngineInfo,
    decoder: Decoder,
    words: Vec<u8>,
    words_held: u32,
    weights: Option<Vec<i64>>,
    acts: Vec<i64>,
    results: Vec<i64>,
    last: Option<(u8, u8, Vec<u8>)>,
    status: Status,
    busy_replies: u32,
}

/// The thread a board model serves a link on; joined, it hands the model back with how serving ended.
pub type BoardThread = JoinHandle<(BoardModel, Result<(), LinkError>)>;

/// A refusal on the way to an ERROR reply.
type Refusal = (ErrorCode, u32);

impl BoardModel {
    /// A board whose engine has these parameters, with no weights loaded.
    pub fn new(info: EngineInfo) -> Result<Self, InfoError> {
        info.check()?;
        Ok(BoardModel {
            info,
            decoder: Decoder::new(),
            words: Vec::new(),
            words_held: 0,
            weights: None,
            acts: Vec::new(),
            results: Vec::new(),
            last: None,
            status: Status {
                state: BoardState::Empty,
                weight_words_held: 0,
                activations_held: 0,
                results_ready: 0,
                vectors_run: 0,
                frames_accepted: 0,
                bad_crc: 0,
                too_long: 0,
                bad_length: 0,
                unknown_command: 0,
                duplicates: 0,
                other_errors: 0,
                abandoned: 0,
            },
            busy_replies: 0,
        })
    }

    /// The engine record HELLO answers with.
    pub fn info(&self) -> &EngineInfo {
        &self.info
    }

    /// The loaded N×K weights (row-major), once a load is complete.
    pub fn weights(&self) -> Option<&[i64]> {
        self.weights.as_deref()
    }

    /// The status record STATUS would answer with now.
    pub fn status(&self) -> Status {
        let state = if self.weights.is_some() {
            BoardState::Ready
        } else if self.words_held > 0 {
            BoardState::Loading
        } else {
            BoardState::Empty
        };
        Status {
            state,
            weight_words_held: self.words_held,
            activations_held: self.acts.len() as u32,
            results_ready: self.results.len() as u32,
            ..self.status
        }
    }

    /// Makes the next `n` READ_RESULTS answer BUSY, as an engine still computing would.
    pub fn set_busy_replies(&mut self, n: u32) {
        self.busy_replies = n;
    }

    /// The line went quiet: a partly received frame is dropped.
    pub fn line_quiet(&mut self) {
        if self.decoder.in_frame() {
            self.decoder.abandon();
            self.status.abandoned += 1;
        }
    }

    /// Takes one byte from the line; returns the reply frame's bytes when it completes a frame.
    pub fn feed(&mut self, byte: u8) -> Option<Vec<u8>> {
        let decoded = self.decoder.push(byte)?;
        Some(match decoded {
            Decoded::BadCrc { kind, seq } => {
                self.status.bad_crc += 1;
                error_frame(seq, kind, (ErrorCode::BadCrc, 0))
            }
            Decoded::TooLong { kind, seq, .. } => {
                self.status.too_long += 1;
                error_frame(seq, kind, (ErrorCode::TooLong, MAX_PAYLOAD as u32))
            }
            Decoded::Frame(frame) => self.answer(frame),
        })
    }

    /// Serves the protocol over `link` until the far end closes it, dropping a
    /// partial frame whenever the line is quiet for `idle`.
    pub fn serve<T: Transport>(&mut self, link: &mut T, idle: Duration) -> Result<(), LinkError> {
        let mut buf = [0u8; 256];
        loop {
            match link.read(&mut buf, Instant::now() + idle) {
                Ok(0) => self.line_quiet(),
                Ok(n) => {
                    for &b in &buf[..n] {
                        if let Some(reply) = self.feed(b) {
                            link.write_all(&reply)?;
                        }
                    }
                }
                Err(LinkError::Closed { .. }) => return Ok(()),
                Err(e) => return Err(e),
            }
        }
    }

    /// Serves `link` on a thread of its own; the thread ends, handing the model back, when the link closes.
    pub fn spawn<T: Transport + Send + 'static>(
        mut self,
        mut link: T,
        idle: Duration,
    ) -> BoardThread {
        std::thread::spawn(move || {
            let r = self.serve(&mut link, idle);
            (self, r)
        })
    }

    /// The reply to an intact frame, replaying the remembered reply for a duplicate.
    fn answer(&mut self, frame: Frame) -> Vec<u8> {
        let hello = frame.kind == Command::Hello.kind();
        if let Some((seq, kind, reply)) = &self.last {
            if !hello && *seq == frame.seq && *kind == frame.kind {
                self.status.duplicates += 1;
                return reply.clone();
            }
        }
        match self.execute(&frame) {
            Ok((kind, payload)) => {
                self.status.frames_accepted += 1;
                let reply = encode(kind, frame.seq, &payload).unwrap_or_default();
                self.last = if hello {
                    None
                } else {
                    Some((frame.seq, frame.kind, reply.clone()))
                };
                reply
            }
            Err(refusal) => {
                match refusal.0 {
                    ErrorCode::BadLength => self.status.bad_length += 1,
                    ErrorCode::UnknownCommand => self.status.unknown_command += 1,
                    _ => self.status.other_errors += 1,
                }
                error_frame(frame.seq, frame.kind, refusal)
            }
        }
    }

    /// Acts on an intact, new command: the reply kind and payload, or a refusal.
    fn execute(&mut self, frame: &Frame) -> Result<(u8, Vec<u8>), Refusal> {
        let p = &frame.payload;
        let Some(command) = Command::from_kind(frame.kind) else {
            return Err((ErrorCode::UnknownCommand, 0));
        };
        let empty = |p: &[u8]| {
            if p.is_empty() {
                Ok(())
            } else {
                Err((ErrorCode::BadLength, 0))
            }
        };
        match command {
            Command::Hello => {
                empty(p)?;
                Ok((DATA, self.info.encode()))
            }
            Command::Reset => {
                empty(p)?;
                self.words.clear();
                self.words_held = 0;
                self.weights = None;
                self.acts.clear();
                self.results.clear();
                Ok((ACK, Vec::new()))
            }
            Command::Status => {
                empty(p)?;
                Ok((DATA, self.status().encode()))
            }
            Command::LoadWeights => self.load_weights(p),
            Command::Vectors => self.vectors(p),
            Command::ReadResults => self.read_results(p),
        }
    }

    fn load_weights(&mut self, p: &[u8]) -> Result<(u8, Vec<u8>), Refusal> {
        let wb = self.info.word_bytes();
        let n = chunk_elements(p, wb)?;
        let offset = le32(p, 0);
        let total = self.info.weight_words;
        if u64::from(offset) + n as u64 > u64::from(total) {
            return Err((ErrorCode::OutOfRange, total));
        }
        if offset == 0 {
            self.words.clear();
            self.words_held = 0;
            self.weights = None;
        }
        if offset > self.words_held {
            return Err((ErrorCode::OutOfOrder, self.words_held));
        }
        let skip = (self.words_held - offset) as usize;
        if skip < n {
            self.words.extend_from_slice(&p[4 + skip * wb..]);
            self.words_held = offset + n as u32;
            if self.words_held == total {
                self.weights = self.decode_weights();
            }
        }
        Ok((ACK, self.words_held.to_le_bytes().to_vec()))
    }

    fn decode_weights(&self) -> Option<Vec<i64>> {
        let words = WeightWords::from_wire(self.info.word_bits.into(), self.words.clone()).ok()?;
        Some(unpack(
            self.info.packing,
            self.info.n as usize,
            self.info.k as usize,
            &words.to_bits(),
        ))
    }

    fn vectors(&mut self, p: &[u8]) -> Result<(u8, Vec<u8>), Refusal> {
        let xb = self.info.act_bytes();
        let n = chunk_elements(p, xb)?;
        if self.weights.is_none() {
            return Err((ErrorCode::NoWeights, 0));
        }
        let offset = le32(p, 0);
        let k = self.info.k as usize;
        let capacity = self.info.batch_vectors() as usize * k;
        if offset as usize + n > capacity {
            return Err((ErrorCode::OutOfRange, capacity as u32));
        }
        if offset == 0 {
            self.acts.clear();
            self.results.clear();
        }
        let held = self.acts.len();
        if offset as usize > held {
            return Err((ErrorCode::OutOfOrder, held as u32));
        }
        let bits = u32::from(self.info.act_bits);
        for i in held - offset as usize..n {
            let raw = p[4 + i * xb..4 + (i + 1) * xb]
                .iter()
                .rev()
                .fold(0u64, |v, &b| (v << 8) | u64::from(b));
            self.acts.push(sign_extend(raw, bits));
            if self.acts.len() % k == 0 {
                self.run_vector();
            }
        }
        Ok((ACK, (self.acts.len() as u32).to_le_bytes().to_vec()))
    }

    /// y = W·x for the batch's last complete vector, kept to ACC bits.
    fn run_vector(&mut self) {
        let k = self.info.k as usize;
        let Some(w) = &self.weights else { return };
        let x = &self.acts[self.acts.len() - k..];
        let acc = u32::from(self.info.acc_bits);
        for row in w.chunks(k) {
            let y = row
                .iter()
                .zip(x)
                .fold(0i64, |s, (&w, &x)| s.wrapping_add(w.wrapping_mul(x)));
            self.results.push(sign_extend(y as u64, acc));
        }
        self.status.vectors_run += 1;
    }

    fn read_results(&mut self, p: &[u8]) -> Result<(u8, Vec<u8>), Refusal> {
        let rb = self.info.result_bytes();
        let most = usize::from(self.info.max_payload) / rb;
        if p.len() != 6 {
            return Err((ErrorCode::BadLength, 6));
        }
        let offset = le32(p, 0) as usize;
        let count = usize::from(le16(p, 4));
        if count == 0 || count > most {
            return Err((ErrorCode::BadLength, most as u32));
        }
        if offset + count > self.results.len() {
            return Err((ErrorCode::OutOfRange, self.results.len() as u32));
        }
        if self.busy_replies > 0 {
            self.busy_replies -= 1;
            return Err((ErrorCode::Busy, 0));
        }
        let mut out = Vec::with_capacity(count * rb);
        for &y in &self.results[offset..offset + count] {
            out.extend_from_slice(&y.to_le_bytes()[..rb]);
        }
        Ok((DATA, out))
    }
}

/// The number of `size`-byte elements after a chunk's 4-byte offset, or BAD_LENGTH.
fn chunk_elements(p: &[u8], size: usize) -> Result<usize, Refusal> {
    if p.len() < 4 + size || (p.len() - 4) % size != 0 {
        return Err((ErrorCode::BadLength, size as u32));
    }
    Ok((p.len() - 4) / size)
}

/// The low `bits` bits of `raw` as a signed number.
fn sign_extend(raw: u64, bits: u32) -> i64 {
    let shift = 64 - bits.clamp(1, 64);
    ((raw << shift) as i64) >> shift
}

/// The bytes of an ERROR reply.
fn error_frame(seq: u8, kind: u8, (code, detail): Refusal) -> Vec<u8> {
    let payload = ErrorReply { code, kind, detail }.encode();
    encode(ERROR, seq, &payload).unwrap_or_default()
}
