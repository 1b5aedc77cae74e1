//! Any byte sequence: the decoder and the board model never panic, and
//! they find the next good frame after garbage.

mod common;

use lutforge_host::{
    BoardModel, Command, Decoded, Decoder, Frame, MAX_PAYLOAD, SYNC, WeightPacking, encode,
};
use proptest::prelude::*;

/// Bytes that mix garbage with well-formed frames of any kind and payload.
fn line() -> impl Strategy<Value = Vec<u8>> {
    let frame = (
        any::<u8>(),
        any::<u8>(),
        prop::collection::vec(any::<u8>(), 0..80),
    )
        .prop_map(|(kind, seq, mut payload)| {
            if payload.len() >= 4 && seq % 2 == 0 {
                payload[0] %= 8;
                payload[1..4].fill(0);
            }
            encode(kind % 8, seq, &payload).unwrap()
        });
    let garbage = prop::collection::vec(any::<u8>(), 0..40);
    prop::collection::vec(prop_oneof![frame, garbage], 0..12).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_decoder_never_panics_and_never_overruns(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let mut d = Decoder::new();
        for b in bytes {
            if let Some(Decoded::Frame(f)) = d.push(b) {
                prop_assert!(f.payload.len() <= MAX_PAYLOAD);
            }
        }
    }

    #[test]
    fn a_frame_after_garbage_without_sync_is_found(
        garbage in prop::collection::vec(any::<u8>().prop_filter("no sync", |b| *b != SYNC), 0..200),
        kind in any::<u8>(),
        seq in any::<u8>(),
        payload in prop::collection::vec(any::<u8>(), 0..=MAX_PAYLOAD),
    ) {
        let mut bytes = garbage.clone();
        bytes.extend(encode(kind, seq, &payload).unwrap());
        let mut d = Decoder::new();
        let out: Vec<Decoded> = bytes.iter().filter_map(|&b| d.push(b)).collect();
        prop_assert_eq!(out, vec![Decoded::Frame(Frame::new(kind, seq, payload))]);
        prop_assert_eq!(d.skipped(), garbage.len() as u64);
    }

    #[test]
    fn a_frame_after_any_garbage_and_a_quiet_line_is_found(
        garbage in prop::collection::vec(any::<u8>(), 0..200),
        payload in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut d = Decoder::new();
        for b in garbage {
            d.push(b);
        }
        d.abandon();
        let frame = encode(Command::Vectors.kind(), 3, &payload).unwrap();
        let out: Vec<Decoded> = frame.iter().filter_map(|&b| d.push(b)).collect();
        prop_assert_eq!(out, vec![Decoded::Frame(Frame::new(Command::Vectors.kind(), 3, payload))]);
    }

    #[test]
    fn the_board_model_never_panics_and_answers_every_frame_it_sees(bytes in line()) {
        let info = common::engine(3, 7, WeightPacking::Base3, 8, 2);
        let mut board = BoardModel::new(info).unwrap();
        for b in bytes {
            if let Some(reply) = board.feed(b) {
                let mut d = Decoder::new();
                let decoded = reply.iter().find_map(|&b| d.push(b));
                prop_assert!(matches!(decoded, Some(Decoded::Frame(_))));
            }
        }
        board.line_quiet();
        let s = board.status();
        prop_assert!(s.weight_words_held <= board.info().weight_words);
    }
}
