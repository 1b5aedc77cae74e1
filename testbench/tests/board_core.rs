//! The board core (`NAME_board`) on the Rust simulator behind a bit-level
//! serial line: (a) every reply byte for byte against the host crate's
//! reference model (`BoardModel`) for a script of commands, refusals,
//! duplicates and damaged frames; (b) the host client driving a layer
//! through it, clean and with bit errors on the line, every integer
//! against the golden GEMV.

use std::time::{Duration, Instant};

use lutforge_hdl::board::{self, BoardCoreParams, GeneratedBoard};
use lutforge_hdl::datapath::core::{ParamMap, Registry};
use lutforge_hdl::datapath::linear::{LinearParams, WeightMemory};
use lutforge_host::{
    BoardModel, EngineInfo, Host, HostConfig, LayerSpec, LinkError, NoisyLine, Transport,
    WeightPacking, WeightWords, encode, pack,
};
use lutforge_testbench::board::BoardLine;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const CPB: u32 = 8;
/// 10 ms of quiet line is 3 200 clocks here (40 byte times).
const CLOCK_HZ: u64 = 320_000;
const K: usize = 21;
const N: usize = 10;

fn params(memory: WeightMemory) -> BoardCoreParams {
    let mut cp = ParamMap::new();
    cp.insert("k".into(), 8u64.into());
    cp.insert("n".into(), 4u64.into());
    BoardCoreParams {
        name: "bc".into(),
        linear: LinearParams {
            name: "ignored".into(),
            in_features: K,
            out_features: N,
            core: "ternary-gemv".into(),
            core_params: cp,
            x_lanes: 3,
            y_lanes: 3,
            weight_word_bits: 16,
            weight_memory: memory,
            buffer_memory: Default::default(),
        },
        clocks_per_bit: CPB,
        clock_hz: CLOCK_HZ,
    }
}

fn board(memory: WeightMemory) -> GeneratedBoard {
    board::generate_hashed(&params(memory), &Registry::builtin(), 0x1234_5678).expect("generates")
}

/// Cycles without a byte after which the line counts as silent: past the quiet timeout.
fn silence(g: &GeneratedBoard) -> u64 {
    2 * g.sizes.quiet + 4000
}

fn weights(rng: &mut ChaCha8Rng) -> Vec<i64> {
    (0..N * K).map(|_| rng.random_range(-1..=1)).collect()
}

fn vectors(rng: &mut ChaCha8Rng, count: usize) -> Vec<Vec<i64>> {
    (0..count)
        .map(|_| (0..K).map(|_| rng.random_range(-128..=127)).collect())
        .collect()
}

fn golden(w: &[i64], x: &[i64]) -> Vec<i64> {
    w.chunks(K)
        .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
        .collect()
}

fn words(info: &EngineInfo, w: &[i64]) -> WeightWords {
    let bits = pack(info.packing, N, K, w).expect("packs");
    WeightWords::from_bits(&bits, u32::from(info.word_bits)).expect("words")
}

/// One scripted exchange: the model's reply bytes and the board's, equal.
struct Script {
    line: BoardLine,
    model: BoardModel,
    silence: u64,
    seq: u8,
}

impl Script {
    fn frame(&mut self, kind: u8, payload: &[u8]) -> Vec<u8> {
        self.seq = self.seq.wrapping_add(1);
        encode(kind, self.seq, payload).expect("frame")
    }

    /// Sends raw bytes to both and checks the replies match; returns them.
    fn raw(&mut self, bytes: &[u8], what: &str) -> Vec<u8> {
        let want: Vec<u8> = bytes
            .iter()
            .filter_map(|&b| self.model.feed(b))
            .flatten()
            .collect();
        let got = self.line.exchange(bytes, self.silence).expect("simulates");
        assert_eq!(got, want, "{what}: board and model differ");
        got
    }

    fn send(&mut self, kind: u8, payload: &[u8], what: &str) -> Vec<u8> {
        let f = self.frame(kind, payload);
        self.raw(&f, what)
    }

    fn status(&mut self, what: &str) -> Vec<u8> {
        self.send(3, &[], what)
    }
}

fn chunk(offset: u32, data: &[u8]) -> Vec<u8> {
    let mut p = offset.to_le_bytes().to_vec();
    p.extend_from_slice(data);
    p
}

fn read(offset: u32, count: u16) -> Vec<u8> {
    let mut p = offset.to_le_bytes().to_vec();
    p.extend_from_slice(&count.to_le_bytes());
    p
}

#[test]
fn every_reply_matches_the_reference_model_byte_for_byte() {
    let g = board(WeightMemory::Registers);
    let info = EngineInfo::decode(&g.hello()).expect("the HELLO record decodes");
    assert_eq!(
        (info.k, info.n, info.packing),
        (K as u32, N as u32, WeightPacking::Ternary)
    );
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let w = weights(&mut rng);
    let ww = words(&info, &w);
    let wire = ww.wire_bytes().to_vec();
    let wb = info.word_bytes();
    let total = ww.len();
    let mut s = Script {
        line: BoardLine::new(&g.module, CPB).expect("simulates"),
        model: BoardModel::new(info.clone()).expect("model"),
        silence: silence(&g),
        seq: 40,
    };
    s.send(1, &[], "hello");
    s.status("status after configuration");
    s.send(5, &chunk(0, &[1, 2, 3]), "vectors with no weights");
    s.send(1, &[0], "hello with a payload");
    s.send(9, &[], "an unknown command");
    s.send(3, &[1, 2], "status with a payload");
    s.send(
        4,
        &chunk(0, &wire[..3]),
        "a load chunk of a word and a half",
    );
    s.send(
        4,
        &chunk(total as u32 - 1, &wire[..2 * wb]),
        "a load chunk past the end",
    );
    // a chunk with a damaged byte is refused and not applied
    let mut f = s.frame(4, &chunk(0, &wire[..10 * wb]));
    f[12] ^= 0x10;
    s.raw(&f, "a damaged load chunk");
    s.status("status after the damaged chunk");
    s.send(4, &chunk(0, &wire[..10 * wb]), "the first ten words");
    s.send(
        4,
        &chunk(0, &wire[..10 * wb]),
        "the first ten words again, a new seq",
    );
    s.send(4, &chunk(20, &wire[20 * wb..]), "a chunk out of order");
    s.send(4, &chunk(5, &wire[5 * wb..15 * wb]), "an overlapping chunk");
    let last = s.frame(4, &chunk(15, &wire[15 * wb..]));
    s.raw(&last, "the rest of the weights");
    s.raw(&last, "the rest again, same seq: a duplicate");
    s.status("status after the load");
    // vectors: three in two chunks split inside the second vector
    let xs = vectors(&mut rng, 3);
    let acts: Vec<u8> = xs.iter().flatten().map(|&a| a as u8).collect();
    s.send(6, &read(0, 1), "results before any vector");
    s.send(5, &chunk(0, &acts[..30]), "one and a half vectors");
    s.send(5, &chunk(40, &acts[40..]), "vectors out of order");
    let second = s.frame(5, &chunk(30, &acts[30..]));
    s.raw(&second, "the rest of the batch");
    s.raw(&second, "the rest of the batch again: a duplicate");
    s.send(5, &chunk(10_000, &acts[..2]), "vectors past the batch");
    let rb = info.result_bytes();
    let data = s.send(6, &read(0, 30), "all thirty results");
    let payload = &data[5..data.len() - 2];
    for (v, x) in xs.iter().enumerate() {
        for (nn, want) in golden(&w, x).into_iter().enumerate() {
            let at = (v * N + nn) * rb;
            let mut bytes = [0u8; 8];
            bytes[..rb].copy_from_slice(&payload[at..at + rb]);
            let got = (i64::from_le_bytes(bytes) << (64 - 8 * rb)) >> (64 - 8 * rb);
            assert_eq!(got, want, "y[{v}][{nn}]");
        }
    }
    s.send(6, &read(7, 11), "results 7..18");
    s.send(6, &read(25, 6), "results past the batch");
    s.send(6, &read(0, 0), "a count of zero");
    s.send(6, &read(0, 1000), "a count over the largest");
    s.send(6, &[0, 0, 0, 0, 1], "a read of five bytes");
    s.status("status after the batch");
    // a header whose length is over the maximum, then a quiet line inside a frame
    s.raw(&[0xA5, 0x03, 0x77, 0x00, 0x04], "a header with LEN 1024");
    let partial = s.frame(3, &[]);
    s.raw(&partial[..4], "a frame cut short");
    s.line.run(g.sizes.quiet + 100).expect("simulates");
    s.model.line_quiet();
    s.status("status after the quiet line");
    s.send(2, &[], "reset");
    s.status("status after reset");
    s.send(5, &chunk(0, &acts[..21]), "vectors after reset");
    assert!(s.line.led_error_seen(), "led_error lit after refusals");
    s.send(1, &[], "hello again");
    let [idle, busy, error] = s.line.leds();
    assert!(
        idle && !busy && !error,
        "leds after hello: idle {idle} busy {busy} error {error}"
    );
}

/// The simulated board as the host's byte link.
struct SimLink {
    line: BoardLine,
    silence: u64,
}

impl Transport for SimLink {
    fn name(&self) -> &str {
        "simulated board"
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), LinkError> {
        self.line.send(bytes);
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], _deadline: Instant) -> Result<usize, LinkError> {
        let got = self.line.listen(self.silence).map_err(|e| LinkError::Io {
            port: "simulated board".into(),
            reason: e.to_string(),
        })?;
        // listen hands back everything heard; a reply is far under a read buffer
        assert!(got.len() <= buf.len(), "{} bytes at once", got.len());
        buf[..got.len()].copy_from_slice(&got);
        Ok(got.len())
    }
}

fn host_session(memory: WeightMemory, rate: f64, seed: u64, tokens: usize) -> (u64, u64) {
    let g = board(memory);
    let link = SimLink {
        line: BoardLine::new(&g.module, CPB).expect("simulates"),
        silence: silence(&g),
    };
    let config = HostConfig {
        tries: 12,
        payload_limit: 64,
        busy_pause: Duration::ZERO,
        ..HostConfig::default()
    };
    let mut host = Host::new(NoisyLine::new(link, rate, seed), config);
    let spec = LayerSpec {
        k: K as u32,
        n: N as u32,
        packing: WeightPacking::Ternary,
        act_bits: Some(8),
        metadata_hash: Some(0x1234_5678),
    };
    let info = host.hello_expecting(&spec).expect("hello");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w = weights(&mut rng);
    host.load_weights(&words(&info, &w)).expect("weights load");
    let xs = vectors(&mut rng, tokens);
    let ys = host.run(&xs).expect("runs");
    for (t, (x, y)) in xs.iter().zip(&ys).enumerate() {
        assert_eq!(*y, golden(&w, x), "token {t}");
    }
    let status = host.status().expect("status");
    assert_eq!(status.vectors_run as usize, tokens);
    let retries = host.stats().retries;
    let cycles = host.into_link().into_inner().line.cycles();
    eprintln!(
        "{memory:?} rate {rate}: {tokens} tokens exact, {retries} retries, {cycles} cycles, status {status:?}"
    );
    (retries, cycles)
}

#[test]
fn the_host_runs_a_layer_on_the_simulated_board() {
    let (retries, _) = host_session(WeightMemory::Registers, 0.0, 1, 6);
    assert_eq!(retries, 0);
}

#[test]
fn the_host_runs_a_layer_through_bit_errors_with_block_ram_weights() {
    let (retries, _) = host_session(WeightMemory::Bram, 2e-3, 9, 6);
    assert!(retries > 0, "errors at 2e-3 caused no retry");
}
