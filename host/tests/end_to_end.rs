//! The host against the board model over an in-memory link: every result
//! checked against a plain GEMV.

mod common;

use common::{connect, engine, gemv, quick, vectors, weights, words};
use lutforge_host::{BoardState, HostConfig, HostError, LayerSpec, WeightPacking};

fn spec(info: &lutforge_host::EngineInfo) -> LayerSpec {
    LayerSpec {
        k: info.k,
        n: info.n,
        packing: info.packing,
        act_bits: Some(8),
        metadata_hash: Some(info.metadata_hash),
    }
}

#[test]
fn a_layer_in_every_packing_runs_exactly() {
    let cases = [
        (WeightPacking::Base3, 8),
        (WeightPacking::Ternary, 16),
        (WeightPacking::I2s, 13),
        (WeightPacking::Binary, 32),
        (WeightPacking::Int(4), 24),
        (WeightPacking::Int(8), 8),
    ];
    for (i, (packing, ww)) in cases.into_iter().enumerate() {
        let info = engine(10, 23, packing, ww, 3);
        let w = weights(&info, i as u64);
        let (mut host, board) = connect(&info, quick());
        let got = host.hello_expecting(&spec(&info)).unwrap();
        assert_eq!(got, info);
        host.load_weights(&words(&info, &w)).unwrap();
        let xs = vectors(&info, 7, 100 + i as u64);
        let ys = host.run(&xs).unwrap();
        assert_eq!(ys.len(), xs.len());
        for (x, y) in xs.iter().zip(&ys) {
            assert_eq!(y, &gemv(&w, info.k as usize, x), "{packing}");
        }
        let status = host.status().unwrap();
        assert_eq!(status.state, BoardState::Ready);
        assert_eq!(status.weight_words_held, info.weight_words);
        assert_eq!(status.vectors_run, 7);
        assert_eq!(
            status.bad_crc + status.bad_length + status.unknown_command,
            0
        );
        assert_eq!(host.stats().vectors, 7);
        assert_eq!(host.stats().retries, 0);
        drop(host);
        let (model, served) = board.join().unwrap();
        served.unwrap();
        assert_eq!(model.weights(), Some(&w[..]));
    }
}

#[test]
fn several_tokens_travel_in_one_frame() {
    let info = engine(4, 16, WeightPacking::Base3, 8, 32);
    let w = weights(&info, 7);
    let (mut host, _board) = connect(&info, quick());
    host.hello().unwrap();
    host.load_weights(&words(&info, &w)).unwrap();
    let before = host.stats().frames_sent;
    let xs = vectors(&info, 30, 8);
    let ys = host.run(&xs).unwrap();
    for (x, y) in xs.iter().zip(&ys) {
        assert_eq!(y, &gemv(&w, 16, x));
    }
    // 30 vectors of 16 bytes: one VECTORS frame of 480 bytes, 120 results of 3 bytes: one READ.
    assert_eq!(host.stats().frames_sent - before, 2);
}

#[test]
fn batches_follow_the_result_buffer_and_small_payloads() {
    let info = engine(40, 50, WeightPacking::Ternary, 16, 2);
    let w = weights(&info, 3);
    let config = HostConfig {
        payload_limit: 32,
        ..quick()
    };
    let (mut host, _board) = connect(&info, config);
    host.hello().unwrap();
    host.load_weights(&words(&info, &w)).unwrap();
    let xs = vectors(&info, 5, 4);
    let ys = host.run(&xs).unwrap();
    for (x, y) in xs.iter().zip(&ys) {
        assert_eq!(y, &gemv(&w, 50, x));
    }
}

#[test]
fn busy_replies_are_waited_out() {
    let info = engine(3, 5, WeightPacking::Base3, 8, 1);
    let w = weights(&info, 5);
    let (host_end, board_end) = lutforge_host::MemoryTransport::pair();
    let mut model = lutforge_host::BoardModel::new(info.clone()).unwrap();
    model.set_busy_replies(3);
    let _board = model.spawn(board_end, common::BOARD_IDLE);
    let mut host = lutforge_host::Host::new(host_end, quick());
    host.hello().unwrap();
    host.load_weights(&words(&info, &w)).unwrap();
    let xs = vectors(&info, 1, 6);
    assert_eq!(host.run(&xs).unwrap()[0], gemv(&w, 5, &xs[0]));
    assert_eq!(host.stats().busy, 3);
}

#[test]
fn a_board_with_another_engine_is_named() {
    let info = engine(384, 384, WeightPacking::Base3, 8, 1);
    let (mut host, _board) = connect(&info, quick());
    let err = host
        .hello_expecting(&LayerSpec {
            k: 64,
            n: 256,
            packing: WeightPacking::Ternary,
            act_bits: None,
            metadata_hash: None,
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the board's engine is 384×384 base3, the weights are 256×64 ternary codes: rebuild the bitstream for this layer with `lutforge board`"
    );
    let err = host
        .hello_expecting(&LayerSpec {
            metadata_hash: Some(1),
            ..spec(&info)
        })
        .unwrap_err();
    assert!(matches!(err, HostError::MetadataMismatch { .. }), "{err}");
}

#[test]
fn wrong_inputs_are_refused_before_the_wire() {
    let info = engine(3, 5, WeightPacking::Base3, 8, 1);
    let (mut host, _board) = connect(&info, quick());
    assert!(matches!(host.run(&[vec![0; 5]]), Err(HostError::NoHello)));
    host.hello().unwrap();
    let err = host.run(&[vec![0; 4]]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "vector 0 has 4 activations, the board's engine takes 5"
    );
    let err = host.run(&[vec![0, 0, 200, 0, 0]]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "activation 2 of vector 0 is 200, outside the engine's 8-bit range"
    );
    let other = engine(3, 6, WeightPacking::Base3, 8, 1);
    let err = host
        .load_weights(&words(&other, &weights(&other, 1)))
        .unwrap_err();
    assert!(matches!(err, HostError::WeightWords { .. }), "{err}");
    let err = host.run(&[vec![0; 5]]).unwrap_err();
    assert!(err.to_string().contains("no weights loaded"), "{err}");
}
