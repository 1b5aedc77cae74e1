//! The host against the board model over a line that flips bits both
//! ways: results stay exact and the retries are counted.

mod common;

use std::time::Duration;

use common::{BOARD_IDLE, engine, gemv, vectors, weights, words};
use lutforge_host::{BoardModel, Host, HostConfig, MemoryTransport, NoisyLine, WeightPacking};

/// Runs a 96×80 ternary layer over a line with `rate` bit errors; returns (retries, bits flipped).
fn run_at(rate: f64, payload_limit: usize, seed: u64) -> (u64, u64) {
    let info = engine(96, 80, WeightPacking::Ternary, 16, 4);
    let w = weights(&info, seed);
    let (host_end, board_end) = MemoryTransport::pair();
    let board = BoardModel::new(info.clone())
        .unwrap()
        .spawn(board_end, BOARD_IDLE);
    let config = HostConfig {
        timeout: if rate > 0.0 {
            Duration::from_millis(150)
        } else {
            Duration::from_secs(5)
        },
        tries: 40,
        payload_limit,
        ..HostConfig::default()
    };
    let mut host = Host::new(NoisyLine::new(host_end, rate, seed), config);
    host.hello().unwrap();
    host.load_weights(&words(&info, &w)).unwrap();
    let xs = vectors(&info, 12, seed + 1);
    let ys = host.run(&xs).unwrap();
    for (x, y) in xs.iter().zip(&ys) {
        assert_eq!(y, &gemv(&w, 80, x), "rate {rate}");
    }
    let status = host.status().unwrap();
    assert_eq!(status.vectors_run, 12, "no vector run twice at rate {rate}");
    assert_eq!(status.weight_words_held, info.weight_words);
    eprintln!("rate {rate}: {}", host.stats());
    let retries = host.stats().retries;
    let (out, back) = host.link().flipped();
    drop(host);
    let (model, _) = board.join().unwrap();
    assert_eq!(model.weights(), Some(&w[..]));
    (retries, out + back)
}

#[test]
fn results_are_exact_at_one_error_in_ten_thousand_bits() {
    let (retries, flipped) = run_at(1e-4, 512, 11);
    assert!(flipped > 0, "the line flipped no bit");
    assert!(retries > 0, "{flipped} bits flipped, no retry");
}

#[test]
fn results_are_exact_at_one_error_in_a_thousand_bits() {
    let (retries, flipped) = run_at(1e-3, 64, 12);
    assert!(flipped > 10);
    assert!(retries > 0);
}

#[test]
fn a_clean_line_needs_no_retry() {
    assert_eq!(run_at(0.0, 512, 13), (0, 0));
}
