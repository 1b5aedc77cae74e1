//! The simulated board's plumbing on its own: a board top (PLL bypassed,
//! power-on reset) around a UART echo built from the UART generators, run
//! in Verilator with the harness's bit-level UART model, spoken to through
//! `SimTransport`. The echo is a test scaffold, not the board logic. And
//! `lutforge host --sim` on a board whose engine takes int4 activations.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use lutforge_fpga::boards::sim::build_sim;
use lutforge_fpga::boards::top::{ClockPlan, render_top};
use lutforge_fpga::boards::{Board, ICEBREAKER};
use lutforge_gen::{Header, render_verilog};
use lutforge_hdl::board::uart::{uart_rx_module, uart_tx_module};
use lutforge_hdl::ir::{Module, ModuleBuilder, Ty};
use lutforge_host::{SimTransport, Transport};
use lutforge_tools::{Tool, for_test};

use common::{assert_one_line_error, files_in, host_sim, lutforge, small_weights};

/// `echo_board`: every byte received is sent back (one byte of buffer).
fn echo_board(clocks_per_bit: u32) -> Module {
    let rx = Arc::new(uart_rx_module("echo_uart", clocks_per_bit).unwrap());
    let tx = Arc::new(uart_tx_module("echo_uart", clocks_per_bit).unwrap());
    let mut b = ModuleBuilder::new("echo_board").unwrap();
    b.clock().unwrap();
    let rst = b.input("rst", Ty::BIT).unwrap();
    let rxd = b.input("uart_rx", Ty::BIT).unwrap();
    let pending = b.reg("pending", Ty::BIT, Some((rst, 0))).unwrap();
    let hold = b.reg("hold", Ty::unsigned(8), Some((rst, 0))).unwrap();
    let err = b.reg("err", Ty::BIT, Some((rst, 0))).unwrap();
    let got = b
        .instance("u_rx", rx, &[("rst", &[rst]), ("rxd", &[rxd])])
        .unwrap();
    let (valid, data, bad) = (
        got.scalar("out_valid").unwrap(),
        got.scalar("out_data").unwrap(),
        got.scalar("out_error").unwrap(),
    );
    let sent = b
        .instance(
            "u_tx",
            tx,
            &[
                ("rst", &[rst]),
                ("in_valid", &[pending]),
                ("in_data", &[hold]),
            ],
        )
        .unwrap();
    let (ready, txd) = (
        sent.scalar("in_ready").unwrap(),
        sent.scalar("txd").unwrap(),
    );
    let one = b.constant("one", Ty::BIT, 1).unwrap();
    let taken = b.not("not_ready", Ty::BIT, ready).unwrap();
    let kept = b.and("kept", Ty::BIT, pending, taken).unwrap();
    let next = b.mux("pending_next", Ty::BIT, valid, one, kept).unwrap();
    b.drive(pending, next, None).unwrap();
    b.drive(hold, data, Some(valid)).unwrap();
    let err_next = b.or("err_next", Ty::BIT, err, bad).unwrap();
    b.drive(err, err_next, None).unwrap();
    let busy = b.or("busy", Ty::BIT, pending, taken).unwrap();
    let idle = b.not("idle", Ty::BIT, busy).unwrap();
    b.output("uart_tx", txd).unwrap();
    b.output("led_idle", idle).unwrap();
    b.output("led_busy", busy).unwrap();
    b.output("led_error", err).unwrap();
    b.finish().unwrap()
}

/// Reads `n` bytes from the simulation.
fn read_n(link: &mut SimTransport, n: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0u8; 64];
    while got.len() < n {
        let k = link
            .read(&mut buf, Instant::now() + Duration::from_secs(5))
            .unwrap();
        if k == 0 {
            break;
        }
        got.extend_from_slice(&buf[..k]);
    }
    got
}

#[test]
fn bytes_echo_through_the_simulated_board_bit_by_bit() {
    if for_test(Tool::Verilator, "simulated board echo").is_none() {
        return;
    }
    // 3 Mbaud from the 48 MHz PLL clock: the PLL is bypassed in simulation.
    let plan = ClockPlan::new(&ICEBREAKER, Some(48.0)).unwrap();
    let cpb = Board::clocks_per_bit(plan.logic_mhz, 3_000_000).unwrap();
    assert_eq!(cpb, 16);
    let dir = tempfile::tempdir().unwrap();
    let logic = echo_board(cpb);
    std::fs::write(
        dir.path().join("top.v"),
        render_top(&ICEBREAKER, &plan, &logic.name, "test").unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("echo_board.v"),
        render_verilog(&logic, &Header::default()).unwrap(),
    )
    .unwrap();
    let files = vec!["top.v".to_string(), "echo_board.v".to_string()];
    let exe = build_sim(
        dir.path(),
        &ICEBREAKER,
        cpb,
        &files,
        Duration::from_secs(600),
    )
    .unwrap();

    let args = ["--cpb".to_string(), cpb.to_string()];
    let mut link = SimTransport::spawn(&exe, &args, "echo", 1000).unwrap();
    let c0 = link.cycles().unwrap();
    let mut sent = Vec::new();
    for round in 0..4u8 {
        let bytes: Vec<u8> = (0..16u8).map(|i| i.wrapping_mul(37) ^ round).collect();
        link.write_all(&bytes).unwrap();
        assert_eq!(read_n(&mut link, 16), bytes, "round {round}");
        sent.extend(bytes);
    }
    // Quiet: the board says nothing more, and the read says so at once.
    assert!(read_n(&mut link, 1).is_empty());
    let c1 = link.cycles().unwrap();
    // 64 bytes of 10 bits each way, the echo of each round after its first byte:
    // time stops while the line is quiet, so little more than that is counted.
    let line = 4 * 17 * 10 * u64::from(cpb);
    assert!(
        (line..line + 4 * 300).contains(&(c1 - c0)),
        "{} cycles for {line} on the line",
        c1 - c0
    );
    drop(link);

    // Bit errors on the line, both ways: bytes come back damaged, at about the rate.
    let args = [
        "--cpb".to_string(),
        cpb.to_string(),
        "--line-errors".into(),
        "0.01".into(),
        "--seed".into(),
        "7".into(),
    ];
    let mut link = SimTransport::spawn(&exe, &args, "echo", 1000).unwrap();
    let mut damaged = 0;
    for round in 0..16u8 {
        let bytes = vec![round; 8];
        link.write_all(&bytes).unwrap();
        let got = read_n(&mut link, 8);
        damaged += bytes.len().abs_diff(got.len());
        damaged += got.iter().zip(&bytes).filter(|(a, b)| a != b).count();
    }
    assert!(
        (1..64).contains(&damaged),
        "{damaged} of 128 bytes damaged at 1 % a bit"
    );
}

/// A board built with `--act-bits 4` (8 × 16 over a 1 × 4 tile): `host
/// --sim` quantizes to the width of the board's HELLO, with `--act-bits 4`
/// or without it, and every integer equals the golden GEMV; `--act-bits 8`
/// is refused in one line before any weight is sent.
#[test]
fn int4_activations_run_exactly_on_the_simulated_board() {
    if for_test(Tool::Verilator, "host --sim --act-bits 4").is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("board");
    let r = lutforge(&[
        "board",
        "--board",
        "icebreaker",
        "--in-features",
        "16",
        "--out-features",
        "8",
        "--n",
        "1",
        "--k",
        "4",
        "--act-bits",
        "4",
        "--no-build",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let wf = small_weights(tmp.path());
    let host = |extra: &[&str]| host_sim(&dir, &wf, 4, extra);
    let out = tmp.path().join("out");
    for extra in [
        &["--act-bits", "4", "--out", out.to_str().unwrap()][..],
        &[],
    ] {
        let r = host(extra);
        assert_eq!(r.code, 0, "{extra:?}: {}", r.stderr);
        assert!(
            r.stdout
                .contains("int4 activations, every one of 32 integers equal to the golden GEMV"),
            "{extra:?}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("4 vectors run"), "{}", r.stdout);
    }
    assert_eq!(files_in(&out), ["acc.npy", "y.npy"]);
    assert_one_line_error(
        &host(&["--act-bits", "8"]),
        "the bitstream's engine takes int4 activations, --act-bits says 8: rebuild with `lutforge board … --act-bits 8` or drop --act-bits",
    );
}
