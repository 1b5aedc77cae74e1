//! Refactors keep behaviour: the Verilog of every shipped example and of
//! every test configuration (tests/data/verilog_configs.txt, made by
//! scripts/verilog_configs.sh) is byte-identical to the committed SHA-256 in
//! tests/data/verilog_hashes.txt.

mod common;

use common::{files_in, lutforge};
use sha2::{Digest, Sha256};

#[test]
fn every_example_and_test_configuration_regenerates_byte_identical_verilog() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let hashes = std::fs::read_to_string(root.join("tests/data/verilog_hashes.txt")).unwrap();
    let configs = std::fs::read_to_string(root.join("tests/data/verilog_configs.txt")).unwrap();
    let listed: Vec<&str> = hashes.lines().map(|l| &l[66..]).collect();
    assert_eq!(
        listed,
        configs.lines().collect::<Vec<_>>(),
        "the hash list covers exactly the configuration list"
    );
    assert!(listed.len() >= 400, "{} configurations", listed.len());
    let dir = tempfile::tempdir().unwrap();
    let mut changed = Vec::new();
    for (i, line) in hashes.lines().enumerate() {
        let (want, config) = (&line[..64], &line[66..]);
        let out = dir.path().join(i.to_string());
        let mut args = vec!["gen"];
        args.extend(config.split(' '));
        args.extend(["--out", out.to_str().unwrap()]);
        let r = lutforge(&args);
        assert_eq!(r.code, 0, "{config}: {}", r.stderr);
        let v = files_in(&out)
            .into_iter()
            .find(|f| f.ends_with(".v"))
            .expect("NAME.v written");
        let got = format!("{:x}", Sha256::digest(std::fs::read(out.join(v)).unwrap()));
        if got != want {
            changed.push(config.to_string());
        }
    }
    assert!(
        changed.is_empty(),
        "{} configurations emit different Verilog, first: {}",
        changed.len(),
        changed.first().map(String::as_str).unwrap_or("")
    );
}
