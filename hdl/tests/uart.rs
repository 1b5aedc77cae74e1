//! The UART against bit-level models of the far end: the transmitter's line
//! decoded by sampling mid-bit, the receiver fed by a line whose bit time
//! is off by up to ±2 %, with idle gaps, glitches and framing errors.

use lutforge_hdl::board::uart::{uart_rx_module, uart_tx_module};
use lutforge_hdl::sim::Sim;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The bytes a line of samples (one per clock) carries at `cpb` clocks a bit.
fn decode_line(line: &[u64], cpb: usize) -> (Vec<u8>, usize) {
    let (mut bytes, mut framing) = (Vec::new(), 0);
    let mut t = 1;
    while t < line.len() {
        if line[t - 1] == 1 && line[t] == 0 {
            let mid = |bit: usize| t + bit * cpb + cpb / 2;
            if mid(9) >= line.len() {
                break;
            }
            let byte = (0..8).fold(0u8, |acc, i| acc | ((line[mid(i + 1)] as u8) << i));
            if line[mid(9)] != 1 {
                framing += 1;
            }
            bytes.push(byte);
            t = mid(9);
        } else {
            t += 1;
        }
    }
    (bytes, framing)
}

#[test]
fn the_transmitter_sends_8n1_frames_back_to_back_and_with_gaps() {
    for cpb in [8usize, 12, 25] {
        let m = uart_tx_module("u", cpb as u32).unwrap();
        let mut sim = Sim::new(&m, 1).unwrap();
        let (rst, valid, data) = (
            sim.input("rst").unwrap(),
            sim.input("in_valid").unwrap(),
            sim.input("in_data").unwrap(),
        );
        let (ready, txd) = (sim.output("in_ready").unwrap(), sim.output("txd").unwrap());
        sim.set(&rst, 0, 0, 1);
        sim.tick().unwrap();
        sim.set(&rst, 0, 0, 0);
        let mut rng = ChaCha8Rng::seed_from_u64(cpb as u64);
        let sent: Vec<u8> = (0..40)
            .map(|_| rng.random())
            .chain([0x00, 0xff, 0x55])
            .collect();
        let (mut next, mut line) = (0, Vec::new());
        while line.len() < 20 * cpb * 10 * sent.len()
            && (next < sent.len() || line.len() < 12 * cpb)
        {
            let offer = next < sent.len() && rng.random_bool(0.7);
            sim.set(&valid, 0, 0, offer as u64);
            sim.set(
                &data,
                0,
                0,
                u64::from(sent.get(next).copied().unwrap_or(!0)),
            );
            if offer && sim.get(&ready, 0, 0) == 1 {
                next += 1;
            }
            line.push(sim.get(&txd, 0, 0));
            sim.tick().unwrap();
        }
        for _ in 0..12 * cpb {
            sim.set(&valid, 0, 0, 0);
            line.push(sim.get(&txd, 0, 0));
            sim.tick().unwrap();
        }
        let (bytes, framing) = decode_line(&line, cpb);
        assert_eq!(bytes, sent, "cpb {cpb}");
        assert_eq!(framing, 0);
        assert_eq!(*line.last().unwrap(), 1, "the line idles high");
    }
}

/// A line carrying `bytes` (each with its stop bit value) at `bit` clocks a bit (fractional), with gaps.
fn line_of(frames: &[(u8, bool, usize)], bit: f64) -> Vec<u64> {
    let mut line = vec![1u64; 30];
    for &(byte, stop, gap) in frames {
        let mut levels = vec![0u64];
        levels.extend((0..8).map(|i| u64::from(byte >> i & 1)));
        levels.push(u64::from(stop));
        let start = line.len() as f64;
        for (i, &l) in levels.iter().enumerate() {
            let end = (start + (i + 1) as f64 * bit).round() as usize;
            line.resize(end, l);
        }
        line.extend(std::iter::repeat_n(1, gap));
    }
    line.extend(std::iter::repeat_n(1, 40));
    line
}

fn receive(cpb: u32, line: &[u64]) -> (Vec<u8>, usize) {
    let m = uart_rx_module("u", cpb).unwrap();
    let mut sim = Sim::new(&m, 1).unwrap();
    let (rst, rxd) = (sim.input("rst").unwrap(), sim.input("rxd").unwrap());
    let (valid, data, error) = (
        sim.output("out_valid").unwrap(),
        sim.output("out_data").unwrap(),
        sim.output("out_error").unwrap(),
    );
    sim.set(&rst, 0, 0, 1);
    sim.set(&rxd, 0, 0, 1);
    sim.tick().unwrap();
    sim.set(&rst, 0, 0, 0);
    let (mut got, mut errors) = (Vec::new(), 0);
    for &l in line {
        sim.set(&rxd, 0, 0, l);
        if sim.get(&valid, 0, 0) == 1 {
            got.push(sim.get(&data, 0, 0) as u8);
        }
        errors += sim.get(&error, 0, 0) as usize;
        sim.tick().unwrap();
    }
    (got, errors)
}

#[test]
fn the_receiver_takes_bytes_at_rates_off_by_two_percent() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for cpb in [8u32, 12, 16, 25] {
        for skew in [-0.02, 0.0, 0.02] {
            let frames: Vec<(u8, bool, usize)> = (0..60)
                .map(|i| {
                    (
                        rng.random(),
                        true,
                        if i % 3 == 0 {
                            0
                        } else {
                            rng.random_range(0..40)
                        },
                    )
                })
                .collect();
            let (got, errors) = receive(cpb, &line_of(&frames, f64::from(cpb) * (1.0 + skew)));
            let sent: Vec<u8> = frames.iter().map(|f| f.0).collect();
            assert_eq!(got, sent, "cpb {cpb} skew {skew}");
            assert_eq!(errors, 0);
        }
    }
}

#[test]
fn a_zero_stop_bit_is_a_framing_error_and_a_glitch_is_ignored() {
    let cpb = 12u32;
    let mut line = line_of(
        &[(0xa5, true, 10), (0x3c, false, 30), (0x81, true, 10)],
        12.0,
    );
    // A low pulse shorter than half a bit, in the idle time after the last byte.
    let at = line.len() - 30;
    line[at..at + 3].fill(0);
    line.extend(std::iter::repeat_n(1, 200));
    let (got, errors) = receive(cpb, &line);
    assert_eq!(
        got,
        [0xa5, 0x81],
        "the bad frame is not delivered, the glitch gives nothing"
    );
    assert_eq!(errors, 1);
}

#[test]
fn too_few_clocks_a_bit_are_refused() {
    let e = uart_rx_module("u", 4).unwrap_err().to_string();
    assert!(e.contains("clocks per bit = 4 is invalid"), "{e}");
    assert!(uart_tx_module("u", 0).is_err());
}
