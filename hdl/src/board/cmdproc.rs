//! The command processor: the host protocol (docs/spec/host-protocol.md)
//! between the UART's bytes and the engine's streams, in four parts that
//! share the registers of [`Regs`]:
//!
//! - the receiver: the frame decoder (hunt … crc-lo), the CRC-16 check,
//!   the payload into the receive buffer (a block RAM), the quiet-line
//!   timeout, and the payload's offset, count and element count on the fly;
//! - the executor: the checks of an intact frame in the model's order,
//!   the duplicate rule, and the walk over a LOAD_WEIGHTS or VECTORS
//!   payload that feeds the engine the elements it does not hold yet;
//! - the collector: the engine's y-words into the result buffer, one
//!   result a clock;
//! - the reply generator: a frame a byte at a time to the UART, its CRC on
//!   the fly, ACK and DATA replies copied into the transmit buffer as they
//!   go so that a duplicate is answered from it byte for byte.
//!
//! The receiver takes no byte while the executor works on a frame or its
//! reply (the host sends one command at a time; a byte it sends meanwhile
//! is lost as on a noisy line, and the host's retry recovers).

use std::sync::Arc;

use crate::ir::{BuildError, CmpOp, Collision, Module, SignalId, Ty};

use super::crc16::{INIT, crc16_step};
use super::net::{Net, bits_for};
use super::params::{MAX_PAYLOAD, Sizes};

/// Receiver states.
const HUNT: u64 = 0;
const KIND: u64 = 1;
const SEQ: u64 = 2;
const LEN_LO: u64 = 3;
const LEN_HI: u64 = 4;
const PAY: u64 = 5;
const CRC_HI: u64 = 6;
const CRC_LO: u64 = 7;

/// Executor states.
const IDLE: u64 = 0;
const DECIDE: u64 = 1;
const FEED_READ: u64 = 2;
const FEED_BYTE: u64 = 3;
const FEED_ELEM: u64 = 4;
const FEED_SEND: u64 = 5;
const REPLY_FETCH: u64 = 6;
const REPLY_OFFER: u64 = 7;

/// Reply payload sources.
const SRC_ACK: u64 = 0;
const SRC_ERROR: u64 = 1;
const SRC_HELLO: u64 = 2;
const SRC_STATUS: u64 = 3;
const SRC_RESULTS: u64 = 4;

/// Command kinds.
const LOAD: u64 = 4;

/// Reply kinds.
const ACK: u64 = 0x81;
const DATA: u64 = 0x82;
const ERROR: u64 = 0x83;

/// Error codes.
const BAD_CRC: u64 = 1;
const TOO_LONG: u64 = 2;
const BAD_LENGTH: u64 = 3;
const UNKNOWN: u64 = 4;
const BUSY: u64 = 5;
const OUT_OF_ORDER: u64 = 6;
const NO_WEIGHTS: u64 = 7;
const OUT_OF_RANGE: u64 = 8;

/// The counters of the STATUS record after the four held counts, in record order.
const C_VECTORS: usize = 0;
const C_ACCEPTED: usize = 1;
const C_BAD_CRC: usize = 2;
const C_TOO_LONG: usize = 3;
const C_BAD_LENGTH: usize = 4;
const C_UNKNOWN: usize = 5;
const C_DUPLICATES: usize = 6;
const C_OTHER: usize = 7;
const C_ABANDONED: usize = 8;

/// The modules the processor connects: the UART halves and the engine.
pub struct Parts {
    /// `NAME_uart_rx`.
    pub rx: Arc<Module>,
    /// `NAME_uart_tx`.
    pub tx: Arc<Module>,
    /// The engine.
    pub engine: Arc<Module>,
}

/// The processor's ports as signals of the board module.
pub struct Pins {
    /// The serial line in.
    pub uart_rx: SignalId,
}

/// What the processor drives out.
pub struct Outputs {
    /// The serial line out.
    pub uart_tx: SignalId,
    /// No frame, reply or vector under way.
    pub led_idle: SignalId,
    /// A frame, reply or vector under way.
    pub led_busy: SignalId,
    /// A frame was refused since the last HELLO or RESET.
    pub led_error: SignalId,
}

/// Every register of the processor.
struct Regs {
    // receiver
    rs: SignalId,
    crc: SignalId,
    kind: SignalId,
    seq: SignalId,
    len: SignalId,
    pidx: SignalId,
    off: [SignalId; 4],
    cnt: [SignalId; 2],
    ebi: SignalId,
    elems: SignalId,
    quiet: SignalId,
    // executor and reply
    xst: SignalId,
    src: SignalId,
    rkind: SignalId,
    rlen: SignalId,
    ecode: SignalId,
    edetail: SignalId,
    replay: SignalId,
    record: SignalId,
    acted: SignalId,
    gi: SignalId,
    ocrc: SignalId,
    ra2: SignalId,
    rbi: SignalId,
    last_valid: SignalId,
    last_seq: SignalId,
    last_kind: SignalId,
    last_len: SignalId,
    error_led: SignalId,
    // feeding
    ra: SignalId,
    bi: SignalId,
    left: SignalId,
    pos: SignalId,
    isvec: SignalId,
    asm: Vec<SignalId>,
    // engine side
    wh: SignalId,
    wdone: SignalId,
    ah: SignalId,
    kk: SignalId,
    lane: SignalId,
    lanes: Vec<SignalId>,
    xlast: SignalId,
    pending: SignalId,
    complete: SignalId,
    written: SignalId,
    // collector
    yhold: SignalId,
    yregs: Vec<SignalId>,
    ql: SignalId,
    nres: SignalId,
    counters: Vec<SignalId>,
}

fn regs(n: &mut Net, s: &Sizes) -> Result<Regs, BuildError> {
    let emax = s.wb.max(s.xb);
    let res_bits = bits_for(u64::from(s.results));
    let asm = (0..emax)
        .map(|i| n.ureg(&format!("elem_byte{i}"), 8))
        .collect::<Result<Vec<_>, _>>()?;
    let lanes = (0..s.p)
        .map(|i| n.reg(&format!("x_lane{i}"), Ty::signed(s.act), 0))
        .collect::<Result<Vec<_>, _>>()?;
    let yregs = (0..s.q)
        .map(|i| n.ureg(&format!("y_lane{i}"), s.acc))
        .collect::<Result<Vec<_>, _>>()?;
    let names = [
        "vectors_run",
        "frames_accepted",
        "bad_crc",
        "too_long",
        "bad_length",
        "unknown_command",
        "duplicates",
        "other_errors",
        "abandoned",
    ];
    let counters = names
        .iter()
        .map(|c| n.ureg(&format!("count_{c}"), 32))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Regs {
        rs: n.ureg("rx_state", 3)?,
        crc: n.reg("rx_crc", Ty::unsigned(16), i128::from(INIT))?,
        kind: n.ureg("rx_kind", 8)?,
        seq: n.ureg("rx_seq", 8)?,
        len: n.ureg("rx_len", 16)?,
        pidx: n.ureg("rx_index", 10)?,
        off: [
            n.ureg("rx_off0", 8)?,
            n.ureg("rx_off1", 8)?,
            n.ureg("rx_off2", 8)?,
            n.ureg("rx_off3", 8)?,
        ],
        cnt: [n.ureg("rx_cnt0", 8)?, n.ureg("rx_cnt1", 8)?],
        ebi: n.ureg("rx_elem_byte", bits_for(u64::from(emax - 1)))?,
        elems: n.ureg("rx_elems", 10)?,
        quiet: n.ureg("rx_quiet", bits_for(s.quiet))?,
        xst: n.ureg("ex_state", 3)?,
        src: n.ureg("reply_src", 3)?,
        rkind: n.ureg("reply_kind", 8)?,
        rlen: n.ureg("reply_len", 10)?,
        ecode: n.ureg("reply_code", 8)?,
        edetail: n.ureg("reply_detail", 32)?,
        replay: n.ureg("reply_replay", 1)?,
        record: n.ureg("reply_record", 1)?,
        acted: n.ureg("reply_acted", 1)?,
        gi: n.ureg("reply_index", 10)?,
        ocrc: n.reg("reply_crc", Ty::unsigned(16), i128::from(INIT))?,
        ra2: n.ureg("reply_result", res_bits)?,
        rbi: n.ureg("reply_result_byte", 3)?,
        last_valid: n.ureg("last_valid", 1)?,
        last_seq: n.ureg("last_seq", 8)?,
        last_kind: n.ureg("last_kind", 8)?,
        last_len: n.ureg("last_len", 10)?,
        error_led: n.ureg("error_seen", 1)?,
        ra: n.ureg("feed_addr", 9)?,
        bi: n.ureg("feed_byte", bits_for(u64::from(emax - 1)))?,
        left: n.ureg("feed_left", 10)?,
        pos: n.ureg("feed_pos", 32)?,
        isvec: n.ureg("feed_vectors", 1)?,
        asm,
        wh: n.ureg("words_held", bits_for(u64::from(s.words)))?,
        wdone: n.ureg("weights_done", 1)?,
        ah: n.ureg("acts_held", bits_for(u64::from(s.acts)))?,
        kk: n.ureg("x_k", bits_for(u64::from(s.k - 1)))?,
        lane: n.ureg("x_at", bits_for(u64::from(s.p - 1)))?,
        lanes,
        xlast: n.ureg("x_last_q", 1)?,
        pending: n.ureg("vectors_pending", 8)?,
        complete: n.ureg("results_due", res_bits)?,
        written: n.ureg("results_written", res_bits)?,
        yhold: n.ureg("y_hold", 1)?,
        yregs,
        ql: n.ureg("y_at", bits_for(u64::from(s.q - 1)))?,
        nres: n.ureg("y_n", bits_for(u64::from(s.n - 1)))?,
        counters,
    })
}

/// Signals several parts read.
struct Shared {
    xidle: SignalId,
    rx_valid: SignalId,
    rx_data: SignalId,
    off: SignalId,
    cnt: SignalId,
    is_load_kind: SignalId,
}

/// Builds the processor into `n`'s module: UART halves, engine instance and all logic.
pub fn build(
    n: &mut Net,
    s: &Sizes,
    parts: &Parts,
    pins: &Pins,
    hello: &[u8],
) -> Result<Outputs, BuildError> {
    let rst = n.rst;
    let rx = n.b.instance(
        "uart_rx_i",
        parts.rx.clone(),
        &[("rst", &[rst]), ("rxd", &[pins.uart_rx])],
    )?;
    let rx_valid = rx.scalar("out_valid").expect("uart rx out_valid");
    let rx_data = rx.scalar("out_data").expect("uart rx out_data");
    let r = regs(n, s)?;
    let xidle = n.eqk(r.xst, IDLE)?;
    let off = n.concat(&r.off)?;
    let cnt = n.concat(&r.cnt)?;
    let is_load_kind = n.eqk(r.kind, LOAD)?;
    let sh = Shared {
        xidle,
        rx_valid,
        rx_data,
        off,
        cnt,
        is_load_kind,
    };

    // memories and their read ports
    let rxbuf = n.b.block_memory(
        "rx_buf",
        Ty::unsigned(8),
        MAX_PAYLOAD,
        Collision::DontCare,
        None,
    )?;
    let feed_read = n.eqk(r.xst, FEED_READ)?;
    let rx_rdata = n.b.block_read("rx_rdata", rxbuf, r.ra, feed_read)?;
    let txbuf =
        n.b.block_memory("tx_buf", Ty::unsigned(8), 1024, Collision::DontCare, None)?;
    let fetch = n.eqk(r.xst, REPLY_FETCH)?;
    let tx_rdata = n.b.block_read("tx_rdata", txbuf, r.gi, fetch)?;
    let res_depth = s.results.next_power_of_two().max(2);
    let res_addr_bits = res_depth.trailing_zeros();
    let resbuf = n.b.block_memory(
        "result_buf",
        Ty::unsigned(s.acc),
        res_depth,
        Collision::DontCare,
        None,
    )?;
    let ra2 = n.fit(r.ra2, res_addr_bits)?;
    let res_rdata = n.b.block_read("result_rdata", resbuf, ra2, fetch)?;

    // the checks of a frame and the engine's inputs, from registers only
    let d = decide(n, s, &r, &sh)?;
    let e = engine_inputs(n, s, &r, d.eng_rst)?;
    let engine = n.b.instance(
        "engine",
        parts.engine.clone(),
        &[
            ("rst", &[e.rst_any]),
            ("w_valid", &[e.w_valid]),
            ("w_last", &[e.w_last]),
            ("w_data", &e.w_data),
            ("x_valid", &[e.x_valid]),
            ("x_last", &[r.xlast]),
            ("x_data", &r.lanes),
            ("y_ready", &[e.y_ready]),
        ],
    )?;
    let w_ready = engine.scalar("w_ready").expect("engine w_ready");
    let x_ready = engine.scalar("x_ready").expect("engine x_ready");
    let y_valid = engine.scalar("y_valid").expect("engine y_valid");
    let y_data = engine.vector("y_data").expect("engine y_data").to_vec();

    // the reply byte and the transmitter
    let out_byte = reply_byte(n, s, &r, &sh, tx_rdata, res_rdata, hello)?;
    let offer = n.eqk(r.xst, REPLY_OFFER)?;
    let tx = n.b.instance(
        "uart_tx_i",
        parts.tx.clone(),
        &[
            ("rst", &[rst]),
            ("in_valid", &[offer]),
            ("in_data", &[out_byte]),
        ],
    )?;
    let tx_ready = tx.scalar("in_ready").expect("uart tx in_ready");
    let txd = tx.scalar("txd").expect("uart tx txd");

    let ev = receiver(n, s, &r, &sh, rxbuf)?;
    let vec_done = collector(n, s, &r, resbuf, res_addr_bits, y_valid, &y_data)?;
    let xs = ExecIn {
        ev,
        w_ready,
        x_ready,
        tx_ready,
        out_byte,
        rx_rdata,
        vec_done,
    };
    executor(n, s, &r, &sh, &d, &xs, txbuf)?;

    let in_frame = n.cmpk(CmpOp::Ne, r.rs, HUNT)?;
    let working = n.not(xidle)?;
    let computing = n.cmpk(CmpOp::Ne, r.pending, 0)?;
    let led_busy = n.any(&[in_frame, working, computing])?;
    let led_idle = n.not(led_busy)?;
    Ok(Outputs {
        uart_tx: txd,
        led_idle,
        led_busy,
        led_error: r.error_led,
    })
}

/// The engine's inputs and the decode of the reset the executor asks for.
struct EngineIn {
    rst_any: SignalId,
    w_valid: SignalId,
    w_last: SignalId,
    w_data: Vec<SignalId>,
    x_valid: SignalId,
    y_ready: SignalId,
}

fn engine_inputs(
    n: &mut Net,
    s: &Sizes,
    r: &Regs,
    eng_rst: SignalId,
) -> Result<EngineIn, BuildError> {
    let elem = n.eqk(r.xst, FEED_ELEM)?;
    let weights = n.not(r.isvec)?;
    let take = n.cmp(CmpOp::Eq, r.pos, r.wh)?;
    let w_valid = n.all(&[elem, weights, take])?;
    let w_last = n.eqk(r.wh, u64::from(s.words - 1))?;
    let x_valid = n.eqk(r.xst, FEED_SEND)?;
    let y_ready = n.not(r.yhold)?;
    let rst_any = n.or(n.rst, eng_rst)?;
    let w_data = word_units(n, s, &r.asm)?;
    Ok(EngineIn {
        rst_any,
        w_valid,
        w_last,
        w_data,
        x_valid,
        y_ready,
    })
}

/// The engine's `w_data` elements cut from the element bytes (byte 0 lowest).
fn word_units(n: &mut Net, s: &Sizes, asm: &[SignalId]) -> Result<Vec<SignalId>, BuildError> {
    let mut out = Vec::with_capacity(s.word_units as usize);
    for u in 0..s.word_units {
        let lo = u * s.unit_bits;
        let (first, last) = (lo / 8, (lo + s.unit_bits - 1) / 8);
        if (last - first + 1) * 8 <= 64 {
            let span = n.concat(&asm[first as usize..=last as usize])?;
            out.push(n.slice(span, lo - 8 * first, s.unit_bits)?);
        } else {
            let bits = (lo..lo + s.unit_bits)
                .map(|bit| n.slice(asm[(bit / 8) as usize], bit % 8, 1))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(n.concat(&bits)?);
        }
    }
    Ok(out)
}

/// The receiver's frame events this cycle.
struct Events {
    good: SignalId,
    bad: SignalId,
    long: SignalId,
}

fn receiver(
    n: &mut Net,
    s: &Sizes,
    r: &Regs,
    sh: &Shared,
    rxbuf: SignalId,
) -> Result<Events, BuildError> {
    let byte = n.and(sh.rx_valid, sh.xidle)?;
    let st = |n: &mut Net, v| -> Result<SignalId, BuildError> {
        let at = n.eqk(r.rs, v)?;
        n.and(byte, at)
    };
    let hunt = st(n, HUNT)?;
    let is_sync = n.eqk(sh.rx_data, 0xA5)?;
    let sync = n.and(hunt, is_sync)?;
    let in_frame = n.cmpk(CmpOp::Ne, r.rs, HUNT)?;
    let framed = n.and(byte, in_frame)?;
    let crc_next = crc16_step(n.b, r.crc, sh.rx_data)?;

    n.setk(r.rs, sync, KIND)?;
    n.setk(r.crc, sync, u64::from(INIT))?;
    for q in [
        r.pidx, r.ebi, r.elems, r.off[0], r.off[1], r.off[2], r.off[3], r.cnt[0], r.cnt[1],
    ] {
        n.setk(q, sync, 0)?;
    }
    n.set(r.crc, framed, crc_next)?;

    let at_kind = st(n, KIND)?;
    n.set(r.kind, at_kind, sh.rx_data)?;
    n.setk(r.rs, at_kind, SEQ)?;
    let at_seq = st(n, SEQ)?;
    n.set(r.seq, at_seq, sh.rx_data)?;
    n.setk(r.rs, at_seq, LEN_LO)?;
    let at_lo = st(n, LEN_LO)?;
    n.set(r.len, at_lo, sh.rx_data)?;
    n.setk(r.rs, at_lo, LEN_HI)?;
    let at_hi = st(n, LEN_HI)?;
    let lo = n.slice(r.len, 0, 8)?;
    let full = n.concat(&[lo, sh.rx_data])?;
    n.set(r.len, at_hi, full)?;
    let long_len = n.cmpk(CmpOp::Gt, full, u64::from(MAX_PAYLOAD))?;
    let zero_len = n.eqk(full, 0)?;
    let hunt_k = n.k(3, HUNT)?;
    let crc_hi_k = n.k(3, CRC_HI)?;
    let pay_k = n.k(3, PAY)?;
    let after_hi = n.priority(3, &[(long_len, hunt_k), (zero_len, crc_hi_k)], pay_k)?;
    n.set(r.rs, at_hi, after_hi)?;
    let long = n.and(at_hi, long_len)?;

    let at_pay = st(n, PAY)?;
    let pidx_next = n.addk(r.pidx, 1)?;
    n.set(r.pidx, at_pay, pidx_next)?;
    let len10 = n.fit(r.len, 10)?;
    let pay_end = n.cmp(CmpOp::Eq, pidx_next, len10)?;
    let pay_last = n.and(at_pay, pay_end)?;
    n.setk(r.rs, pay_last, CRC_HI)?;
    let addr = n.fit(r.pidx, 9)?;
    n.b.block_write_port(rxbuf, at_pay, addr, sh.rx_data)?;
    for (i, &q) in r.off.iter().chain(r.cnt.iter()).enumerate() {
        let here = n.eqk(r.pidx, i as u64)?;
        let c = n.and(at_pay, here)?;
        n.set(q, c, sh.rx_data)?;
    }
    let past_off = n.cmpk(CmpOp::Ge, r.pidx, 4)?;
    let elem_byte = n.and(at_pay, past_off)?;
    let end_w = n.eqk(r.ebi, u64::from(s.wb - 1))?;
    let end_x = n.eqk(r.ebi, u64::from(s.xb - 1))?;
    let end = n.mux(1, sh.is_load_kind, end_w, end_x)?;
    let ebi_up = n.addk(r.ebi, 1)?;
    let zero = n.k(n.w(r.ebi), 0)?;
    let ebi_next = n.mux(n.w(r.ebi), end, zero, ebi_up)?;
    n.set(r.ebi, elem_byte, ebi_next)?;
    let elem_end = n.and(elem_byte, end)?;
    let elems_up = n.addk(r.elems, 1)?;
    n.set(r.elems, elem_end, elems_up)?;

    let at_crc_hi = st(n, CRC_HI)?;
    n.setk(r.rs, at_crc_hi, CRC_LO)?;
    let at_crc_lo = st(n, CRC_LO)?;
    n.setk(r.rs, at_crc_lo, HUNT)?;
    let intact = n.eqk(crc_next, 0)?;
    let damaged = n.not(intact)?;
    let good = n.and(at_crc_lo, intact)?;
    let bad = n.and(at_crc_lo, damaged)?;

    // the quiet line: a partial frame is dropped after s.quiet clocks without a byte
    let no_byte = n.not(sh.rx_valid)?;
    let waiting = n.all(&[in_frame, sh.xidle, no_byte])?;
    let quiet_up = n.addk(r.quiet, 1)?;
    n.set(r.quiet, waiting, quiet_up)?;
    n.setk(r.quiet, byte, 0)?;
    let expired = n.eqk(r.quiet, s.quiet - 1)?;
    let drop = n.and(waiting, expired)?;
    n.setk(r.quiet, drop, 0)?;
    n.setk(r.rs, drop, HUNT)?;
    count(n, r.counters[C_ABANDONED], drop)?;
    Ok(Events { good, bad, long })
}

/// Counter `c` one up where `cond` is 1.
fn count(n: &mut Net, c: SignalId, cond: SignalId) -> Result<(), BuildError> {
    let up = n.addk(c, 1)?;
    n.set(c, cond, up)
}

/// The collector: y-words into the result buffer; returns the pulse of a vector's last result.
fn collector(
    n: &mut Net,
    s: &Sizes,
    r: &Regs,
    resbuf: SignalId,
    addr_bits: u32,
    y_valid: SignalId,
    y_data: &[SignalId],
) -> Result<SignalId, BuildError> {
    let free = n.not(r.yhold)?;
    let cap = n.and(y_valid, free)?;
    for (q, &d) in r.yregs.iter().zip(y_data) {
        n.set(*q, cap, d)?;
    }
    n.setk(r.yhold, cap, 1)?;
    n.setk(r.ql, cap, 0)?;
    let wr = r.yhold;
    let value = n.select(s.acc, r.ql, &r.yregs)?;
    let addr = n.fit(r.written, addr_bits)?;
    n.b.block_write_port(resbuf, wr, addr, value)?;
    count(n, r.written, wr)?;
    let last_r = n.eqk(r.nres, u64::from(s.n - 1))?;
    let last_q = n.eqk(r.ql, u64::from(s.q - 1))?;
    let vec_done = n.and(wr, last_r)?;
    let nres_up = n.addk(r.nres, 1)?;
    n.set(r.nres, wr, nres_up)?;
    n.setk(r.nres, vec_done, 0)?;
    let ql_up = n.addk(r.ql, 1)?;
    n.set(r.ql, wr, ql_up)?;
    let release = n.or(last_r, last_q)?;
    let release = n.and(wr, release)?;
    n.setk(r.yhold, release, 0)?;
    count(n, r.counters[C_VECTORS], vec_done)?;
    Ok(vec_done)
}

/// The byte the reply generator offers at `gi`.
fn reply_byte(
    n: &mut Net,
    s: &Sizes,
    r: &Regs,
    sh: &Shared,
    tx_rdata: SignalId,
    res_rdata: SignalId,
    hello: &[u8],
) -> Result<SignalId, BuildError> {
    let five = n.k(10, 5)?;
    let j = n.sub(r.gi, five, 10)?;
    let j2 = n.slice(j, 0, 2)?;
    // ACK: the count held, words or activations
    let wh = n.fit(r.wh, 32)?;
    let ah = n.fit(r.ah, 32)?;
    let held = n.mux(32, r.isvec, ah, wh)?;
    let ack = n.byte_at(held, j2)?;
    // ERROR: code, kind, detail
    let mut eb = vec![r.ecode, r.kind];
    for i in 0..4 {
        eb.push(n.byte(r.edetail, i)?);
    }
    let err = n.select(8, j, &eb)?;
    // HELLO: the record as a ROM
    let table: Vec<i128> = hello.iter().map(|&b| i128::from(b)).collect();
    let hello_b = n.b.rom("hello_rom", Ty::unsigned(8), j, &table)?;
    // STATUS: state, three zeros, the counts held and the counters
    let has_words = n.cmpk(CmpOp::Ne, r.wh, 0)?;
    let one = n.k(2, 1)?;
    let two = n.k(2, 2)?;
    let zero2 = n.k(2, 0)?;
    let loading = n.mux(2, has_words, one, zero2)?;
    let state = n.mux(2, r.wdone, two, loading)?;
    let mut words = vec![state, r.wh, r.ah, r.written];
    words.extend_from_slice(&r.counters);
    let words = words
        .into_iter()
        .map(|w| n.fit(w, 32))
        .collect::<Result<Vec<_>, _>>()?;
    let jw = n.slice(j, 2, 8)?;
    let word = n.select(32, jw, &words)?;
    let status = n.byte_at(word, j2)?;
    // READ_RESULTS: the result's bytes, sign-extended
    let signed = n.b.slice("result_signed", res_rdata, 0, s.acc, true)?;
    let wide = if s.acc < 64 {
        n.b.sext("result_wide", signed, 64)?
    } else {
        signed
    };
    let wide = n.fit(wide, 64)?;
    let result = n.byte_at(wide, r.rbi)?;
    let payload = n.select(8, r.src, &[ack, err, hello_b, status, result])?;

    let lo = n.slice(r.rlen, 0, 8)?;
    let hi = n.slice(r.rlen, 8, 2)?;
    let sync = n.k(8, 0xA5)?;
    let head = [sync, r.rkind, r.seq, lo, hi];
    let five16 = n.k(11, 5)?;
    let crc_at = n.add(r.rlen, five16, 11)?;
    let at_crc_hi = n.cmp(CmpOp::Eq, r.gi, crc_at)?;
    let crc_hi = n.slice(r.ocrc, 8, 8)?;
    let crc_lo = n.slice(r.ocrc, 0, 8)?;
    let in_head = n.cmpk(CmpOp::Lt, r.gi, 5)?;
    let headb = n.select(8, r.gi, &head)?;
    let in_pay = n.cmp(CmpOp::Lt, r.gi, crc_at)?;
    let fresh = n.priority(
        8,
        &[(in_head, headb), (in_pay, payload), (at_crc_hi, crc_hi)],
        crc_lo,
    )?;
    let _ = sh;
    n.mux(8, r.replay, tx_rdata, fresh)
}

/// What the executor reads from the other parts.
struct ExecIn {
    ev: Events,
    w_ready: SignalId,
    x_ready: SignalId,
    tx_ready: SignalId,
    out_byte: SignalId,
    rx_rdata: SignalId,
    vec_done: SignalId,
}

/// The checks of an intact frame, all from registers, in the reference model's order.
struct Decision {
    /// The executor acts on the frame this cycle (not stalled).
    go: SignalId,
    dup: SignalId,
    ok: SignalId,
    err: SignalId,
    code: SignalId,
    detail: SignalId,
    kinds: [SignalId; 7],
    off_zero: SignalId,
    eng_rst: SignalId,
}

fn decide(n: &mut Net, s: &Sizes, r: &Regs, sh: &Shared) -> Result<Decision, BuildError> {
    let at = n.eqk(r.xst, DECIDE)?;
    let mut kinds = [at; 7];
    for (c, slot) in kinds.iter_mut().enumerate().skip(1) {
        *slot = n.eqk(r.kind, c as u64)?;
    }
    let [_, k1, k2, k3, k4, k5, k6] = kinds;
    let known = n.any(&kinds[1..])?;
    let unknown = n.not(known)?;
    let same_seq = n.cmp(CmpOp::Eq, r.seq, r.last_seq)?;
    let same_kind = n.cmp(CmpOp::Eq, r.kind, r.last_kind)?;
    let not_hello = n.not(k1)?;
    let dup = n.all(&[r.last_valid, same_seq, same_kind, not_hello])?;

    let len0 = n.eqk(r.len, 0)?;
    let len_not0 = n.not(len0)?;
    let k123 = n.any(&[k1, k2, k3])?;
    let bl0 = n.and(k123, len_not0)?;
    // stream chunks: 4 + n elements, n ≥ 1
    let min_w = n.kv(u64::from(4 + s.wb))?;
    let min_x = n.kv(u64::from(4 + s.xb))?;
    let min = n.mux(n.w(min_w).max(n.w(min_x)), sh.is_load_kind, min_w, min_x)?;
    let long_enough = n.cmp(CmpOp::Ge, r.len, min)?;
    let whole = n.eqk(r.ebi, 0)?;
    let lenok = n.and(long_enough, whole)?;
    let bad_len = n.not(lenok)?;
    let end = n.add(sh.off, r.elems, 33)?;
    let off_zero = n.eqk(sh.off, 0)?;
    let off_some = n.not(off_zero)?;
    let blw = n.and(k4, bad_len)?;
    let past_w = n.cmpk(CmpOp::Gt, end, u64::from(s.words))?;
    let oorw = n.and(k4, past_w)?;
    let ahead_w = n.cmp(CmpOp::Gt, sh.off, r.wh)?;
    let ooow = n.all(&[k4, off_some, ahead_w])?;
    let blx = n.and(k5, bad_len)?;
    let no_w = n.not(r.wdone)?;
    let nw = n.and(k5, no_w)?;
    let past_x = n.cmpk(CmpOp::Gt, end, u64::from(s.acts))?;
    let oorx = n.and(k5, past_x)?;
    let ahead_x = n.cmp(CmpOp::Gt, sh.off, r.ah)?;
    let ooox = n.all(&[k5, off_some, ahead_x])?;
    let len6 = n.eqk(r.len, 6)?;
    let not6 = n.not(len6)?;
    let bl6 = n.and(k6, not6)?;
    let cnt0 = n.eqk(sh.cnt, 0)?;
    let cnt_big = n.cmpk(CmpOp::Gt, sh.cnt, u64::from(s.most))?;
    let cnt_bad = n.or(cnt0, cnt_big)?;
    let blc = n.and(k6, cnt_bad)?;
    let rend = n.add(sh.off, sh.cnt, 33)?;
    let past_due = n.cmp(CmpOp::Gt, rend, r.complete)?;
    let oorr = n.and(k6, past_due)?;
    let past_written = n.cmp(CmpOp::Gt, rend, r.written)?;
    let busy = n.and(k6, past_written)?;

    let due = n.fit(r.complete, 32)?;
    let wh = n.fit(r.wh, 32)?;
    let ah = n.fit(r.ah, 32)?;
    let c = |n: &mut Net, v: u64| n.k(32, v);
    let rules = [
        (unknown, UNKNOWN, c(n, 0)?),
        (bl0, BAD_LENGTH, c(n, 0)?),
        (blw, BAD_LENGTH, c(n, u64::from(s.wb))?),
        (oorw, OUT_OF_RANGE, c(n, u64::from(s.words))?),
        (ooow, OUT_OF_ORDER, wh),
        (blx, BAD_LENGTH, c(n, u64::from(s.xb))?),
        (nw, NO_WEIGHTS, c(n, 0)?),
        (oorx, OUT_OF_RANGE, c(n, u64::from(s.acts))?),
        (ooox, OUT_OF_ORDER, ah),
        (bl6, BAD_LENGTH, c(n, 6)?),
        (blc, BAD_LENGTH, c(n, u64::from(s.most))?),
        (oorr, OUT_OF_RANGE, due),
        (busy, BUSY, c(n, 0)?),
    ];
    let conds: Vec<SignalId> = rules.iter().map(|x| x.0).collect();
    let any_err = n.any(&conds)?;
    let not_dup = n.not(dup)?;
    let err = n.and(any_err, not_dup)?;
    let mut codes = Vec::new();
    let mut details = Vec::new();
    for &(cond, code, detail) in &rules {
        let k = n.k(8, code)?;
        codes.push((cond, k));
        details.push((cond, detail));
    }
    let zero8 = n.k(8, 0)?;
    let zero32 = n.k(32, 0)?;
    let code = n.priority(8, &codes, zero8)?;
    let detail = n.priority(32, &details, zero32)?;
    let no_err = n.not(err)?;
    let ok = n.all(&[at, not_dup, no_err])?;

    // a new batch and STATUS wait for the engine to finish the vectors it holds
    let pending = n.cmpk(CmpOp::Ne, r.pending, 0)?;
    let computing = n.or(pending, r.yhold)?;
    let new_batch = n.and(k5, off_zero)?;
    let waits = n.or(new_batch, k3)?;
    let stall = n.all(&[ok, waits, computing])?;
    let no_stall = n.not(stall)?;
    let go = n.and(at, no_stall)?;
    // the engine is reset by RESET and by a new load after a partial one
    let partial = n.cmpk(CmpOp::Ne, r.wh, 0)?;
    let not_done = n.not(r.wdone)?;
    let restart = n.all(&[k4, off_zero, partial, not_done])?;
    let resets = n.or(k2, restart)?;
    let eng_rst = n.all(&[go, ok, resets])?;
    Ok(Decision {
        go,
        dup,
        ok,
        err,
        code,
        detail,
        kinds,
        off_zero,
        eng_rst,
    })
}

/// Starts the reply generator on `cond`.
fn start_reply(n: &mut Net, r: &Regs, cond: SignalId) -> Result<(), BuildError> {
    n.setk(r.gi, cond, 0)?;
    n.setk(r.ocrc, cond, u64::from(INIT))?;
    n.setk(r.rbi, cond, 0)?;
    n.setk(r.xst, cond, REPLY_FETCH)
}

/// Sets up an ERROR reply on `cond` with this code and detail.
fn start_error(
    n: &mut Net,
    r: &Regs,
    cond: SignalId,
    code: SignalId,
    detail: SignalId,
) -> Result<(), BuildError> {
    n.setk(r.src, cond, SRC_ERROR)?;
    n.setk(r.rkind, cond, ERROR)?;
    n.setk(r.rlen, cond, 6)?;
    n.set(r.ecode, cond, code)?;
    n.set(r.edetail, cond, detail)?;
    for q in [r.replay, r.record, r.acted] {
        n.setk(q, cond, 0)?;
    }
    n.setk(r.error_led, cond, 1)?;
    start_reply(n, r, cond)
}

fn executor(
    n: &mut Net,
    s: &Sizes,
    r: &Regs,
    sh: &Shared,
    d: &Decision,
    xi: &ExecIn,
    txbuf: SignalId,
) -> Result<(), BuildError> {
    let [_, k1, k2, k3, k4, k5, k6] = d.kinds;
    // damaged frames
    n.setk(r.xst, xi.ev.good, DECIDE)?;
    let code = n.k(8, BAD_CRC)?;
    let zero = n.k(32, 0)?;
    start_error(n, r, xi.ev.bad, code, zero)?;
    count(n, r.counters[C_BAD_CRC], xi.ev.bad)?;
    let code = n.k(8, TOO_LONG)?;
    let most = n.k(32, u64::from(MAX_PAYLOAD))?;
    start_error(n, r, xi.ev.long, code, most)?;
    count(n, r.counters[C_TOO_LONG], xi.ev.long)?;

    // a duplicate: the remembered reply again
    let dup = n.and(d.go, d.dup)?;
    n.setk(r.replay, dup, 1)?;
    n.set(r.rlen, dup, r.last_len)?;
    n.setk(r.record, dup, 0)?;
    n.setk(r.acted, dup, 0)?;
    count(n, r.counters[C_DUPLICATES], dup)?;
    start_reply(n, r, dup)?;

    // a refusal
    let err = n.and(d.go, d.err)?;
    start_error(n, r, err, d.code, d.detail)?;
    let is_bl = n.eqk(d.code, BAD_LENGTH)?;
    let is_unknown = n.eqk(d.code, UNKNOWN)?;
    let is_other = n.not(is_bl)?;
    let not_unknown = n.not(is_unknown)?;
    let is_other = n.and(is_other, not_unknown)?;
    let c_bl = n.and(err, is_bl)?;
    count(n, r.counters[C_BAD_LENGTH], c_bl)?;
    let c_un = n.and(err, is_unknown)?;
    count(n, r.counters[C_UNKNOWN], c_un)?;
    let c_ot = n.and(err, is_other)?;
    count(n, r.counters[C_OTHER], c_ot)?;

    // a command acted on
    let ok = n.and(d.go, d.ok)?;
    n.setk(r.replay, ok, 0)?;
    n.setk(r.acted, ok, 1)?;
    let not_hello = n.not(k1)?;
    n.set(r.record, ok, not_hello)?;
    let acks = n.any(&[k2, k4, k5])?;
    let ackk = n.k(8, ACK)?;
    let datak = n.k(8, DATA)?;
    let rkind = n.mux(8, acks, ackk, datak)?;
    n.set(r.rkind, ok, rkind)?;
    let src_hello = n.k(3, SRC_HELLO)?;
    let src_status = n.k(3, SRC_STATUS)?;
    let src_results = n.k(3, SRC_RESULTS)?;
    let src_ack = n.k(3, SRC_ACK)?;
    let src = n.priority(
        3,
        &[(k1, src_hello), (k3, src_status), (k6, src_results)],
        src_ack,
    )?;
    n.set(r.src, ok, src)?;
    let rb = n.k(4, u64::from(s.rb))?;
    let rr_len = n.b.mul("read_len", Ty::unsigned(20), sh.cnt, rb)?;
    let l40 = n.k(10, 40)?;
    let l52 = n.k(10, 52)?;
    let l0 = n.k(10, 0)?;
    let l4 = n.k(10, 4)?;
    let rlen = n.priority(10, &[(k1, l40), (k3, l52), (k6, rr_len), (k2, l0)], l4)?;
    n.set(r.rlen, ok, rlen)?;
    let hello_ok = n.and(ok, k1)?;
    n.setk(r.last_valid, hello_ok, 0)?;
    let remember = n.and(ok, not_hello)?;
    n.setk(r.last_valid, remember, 1)?;
    n.set(r.last_seq, remember, r.seq)?;
    n.set(r.last_kind, remember, r.kind)?;
    n.set(r.last_len, remember, rlen)?;
    let fresh = n.any(&[k1, k2])?;
    let clear_led = n.and(ok, fresh)?;
    n.setk(r.error_led, clear_led, 0)?;
    let read = n.and(ok, k6)?;
    n.set(r.ra2, read, sh.off)?;
    let stream = n.or(k4, k5)?;
    let feed = n.and(ok, stream)?;
    let no_feed = n.not(stream)?;
    let answer = n.and(ok, no_feed)?;
    start_reply(n, r, answer)?;
    n.setk(r.ra, feed, 4)?;
    n.setk(r.bi, feed, 0)?;
    n.set(r.left, feed, r.elems)?;
    n.set(r.pos, feed, sh.off)?;
    n.set(r.isvec, feed, k5)?;
    n.setk(r.xst, feed, FEED_READ)?;

    feeding(n, s, r, xi)?;
    reply(n, s, r, xi, txbuf)?;

    // new streams and RESET, last so that they win
    let load0 = n.all(&[ok, k4, d.off_zero])?;
    let batch0 = n.all(&[ok, k5, d.off_zero])?;
    let reset = n.and(ok, k2)?;
    let any_clear = n.or(load0, reset)?;
    n.setk(r.wh, any_clear, 0)?;
    n.setk(r.wdone, any_clear, 0)?;
    let batch_clear = n.or(batch0, reset)?;
    for q in [r.ah, r.complete, r.written, r.kk, r.lane, r.nres, r.ql] {
        n.setk(q, batch_clear, 0)?;
    }
    for q in [r.pending, r.yhold] {
        n.setk(q, reset, 0)?;
    }
    Ok(())
}

/// The walk over a stream chunk's payload: elements assembled from the
/// receive buffer, those not held yet sent to the engine.
fn feeding(n: &mut Net, s: &Sizes, r: &Regs, xi: &ExecIn) -> Result<(), BuildError> {
    let at_read = n.eqk(r.xst, FEED_READ)?;
    n.setk(r.xst, at_read, FEED_BYTE)?;
    let at_byte = n.eqk(r.xst, FEED_BYTE)?;
    for (i, &q) in r.asm.iter().enumerate() {
        let here = n.eqk(r.bi, i as u64)?;
        let c = n.and(at_byte, here)?;
        n.set(q, c, xi.rx_rdata)?;
    }
    let ra_up = n.addk(r.ra, 1)?;
    n.set(r.ra, at_byte, ra_up)?;
    let end_w = n.eqk(r.bi, u64::from(s.wb - 1))?;
    let end_x = n.eqk(r.bi, u64::from(s.xb - 1))?;
    let end = n.mux(1, r.isvec, end_x, end_w)?;
    let bi_up = n.addk(r.bi, 1)?;
    let zero = n.k(n.w(r.bi), 0)?;
    let bi_next = n.mux(n.w(r.bi), end, zero, bi_up)?;
    n.set(r.bi, at_byte, bi_next)?;
    let elem_k = n.k(3, FEED_ELEM)?;
    let read_k = n.k(3, FEED_READ)?;
    let after = n.mux(3, end, elem_k, read_k)?;
    n.set(r.xst, at_byte, after)?;

    let at_elem = n.eqk(r.xst, FEED_ELEM)?;
    let weights = n.not(r.isvec)?;
    // weights: the word goes to the engine if it is the next one held
    let take_w = n.cmp(CmpOp::Eq, r.pos, r.wh)?;
    let skip_w = n.not(take_w)?;
    let sent_w = n.all(&[at_elem, weights, take_w, xi.w_ready])?;
    count(n, r.wh, sent_w)?;
    let last_w = n.eqk(r.wh, u64::from(s.words - 1))?;
    let done_w = n.and(sent_w, last_w)?;
    n.setk(r.wdone, done_w, 1)?;
    let go_w = n.or(skip_w, xi.w_ready)?;
    let adv_w = n.all(&[at_elem, weights, go_w])?;
    // activations: into the next lane; a full word or a vector's end is sent
    let take_x = n.cmp(CmpOp::Eq, r.pos, r.ah)?;
    let put = n.all(&[at_elem, r.isvec, take_x])?;
    let act_bytes = n.concat(&r.asm[..s.xb as usize])?;
    let act = n.slice(act_bytes, 0, s.act)?;
    for (i, &q) in r.lanes.iter().enumerate() {
        let here = n.eqk(r.lane, i as u64)?;
        let c = n.and(put, here)?;
        n.set(q, c, act)?;
    }
    count(n, r.ah, put)?;
    let k_end = n.eqk(r.kk, u64::from(s.k - 1))?;
    let p_end = n.eqk(r.lane, u64::from(s.p - 1))?;
    let full = n.or(k_end, p_end)?;
    let kk_up = n.addk(r.kk, 1)?;
    let zk = n.k(n.w(r.kk), 0)?;
    let kk_next = n.mux(n.w(r.kk), k_end, zk, kk_up)?;
    n.set(r.kk, put, kk_next)?;
    let lane_up = n.addk(r.lane, 1)?;
    let zl = n.k(n.w(r.lane), 0)?;
    let lane_next = n.mux(n.w(r.lane), full, zl, lane_up)?;
    n.set(r.lane, put, lane_next)?;
    n.set(r.xlast, put, k_end)?;
    let send = n.and(put, full)?;
    n.setk(r.xst, send, FEED_SEND)?;
    let skip_x = n.not(take_x)?;
    let not_full = n.not(full)?;
    let go_x = n.or(skip_x, not_full)?;
    let adv_x = n.all(&[at_elem, r.isvec, go_x])?;
    let at_send = n.eqk(r.xst, FEED_SEND)?;
    let sent_x = n.and(at_send, xi.x_ready)?;
    let vector = n.and(sent_x, r.xlast)?;
    let due_up = n.addk(r.complete, u64::from(s.n))?;
    n.set(r.complete, vector, due_up)?;
    let inc = n.fit(vector, 8)?;
    let dec = n.fit(xi.vec_done, 8)?;
    let up = n.add(r.pending, inc, 8)?;
    let pending = n.sub(up, dec, 8)?;
    let always = n.bit(true)?;
    n.set(r.pending, always, pending)?;

    // the next element, or the reply after the last
    let adv = n.any(&[adv_w, adv_x, sent_x])?;
    let pos_up = n.addk(r.pos, 1)?;
    n.set(r.pos, adv, pos_up)?;
    let left_down = n.addk(r.left, u64::MAX)?;
    n.set(r.left, adv, left_down)?;
    n.setk(r.xst, adv, FEED_READ)?;
    let last = n.eqk(r.left, 1)?;
    let done = n.and(adv, last)?;
    start_reply(n, r, done)
}

/// The reply generator: one byte fetched, offered and taken at a time.
fn reply(n: &mut Net, s: &Sizes, r: &Regs, xi: &ExecIn, txbuf: SignalId) -> Result<(), BuildError> {
    let at_fetch = n.eqk(r.xst, REPLY_FETCH)?;
    n.setk(r.xst, at_fetch, REPLY_OFFER)?;
    let at_offer = n.eqk(r.xst, REPLY_OFFER)?;
    let taken = n.and(at_offer, xi.tx_ready)?;
    let five = n.k(11, 5)?;
    let crc_at = n.add(r.rlen, five, 11)?;
    let past_sync = n.cmpk(CmpOp::Ge, r.gi, 1)?;
    let before_crc = n.cmp(CmpOp::Lt, r.gi, crc_at)?;
    let covered = n.all(&[taken, past_sync, before_crc])?;
    let crc_next = crc16_step(n.b, r.ocrc, xi.out_byte)?;
    n.set(r.ocrc, covered, crc_next)?;
    let in_pay = n.cmpk(CmpOp::Ge, r.gi, 5)?;
    let is_results = n.eqk(r.src, SRC_RESULTS)?;
    let result_byte = n.all(&[taken, in_pay, before_crc, is_results])?;
    let rb_end = n.eqk(r.rbi, u64::from(s.rb - 1))?;
    let rbi_up = n.addk(r.rbi, 1)?;
    let z = n.k(3, 0)?;
    let rbi_next = n.mux(3, rb_end, z, rbi_up)?;
    n.set(r.rbi, result_byte, rbi_next)?;
    let next_result = n.and(result_byte, rb_end)?;
    count(n, r.ra2, next_result)?;
    let keep = n.and(taken, r.record)?;
    n.b.block_write_port(txbuf, keep, r.gi, xi.out_byte)?;
    let gi_up = n.addk(r.gi, 1)?;
    n.set(r.gi, taken, gi_up)?;
    let six = n.k(11, 6)?;
    let end_at = n.add(r.rlen, six, 11)?;
    let at_end = n.cmp(CmpOp::Eq, r.gi, end_at)?;
    let finished = n.and(taken, at_end)?;
    let more = n.not(at_end)?;
    let more = n.and(taken, more)?;
    n.setk(r.xst, more, REPLY_FETCH)?;
    n.setk(r.xst, finished, IDLE)?;
    let accepted = n.and(finished, r.acted)?;
    count(n, r.counters[C_ACCEPTED], accepted)
}
