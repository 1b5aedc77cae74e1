//! `lutforge host`: a real layer on a board over its serial link (or on the
//! simulated board of a `lutforge board` folder in Verilator, or on the
//! protocol's reference model of the board): quantize the layer as
//! `run-layer` does, load the weights once, stream the tokens, read the
//! results, check every integer against the golden GEMV and report the
//! link's figures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use lutforge_host::{
    BoardModel, EngineInfo, Host, HostConfig, LayerSpec, MemoryTransport, NoisyLine,
    PROTOCOL_VERSION, SerialTransport, SimTransport, Transport, WeightPacking, WeightWords,
    metadata_hash, pack,
};
use lutforge_testbench::layer::{Matrix, TernaryWeights, quantize_weights_absmean};

use crate::cmd::layer::{LayerInput, write_results};

/// Weight packings on the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackingArg {
    /// Five ternary weights a byte (1.6 bits a weight)
    Base3,
    /// The contract's 2-bit ternary codes
    Codes,
    /// bitnet.cpp I2_S, 2 bits, code = w + 1
    I2s,
}

/// Arguments of `lutforge host`.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Serial port of the board's UART (iCEBreaker: /dev/ttyUSB1, ULX3S: /dev/ttyUSB0)
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with_all = ["model", "sim"],
        required_unless_present_any = ["model", "sim"]
    )]
    pub port: Option<String>,
    /// Talk to the protocol's reference model of the board instead of a board (no hardware)
    #[arg(long, conflicts_with = "sim")]
    pub model: bool,
    /// Talk to the board top of a `lutforge board` folder simulated in Verilator, bit by bit on its UART pins; figures in simulated time at its clock
    #[arg(long, value_name = "DIR")]
    pub sim: Option<PathBuf>,
    /// Line rate, bits per second (8N1) [default: 1000000; with --sim the folder's]
    #[arg(long)]
    pub baud: Option<u32>,
    #[command(flatten)]
    pub input: LayerInput,
    /// Weight packing the board's engine takes
    #[arg(long, value_enum, default_value = "base3")]
    pub packing: PackingArg,
    /// Activation bits A the board's engine takes (2..=16), checked against its HELLO [default: the HELLO's; 8 with --model]
    #[arg(long, value_name = "N")]
    pub act_bits: Option<u8>,
    /// Flip bits on the line at this rate per bit, both ways (tests the retries)
    #[arg(long, value_name = "RATE")]
    pub line_errors: Option<f64>,
    /// Largest frame payload the host sends, bytes [default: 512, 32 with --line-errors]
    #[arg(long, value_name = "BYTES")]
    pub payload: Option<usize>,
    /// Tries of a command before giving up [default: 5, 20 with --line-errors]
    #[arg(long)]
    pub tries: Option<u32>,
    /// Seconds each read waits for the board [default: 2, 0.1 with --model]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<f64>,
    /// Write DIR/acc.npy (the board's integers) and DIR/y.npy (dequantized)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Runs the layer on the board and prints what it found; fails on any mismatch.
pub fn run(a: &HostArgs) -> Result<()> {
    if let Some(r) = a.line_errors
        && !(0.0..0.1).contains(&r)
    {
        bail!("--line-errors {r} is invalid: give a rate per bit in 0..0.1, e.g. 1e-4");
    }
    let timeout = a.timeout.unwrap_or(if a.model { 0.1 } else { 2.0 });
    if !(timeout > 0.0 && timeout <= 600.0) {
        bail!("--timeout {timeout} is invalid: give 0 < seconds ≤ 600");
    }
    if let Some(dir) = &a.out
        && dir.is_file()
    {
        bail!(
            "output folder `{}` is a file; give --out a folder path",
            dir.display()
        );
    }
    if let Some(b) = a.act_bits
        && !ACT_BITS.contains(&b)
    {
        bail!("--act-bits {b} is invalid: give the engine's activation bits, 2 to 16");
    }
    let (w, x) = a.input.load()?;
    let (n, k, tokens) = (w.rows, w.cols, x.rows);
    let wq = quantize_weights_absmean(&w);
    let packing = match a.packing {
        PackingArg::Base3 => WeightPacking::Base3,
        PackingArg::Codes => WeightPacking::Ternary,
        PackingArg::I2s => WeightPacking::I2s,
    };
    let weights: Vec<i64> = wq.q.iter().map(|&q| i64::from(q)).collect();
    let bits = pack(packing, n, k, &weights).context("packing the weights")?;
    let spec = LayerSpec {
        k: u32::try_from(k).context("K_total too large")?,
        n: u32::try_from(n).context("N_total too large")?,
        packing,
        act_bits: None,
        metadata_hash: None,
    };
    let config = HostConfig {
        timeout: Duration::from_secs_f64(timeout),
        payload_limit: a
            .payload
            .unwrap_or(if a.line_errors.is_some() { 32 } else { 512 }),
        tries: a
            .tries
            .unwrap_or(if a.line_errors.is_some() { 20 } else { 5 }),
        ..HostConfig::default()
    };
    let layer = Layer {
        bits: &bits,
        x: &x,
        act_bits: a.act_bits,
    };
    let baud = a.baud.unwrap_or(1_000_000);
    let (results, report, acts) = if let Some(dir) = &a.sim {
        sim_board(dir, a, config, &spec, &layer)?
    } else if a.model {
        let info = model_engine(&spec, &bits, a.act_bits.unwrap_or(8))?;
        let (host_end, board_end) = MemoryTransport::pair();
        let _board = BoardModel::new(info)
            .map_err(|e| anyhow::anyhow!("the board model: {}", e.0))?
            .spawn(board_end, Duration::from_millis(10));
        println!("board: the protocol's reference model (no hardware)");
        drive(
            host_end.named("board model"),
            a,
            baud,
            config,
            &spec,
            &layer,
        )?
    } else {
        let port = a.port.clone().unwrap_or_default();
        let link = SerialTransport::open(&port, baud)?;
        println!("board: {port} at {baud} baud");
        drive(link, a, baud, config, &spec, &layer)?
    };
    let vectors = &acts.vectors;
    let mut acc = Vec::with_capacity(tokens * n);
    for (t, y) in results.iter().enumerate() {
        for (nn, &got) in y.iter().enumerate() {
            let want: i64 = (0..k).map(|kk| vectors[t][kk] * weights[nn * k + kk]).sum();
            if got != want {
                bail!("the board's y[{t}][{nn}] is {got}, the golden GEMV gives {want}");
            }
            acc.push(got);
        }
    }
    println!(
        "layer: {tokens} tokens × {k} inputs → {n} outputs, int{} activations, every one of {} integers equal to the golden GEMV",
        acts.bits,
        acc.len()
    );
    print!("{report}");
    if let Some(dir) = &a.out {
        let y = acts.dequantize(&acc, n, &wq);
        write_results(dir, tokens, n, &acc, &y)?;
    }
    Ok(())
}

/// The activation widths the host quantizes to.
const ACT_BITS: std::ops::RangeInclusive<u8> = 2..=16;

/// The layer to run: the packed weights, the float activations (quantized
/// once the board's HELLO tells the width) and the width `--act-bits` states.
struct Layer<'a> {
    bits: &'a lutforge_host::BitString,
    x: &'a Matrix,
    act_bits: Option<u8>,
}

/// Activations quantized per token to `bits` signed bits, the absmax way of
/// docs/spec/algorithms.md §2 with Q = 2^(bits−1) − 1 in place of 127:
/// x_q = clamp(round(x · Q / max|x|), −Q − 1, Q) (the quotient in f64; at 8
/// bits exactly `quantize_activations_absmax`).
struct Acts {
    /// A, the signed width.
    bits: u8,
    /// The codes, one vector a token.
    vectors: Vec<Vec<i64>>,
    /// max|x| of each token (0 for a zero token, whose codes are all 0).
    absmax: Vec<f32>,
}

impl Acts {
    /// Quantizes every token (row) of `x` to `bits` bits (2..=16).
    fn quantize(x: &Matrix, bits: u8) -> Self {
        let q = Self::q_max(bits);
        let (vectors, absmax) = (0..x.rows)
            .map(|r| {
                let row = x.row(r);
                let m = row.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                let codes = row
                    .iter()
                    .map(|&v| match m {
                        0.0 => 0,
                        // `as i64` maps NaN to 0; the clamp keeps the value in range.
                        _ => (f64::from(v) * q / f64::from(m)).round().clamp(-q - 1.0, q) as i64,
                    })
                    .collect();
                (codes, m)
            })
            .unzip();
        Acts {
            bits,
            vectors,
            absmax,
        }
    }

    /// Q = 2^(A−1) − 1, the code that stands for max|x|.
    fn q_max(bits: u8) -> f64 {
        f64::from((1u32 << (bits - 1)) - 1)
    }

    /// y[t][n] = acc[t][n] · mean|W| · max|x_t| / Q, tokens × `outputs`, row-major.
    fn dequantize(&self, acc: &[i64], outputs: usize, w: &TernaryWeights) -> Vec<f64> {
        let (sw, q) = (f64::from(w.scale), Self::q_max(self.bits));
        acc.iter()
            .enumerate()
            .map(|(i, &v)| v as f64 * sw * f64::from(self.absmax[i / outputs.max(1)]) / q)
            .collect()
    }
}

/// The activation width to quantize to: the board's (from its HELLO), which
/// `--act-bits`, when given, must state.
fn act_bits_for(info: &EngineInfo, asked: Option<u8>) -> Result<u8> {
    let board = info.act_bits;
    if let Some(asked) = asked
        && asked != board
    {
        bail!(
            "the bitstream's engine takes int{board} activations, --act-bits says {asked}: rebuild with `lutforge board … --act-bits {asked}` or drop --act-bits"
        );
    }
    if !ACT_BITS.contains(&board) {
        bail!(
            "the bitstream's engine takes int{board} activations; lutforge host quantizes to 2 to 16 bits: rebuild with `lutforge board … --act-bits 8`"
        );
    }
    Ok(board)
}

/// The engine record the reference model answers HELLO with, for this layer.
fn model_engine(
    spec: &LayerSpec,
    bits: &lutforge_host::BitString,
    act_bits: u8,
) -> Result<EngineInfo> {
    let words = WeightWords::from_bits(bits, 8).context("cutting the weights into words")?;
    let largest = u64::from(spec.k) << (act_bits - 1);
    let acc_bits = (64 - largest.leading_zeros() + 1) as u8;
    Ok(EngineInfo {
        version: PROTOCOL_VERSION,
        k: spec.k,
        n: spec.n,
        act_bits,
        acc_bits,
        word_bits: 8,
        x_lanes: 1,
        y_lanes: 1,
        packing: spec.packing,
        weight_words: u32::try_from(words.len()).context("too many weight words")?,
        cycles_per_vector: 1,
        metadata_hash: metadata_hash(b"board model"),
        max_payload: 512,
        result_capacity: spec.n.saturating_mul(16),
    })
}

/// The simulated board of the `lutforge board` folder `dir`: built in
/// Verilator (once), run with its UART model at the folder's clocks per bit,
/// and the layer driven through it with the figures in simulated time.
fn sim_board(
    dir: &std::path::Path,
    a: &HostArgs,
    config: HostConfig,
    spec: &LayerSpec,
    layer: &Layer,
) -> Result<Run> {
    let record = crate::cmd::board::BoardRecord::read(dir)?;
    if let Some(b) = a.baud
        && b != record.baud
    {
        bail!(
            "--baud {b}: the board in {} runs its UART at {} baud; drop --baud or rebuild the board with --baud {b}",
            dir.display(),
            record.baud
        );
    }
    let board = lutforge_fpga::boards::Board::by_name(&record.board).map_err(anyhow::Error::msg)?;
    println!(
        "board: {} simulated in Verilator at {} MHz, {} baud ({} clocks a bit), from {}",
        board.description,
        record.clock_mhz,
        record.baud,
        record.clocks_per_bit,
        dir.display()
    );
    let program = lutforge_fpga::boards::sim::build_sim(
        dir,
        &board,
        record.clocks_per_bit,
        &record.files,
        Duration::from_secs(1800),
    )
    .map_err(anyhow::Error::msg)?;
    let mut args = vec![
        "--cpb".to_string(),
        record.clocks_per_bit.to_string(),
        "--seed".into(),
        a.input.seed.to_string(),
    ];
    if let Some(rate) = a.line_errors {
        args.extend(["--line-errors".into(), rate.to_string()]);
    }
    let hz = record.clock_mhz * 1e6;
    // After a time-out the line stays quiet for 15 ms, past the board's 10 ms quiet-line rule.
    let quiet = (0.015 * hz) as u32;
    let link = SimTransport::spawn(&program, &args, "the simulated board", quiet)?;
    let simulated = |l: &SimTransport| -> Result<Duration> {
        Ok(Duration::from_secs_f64(l.cycles()? as f64 / hz))
    };
    run_on(
        link,
        record.baud,
        config,
        spec,
        layer,
        &simulated,
        Some(record.clock_mhz),
    )
}

/// Loads the weights and runs the vectors over `link`.
fn drive<T: Transport>(
    link: T,
    a: &HostArgs,
    baud: u32,
    config: HostConfig,
    spec: &LayerSpec,
    layer: &Layer,
) -> Result<Run> {
    let start = Instant::now();
    match a.line_errors {
        Some(rate) => run_on(
            NoisyLine::new(link, rate, a.input.seed),
            baud,
            config,
            spec,
            layer,
            &|_: &NoisyLine<T>| Ok(start.elapsed()),
            None,
        ),
        None => run_on(
            link,
            baud,
            config,
            spec,
            layer,
            &|_: &T| Ok(start.elapsed()),
            None,
        ),
    }
}

/// What a run on the board gave: y for every token, the report lines and
/// the activations as sent.
type Run = (Vec<Vec<i64>>, String, Acts);

/// Runs the layer over `link`, its activations quantized to the width of
/// the board's HELLO; `now` tells the time on the wall clock, or on the
/// simulated board's clock when `simulated_mhz` gives its rate.
fn run_on<T: Transport>(
    link: T,
    baud: u32,
    config: HostConfig,
    spec: &LayerSpec,
    layer: &Layer,
    now: &dyn Fn(&T) -> Result<Duration>,
    simulated_mhz: Option<f64>,
) -> Result<Run> {
    let mut host = Host::new(link, config);
    let info = host.hello_expecting(spec)?;
    let acts = Acts::quantize(layer.x, act_bits_for(&info, layer.act_bits)?);
    let vectors = &acts.vectors;
    let words = WeightWords::from_bits(layer.bits, u32::from(info.word_bits))
        .context("cutting the weights into the engine's words")?;
    let t0 = now(host.link())?;
    host.load_weights(&words)?;
    let t1 = now(host.link())?;
    let load = t1.saturating_sub(t0);
    let loaded = *host.stats();
    let results = host.run(vectors)?;
    let took = now(host.link())?.saturating_sub(t1);
    let s = *host.stats();
    let status = host.status()?;
    let wire = |bytes: u64| bytes as f64 * 10.0 / f64::from(baud);
    let (load_bytes, token_bytes) = (
        loaded.bytes_sent + loaded.bytes_received,
        s.bytes_sent + s.bytes_received - loaded.bytes_sent - loaded.bytes_received,
    );
    let clock = match simulated_mhz {
        Some(mhz) => format!("simulated at {mhz} MHz"),
        None => "wall clock".into(),
    };
    let share = match simulated_mhz {
        Some(_) => wire(token_bytes) / took.as_secs_f64().max(1e-12),
        None => s.link_share(load + took),
    };
    let mut report = format!(
        "weights: {} words, {} bytes sent in {:.3} s ({clock})\ntokens: {} in {:.3} s = {:.1} tokens/s ({clock}); {} bytes sent, {} received; the link's share of the time {:.0} %\nframes: {} sent, {} retries, {} time-outs, {} damaged replies\n",
        words.len(),
        loaded.bytes_sent,
        load.as_secs_f64(),
        vectors.len(),
        took.as_secs_f64(),
        s.tokens_per_second(took),
        s.bytes_sent - loaded.bytes_sent,
        s.bytes_received - loaded.bytes_received,
        100.0 * share,
        s.frames_sent,
        s.retries,
        s.timeouts,
        s.damaged_replies
    );
    report.push_str(&format!(
        "on the wire at {baud} baud (8N1, 10 bits a byte): {:.3} s for the weights, {:.3} s for the tokens = at most {:.1} tokens/s from the link alone\n",
        wire(load_bytes),
        wire(token_bytes),
        vectors.len() as f64 / wire(token_bytes).max(1e-12)
    ));
    report.push_str(&format!(
        "board status: {:?}, {} vectors run, {} frames acted on, {} refused for a bad CRC, {} duplicates replayed\n",
        status.state, status.vectors_run, status.frames_accepted, status.bad_crc, status.duplicates
    ));
    Ok((results, report, acts))
}
