//! The board model's refusals, frame by frame: a damaged frame is never
//! acted on, a duplicate is answered again but not applied twice, and an
//! unknown command or a wrong length gets its ERROR reply.

mod common;

use common::{engine, weights, words};
use lutforge_host::{
    ACK, BoardModel, Command, DATA, Decoded, Decoder, ERROR, EngineInfo, ErrorCode, ErrorReply,
    Frame, Host, MemoryTransport, Reply, SYNC, Status, WeightPacking, encode,
};

/// The reply the board gives to `bytes` (exactly one expected).
fn send(board: &mut BoardModel, bytes: &[u8]) -> Frame {
    let replies: Vec<Vec<u8>> = bytes.iter().filter_map(|&b| board.feed(b)).collect();
    assert_eq!(replies.len(), 1, "one reply to {bytes:02x?}");
    let mut d = Decoder::new();
    match replies[0].iter().find_map(|&b| d.push(b)) {
        Some(Decoded::Frame(f)) => f,
        other => panic!("the board's reply does not decode: {other:?}"),
    }
}

fn command(board: &mut BoardModel, c: Command, seq: u8, payload: &[u8]) -> Frame {
    send(board, &encode(c.kind(), seq, payload).unwrap())
}

fn error_of(f: &Frame) -> ErrorReply {
    assert_eq!(f.kind, ERROR, "{f:?}");
    ErrorReply::decode(&f.payload).unwrap()
}

fn status(board: &mut BoardModel, seq: u8) -> Status {
    Status::decode(&command(board, Command::Status, seq, &[]).payload).unwrap()
}

/// A board with a 3×5 base3 layer loaded (one word a byte, 3 words).
fn loaded() -> (BoardModel, EngineInfo, Vec<i64>) {
    let info = engine(3, 5, WeightPacking::Base3, 8, 2);
    let w = weights(&info, 1);
    let mut board = BoardModel::new(info.clone()).unwrap();
    let mut payload = 0u32.to_le_bytes().to_vec();
    payload.extend(words(&info, &w).wire_bytes());
    let ack = command(&mut board, Command::LoadWeights, 1, &payload);
    assert_eq!((ack.kind, ack.payload), (ACK, 3u32.to_le_bytes().to_vec()));
    (board, info, w)
}

fn vector_payload(offset: u32, x: &[i8]) -> Vec<u8> {
    let mut p = offset.to_le_bytes().to_vec();
    p.extend(x.iter().map(|&a| a as u8));
    p
}

#[test]
fn a_frame_with_a_bad_crc_is_refused_and_not_applied() {
    let (mut board, info, w) = loaded();
    let other = words(&info, &[0; 15]);
    let mut payload = 0u32.to_le_bytes().to_vec();
    payload.extend(other.wire_bytes());
    let mut bytes = encode(Command::LoadWeights.kind(), 2, &payload).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    let reply = send(&mut board, &bytes);
    assert_eq!(reply.seq, 2);
    assert_eq!(error_of(&reply).code, ErrorCode::BadCrc);
    assert_eq!(board.weights(), Some(&w[..]), "weights unchanged");

    let mut bytes = encode(
        Command::Vectors.kind(),
        3,
        &vector_payload(0, &[1, 2, 3, 4, 5]),
    )
    .unwrap();
    bytes[7] ^= 0x40;
    assert_eq!(error_of(&send(&mut board, &bytes)).code, ErrorCode::BadCrc);
    let s = status(&mut board, 4);
    assert_eq!(s.vectors_run, 0, "vector not run");
    assert_eq!(s.activations_held, 0);
    assert_eq!(s.bad_crc, 2);
    assert_eq!(s.weight_words_held, 3);
}

#[test]
fn a_duplicated_frame_is_acknowledged_and_not_applied_twice() {
    let (mut board, info, _) = loaded();
    let bytes = encode(
        Command::Vectors.kind(),
        9,
        &vector_payload(0, &[1, -2, 3, -4, 5]),
    )
    .unwrap();
    let first = send(&mut board, &bytes);
    let again = send(&mut board, &bytes);
    assert_eq!(first, again);
    assert_eq!(first.kind, ACK);
    let s = status(&mut board, 10);
    assert_eq!(s.vectors_run, 1);
    assert_eq!(s.results_ready, 3);
    assert_eq!(s.duplicates, 1);
    let read = command(&mut board, Command::ReadResults, 11, &[0, 0, 0, 0, 3, 0]);
    assert_eq!(read.kind, DATA);
    assert_eq!(read.payload.len(), 3 * info.result_bytes());
}

#[test]
fn a_retried_chunk_under_a_new_number_is_not_applied_twice_either() {
    let (mut board, _, _) = loaded();
    let p = vector_payload(0, &[1, 1, 1, 1, 1]);
    command(&mut board, Command::Vectors, 2, &p);
    let p = vector_payload(5, &[2, 2, 2, 2, 2]);
    assert_eq!(
        command(&mut board, Command::Vectors, 3, &p).payload,
        10u32.to_le_bytes()
    );
    assert_eq!(
        command(&mut board, Command::Vectors, 4, &p).payload,
        10u32.to_le_bytes()
    );
    assert_eq!(status(&mut board, 5).vectors_run, 2);
}

#[test]
fn hello_is_answered_even_under_the_last_number() {
    let (mut board, info, _) = loaded();
    command(&mut board, Command::Status, 7, &[]);
    let hello = command(&mut board, Command::Hello, 7, &[]);
    assert_eq!(hello.kind, DATA);
    assert_eq!(EngineInfo::decode(&hello.payload).unwrap(), info);
}

#[test]
fn an_unknown_command_and_wrong_lengths_get_error_replies() {
    let (mut board, _, _) = loaded();
    let e = error_of(&send(&mut board, &encode(0x42, 1, &[1, 2]).unwrap()));
    assert_eq!((e.code, e.kind), (ErrorCode::UnknownCommand, 0x42));
    let e = error_of(&command(&mut board, Command::Status, 2, &[0]));
    assert_eq!(e.code, ErrorCode::BadLength);
    let e = error_of(&command(
        &mut board,
        Command::ReadResults,
        3,
        &[0, 0, 0, 0, 1],
    ));
    assert_eq!((e.code, e.detail), (ErrorCode::BadLength, 6));
    let e = error_of(&command(&mut board, Command::LoadWeights, 4, &[0, 0, 0]));
    assert_eq!(e.code, ErrorCode::BadLength);
    let s = status(&mut board, 5);
    assert_eq!((s.unknown_command, s.bad_length), (1, 3));
    assert_eq!(board.status().weight_words_held, 3);
}

#[test]
fn an_oversize_length_field_is_refused_and_the_next_frame_is_read() {
    let (mut board, _, _) = loaded();
    let reply = send(&mut board, &[SYNC, Command::Status.kind(), 6, 0xFF, 0xFF]);
    assert_eq!(error_of(&reply).code, ErrorCode::TooLong);
    let mut bytes = vec![0x00, 0x11, 0x22];
    bytes.extend(encode(Command::Status.kind(), 7, &[]).unwrap());
    let s = Status::decode(&send(&mut board, &bytes).payload).unwrap();
    assert_eq!(s.too_long, 1);
}

#[test]
fn a_gap_in_a_stream_is_out_of_order_and_names_the_count_held() {
    let info = engine(3, 5, WeightPacking::Base3, 8, 2);
    let mut board = BoardModel::new(info).unwrap();
    let e = error_of(&command(
        &mut board,
        Command::Vectors,
        1,
        &vector_payload(0, &[0; 5]),
    ));
    assert_eq!(e.code, ErrorCode::NoWeights);
    let e = error_of(&command(
        &mut board,
        Command::LoadWeights,
        2,
        &[1, 0, 0, 0, 9],
    ));
    assert_eq!((e.code, e.detail), (ErrorCode::OutOfOrder, 0));
    let e = error_of(&command(
        &mut board,
        Command::LoadWeights,
        3,
        &[3, 0, 0, 0, 9],
    ));
    assert_eq!((e.code, e.detail), (ErrorCode::OutOfRange, 3));
}

#[test]
fn the_host_sees_the_error_replies_of_its_requests() {
    let info = engine(3, 5, WeightPacking::Base3, 8, 2);
    let (host_end, board_end) = MemoryTransport::pair();
    let _board = BoardModel::new(info)
        .unwrap()
        .spawn(board_end, common::BOARD_IDLE);
    let mut host = Host::new(host_end, common::quick());
    match host.request(0x42, &[]).unwrap() {
        Reply::Error(e) => assert_eq!(e.code, ErrorCode::UnknownCommand),
        other => panic!("{other:?}"),
    }
    match host.request(Command::Hello.kind(), &[1]).unwrap() {
        Reply::Error(e) => assert_eq!(e.code, ErrorCode::BadLength),
        other => panic!("{other:?}"),
    }
    assert_eq!(host.stats().retries, 0);
}
