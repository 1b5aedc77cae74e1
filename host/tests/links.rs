//! The link's failures in one line each: a silent board, a port that does
//! not exist or is busy; and the serial transport over a pseudo-terminal.

mod common;

use std::time::Duration;

use common::{engine, gemv, vectors, weights, words};
use lutforge_host::{
    BoardModel, Host, HostConfig, HostError, LinkError, MemoryTransport, SerialTransport,
    WeightPacking,
};

#[test]
fn a_silent_board_gives_the_timeout_error() {
    let (host_end, _board_end) = MemoryTransport::pair();
    let config = HostConfig {
        timeout: Duration::from_secs(2),
        tries: 1,
        ..HostConfig::default()
    };
    let mut host = Host::new(host_end.named("/dev/ttyUSB1"), config);
    let err = host.hello().unwrap_err();
    assert!(matches!(err, HostError::NoAnswer { .. }));
    assert_eq!(
        err.to_string(),
        "no answer from the board on /dev/ttyUSB1 after 2 s: is the bitstream loaded? `lutforge board` prints how"
    );
    assert!(host.stats().waiting >= Duration::from_secs(2));
}

#[test]
fn every_try_waits_before_the_host_gives_up() {
    let (host_end, _board_end) = MemoryTransport::pair();
    let config = HostConfig {
        timeout: Duration::from_millis(50),
        tries: 3,
        ..HostConfig::default()
    };
    let mut host = Host::new(host_end, config);
    let err = host.status().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("no answer from the board on memory after 50 ms")
    );
    assert_eq!((host.stats().retries, host.stats().timeouts), (2, 3));
}

#[test]
fn a_port_that_does_not_exist_is_one_line() {
    let err = SerialTransport::open("/dev/ttyLUTFORGE_NONE", 1_000_000).unwrap_err();
    assert!(matches!(err, LinkError::NoSuchPort { .. }));
    assert_eq!(
        err.to_string(),
        "serial port /dev/ttyLUTFORGE_NONE does not exist; is the board plugged in? `ls /dev/ttyUSB*` lists the ports"
    );
}

#[test]
fn a_board_that_goes_away_is_a_closed_link() {
    let (host_end, board_end) = MemoryTransport::pair();
    drop(board_end);
    let mut host = Host::new(host_end, common::quick());
    let err = host.hello().unwrap_err();
    assert_eq!(
        err.to_string(),
        "the link memory closed: was the board unplugged?"
    );
}

#[cfg(unix)]
mod pty {
    use super::*;
    use serialport::SerialPort;

    #[test]
    fn a_busy_port_is_one_line() {
        let (_master, slave) = serialport::TTYPort::pair().expect("a pseudo-terminal");
        let path = slave.name().expect("the pty's name");
        let _first = SerialTransport::open(&path, 115_200).expect("the first open");
        let err = SerialTransport::open(&path, 115_200).unwrap_err();
        assert!(matches!(err, LinkError::Busy { .. }), "{err}");
        assert!(
            err.to_string()
                .starts_with(&format!("serial port {path} is busy"))
        );
    }

    #[test]
    fn the_host_runs_a_layer_through_a_serial_port() {
        let (master, slave) = serialport::TTYPort::pair().expect("a pseudo-terminal");
        let path = slave.name().expect("the pty's name");
        drop(slave);
        let info = engine(6, 9, WeightPacking::Base3, 8, 2);
        let w = weights(&info, 21);
        let board_end = SerialTransport::from_port(Box::new(master), "pty master");
        let _board = BoardModel::new(info.clone())
            .unwrap()
            .spawn(board_end, common::BOARD_IDLE);
        let link = SerialTransport::open(&path, 1_000_000).expect("the pty opens");
        let mut host = Host::new(link, common::quick());
        host.hello().unwrap();
        host.load_weights(&words(&info, &w)).unwrap();
        let xs = vectors(&info, 3, 22);
        let ys = host.run(&xs).unwrap();
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(y, &gemv(&w, 9, x));
        }
    }
}
