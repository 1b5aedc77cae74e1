//! The exact semantics of block memories and SPRAMs in the simulator
//! (read-first collisions, read enables, initial contents, nibble masks,
//! chip select) and the builder's refusals of malformed ones.

use lutforge_hdl::ir::{BuildError, Collision, Module, ModuleBuilder, SpramPorts, Ty};
use lutforge_hdl::sim::Sim;

/// A 16 × 8 block memory with write port (`we`, `wa`, `wd`) and one read
/// port (`re`, `ra`) driving `q`.
fn bram(collision: Collision, init: Option<&[u64]>) -> Module {
    let mut b = ModuleBuilder::new("bram").unwrap();
    let we = b.input("we", Ty::BIT).unwrap();
    let wa = b.input("wa", Ty::unsigned(4)).unwrap();
    let wd = b.input("wd", Ty::unsigned(8)).unwrap();
    let re = b.input("re", Ty::BIT).unwrap();
    let ra = b.input("ra", Ty::unsigned(4)).unwrap();
    let mem = b
        .block_memory("mem", Ty::unsigned(8), 16, collision, init)
        .unwrap();
    b.block_write_port(mem, we, wa, wd).unwrap();
    let q = b.block_read("rd", mem, ra, re).unwrap();
    b.output("q", q).unwrap();
    b.finish().unwrap()
}

/// Drives the named inputs of lane 0, then reads `q` before and after one edge.
fn step(sim: &mut Sim, inputs: &[(&str, u64)]) -> (u64, u64) {
    for &(name, v) in inputs {
        let h = sim.input(name).unwrap();
        sim.set(&h, 0, 0, v);
    }
    let q = sim.output("q").unwrap();
    let before = sim.get(&q, 0, 0);
    sim.tick().unwrap();
    (before, sim.get(&q, 0, 0))
}

#[test]
fn a_block_read_is_registered_and_read_first() {
    let mut sim = Sim::new(&bram(Collision::ReadFirst, None), 1).unwrap();
    assert_eq!(
        step(&mut sim, &[("we", 1), ("wa", 3), ("wd", 0xaa)]),
        (0, 0)
    );
    // Read and write of word 3 on one edge: the read gets the old word.
    let (before, after) = step(
        &mut sim,
        &[("we", 1), ("wa", 3), ("wd", 0x55), ("re", 1), ("ra", 3)],
    );
    assert_eq!(
        (before, after),
        (0, 0xaa),
        "the read data starts at 0 and reads first"
    );
    assert_eq!(step(&mut sim, &[("we", 0)]).1, 0x55);
}

#[test]
fn a_block_read_holds_while_its_enable_is_0() {
    let mut sim = Sim::new(&bram(Collision::DontCare, Some(&[7, 8, 9])), 1).unwrap();
    assert_eq!(step(&mut sim, &[("re", 1), ("ra", 2)]).1, 9);
    assert_eq!(step(&mut sim, &[("re", 0), ("ra", 1)]).1, 9);
    assert_eq!(step(&mut sim, &[("re", 1)]).1, 8);
}

#[test]
fn initial_contents_are_the_first_words_and_0_past_them() {
    let mut sim = Sim::new(&bram(Collision::ReadFirst, Some(&[0x11, 0x22])), 2).unwrap();
    for (addr, want) in [(0, 0x11), (1, 0x22), (2, 0), (15, 0)] {
        assert_eq!(
            step(&mut sim, &[("re", 1), ("ra", addr)]).1,
            want,
            "word {addr}"
        );
    }
    let q = sim.output("q").unwrap();
    assert_eq!(
        sim.get(&q, 0, 1),
        0,
        "lane 1 read nothing yet but starts from the same words"
    );
}

/// One SPRAM with its ports as inputs `addr`, `din`, `mask`, `wren`, `cs`.
fn spram() -> Module {
    let mut b = ModuleBuilder::new("sp").unwrap();
    let ports = SpramPorts {
        addr: b.input("addr", Ty::unsigned(14)).unwrap(),
        data_in: b.input("din", Ty::unsigned(16)).unwrap(),
        mask_wren: b.input("mask", Ty::unsigned(4)).unwrap(),
        wren: b.input("wren", Ty::BIT).unwrap(),
        chip_select: b.input("cs", Ty::BIT).unwrap(),
    };
    let q = b.spram("dout", ports).unwrap();
    b.output("q", q).unwrap();
    b.finish().unwrap()
}

#[test]
fn an_spram_writes_nibbles_reads_registered_and_obeys_chip_select() {
    let mut sim = Sim::new(&spram(), 1).unwrap();
    let write = |addr, din, mask| {
        [
            ("addr", addr),
            ("din", din),
            ("mask", mask),
            ("wren", 1),
            ("cs", 1),
        ]
    };
    let read = |addr| [("addr", addr), ("wren", 0), ("cs", 1)];
    step(&mut sim, &write(16383, 0x1234, 0b1111));
    assert_eq!(
        step(&mut sim, &read(16383)),
        (0, 0x1234),
        "a write leaves DATAOUT undefined (0)"
    );
    step(&mut sim, &write(16383, 0xabcd, 0b0101));
    assert_eq!(
        step(&mut sim, &read(16383)).1,
        0x1b3d,
        "nibbles 0 and 2 written"
    );
    // Without chip select neither a write nor a read happens.
    let idle_write = [
        ("addr", 16383),
        ("din", 0),
        ("mask", 0b1111),
        ("wren", 1),
        ("cs", 0),
    ];
    assert_eq!(step(&mut sim, &idle_write).1, 0x1b3d, "DATAOUT holds");
    assert_eq!(
        step(&mut sim, &[("addr", 0), ("wren", 0), ("cs", 0)]).1,
        0x1b3d
    );
    assert_eq!(
        step(&mut sim, &read(16383)).1,
        0x1b3d,
        "the word was not written"
    );
    assert_eq!(
        step(&mut sim, &read(0)).1,
        0,
        "words start at 0 in the simulator"
    );
}

fn error_of(f: impl FnOnce(&mut ModuleBuilder) -> Result<(), BuildError>) -> String {
    let mut b = ModuleBuilder::new("bad").unwrap();
    f(&mut b).unwrap_err().to_string()
}

#[test]
fn malformed_block_memories_are_refused() {
    let err = error_of(|b| {
        b.block_memory("m", Ty::BIT, 1000, Collision::ReadFirst, None)?;
        Ok(())
    });
    assert!(
        err.contains("1000 words; use a power of two from 2 to 65536"),
        "{err}"
    );
    let err = error_of(|b| {
        b.block_memory("m", Ty::BIT, 1 << 17, Collision::ReadFirst, None)?;
        Ok(())
    });
    assert!(err.contains("131072 words"), "{err}");
    let err = error_of(|b| {
        b.block_memory(
            "m",
            Ty::unsigned(4),
            2,
            Collision::DontCare,
            Some(&[1, 2, 3]),
        )?;
        Ok(())
    });
    assert!(err.contains("3 initial words but only 2 words"), "{err}");
    let err = error_of(|b| {
        b.block_memory("m", Ty::unsigned(4), 4, Collision::DontCare, Some(&[0x10]))?;
        Ok(())
    });
    assert!(
        err.contains("initial word 0x10 does not fit 4 bits"),
        "{err}"
    );
    let err = error_of(|b| {
        b.block_memory("m", Ty::unsigned(65), 4, Collision::DontCare, None)?;
        Ok(())
    });
    assert!(err.contains("width 65"), "{err}");
    let err = error_of(|b| {
        let m = b.block_memory("m", Ty::unsigned(8), 1 << 16, Collision::DontCare, None)?;
        let a = b.input("a", Ty::unsigned(15))?;
        let en = b.input("en", Ty::BIT)?;
        b.block_read("r", m, a, en)?;
        Ok(())
    });
    assert!(
        err.contains("must be unsigned and 16 bits wide (65536 words)"),
        "{err}"
    );
    let err = error_of(|b| {
        let m = b.memory("lut", Ty::unsigned(8), 4)?;
        let a = b.input("a", Ty::unsigned(2))?;
        let en = b.input("en", Ty::BIT)?;
        b.block_read("r", m, a, en)?;
        Ok(())
    });
    assert!(err.contains("`lut` is not a block memory"), "{err}");
    let err = error_of(|b| {
        let m = b.block_memory("m", Ty::unsigned(8), 4, Collision::DontCare, None)?;
        let a = b.input("a", Ty::unsigned(2))?;
        let en = b.input("en", Ty::unsigned(2))?;
        b.block_read("r", m, a, en)?;
        Ok(())
    });
    assert!(err.contains("must be one bit"), "{err}");
    let err = error_of(|b| {
        let m = b.block_memory("m", Ty::unsigned(8), 4, Collision::DontCare, None)?;
        let a = b.input("a", Ty::unsigned(2))?;
        let en = b.input("en", Ty::BIT)?;
        let d = b.input("d", Ty::unsigned(9))?;
        b.block_write_port(m, en, a, d)?;
        Ok(())
    });
    assert!(
        err.contains("write data must be as wide as its words"),
        "{err}"
    );
}

#[test]
fn an_unwritten_block_memory_is_refused() {
    let mut b = ModuleBuilder::new("bad").unwrap();
    let m = b
        .block_memory("m", Ty::unsigned(8), 4, Collision::DontCare, None)
        .unwrap();
    let a = b.input("a", Ty::unsigned(2)).unwrap();
    let en = b.input("en", Ty::BIT).unwrap();
    let q = b.block_read("r", m, a, en).unwrap();
    b.output("y", q).unwrap();
    let err = b.finish().unwrap_err().to_string();
    assert!(
        err.contains("memory `m` was never given a write port"),
        "{err}"
    );
}

#[test]
fn spram_ports_of_the_wrong_width_are_refused() {
    for (port, width, want) in [
        (
            "addr",
            13,
            "the address `addr` must be unsigned and 14 bits wide",
        ),
        ("din", 15, "DATAIN `din` is 15 bits, not 16"),
        ("mask", 2, "MASKWREN `mask` is 2 bits, not 4"),
        ("wren", 2, "must be one bit"),
        ("cs", 3, "must be one bit"),
    ] {
        let err = error_of(|b| {
            let ty = |p: &str, w: u32| Ty::unsigned(if p == port { width } else { w });
            let ports = SpramPorts {
                addr: b.input("addr", ty("addr", 14))?,
                data_in: b.input("din", ty("din", 16))?,
                mask_wren: b.input("mask", ty("mask", 4))?,
                wren: b.input("wren", ty("wren", 1))?,
                chip_select: b.input("cs", ty("cs", 1))?,
            };
            b.spram("dout", ports)?;
            Ok(())
        });
        assert!(err.contains(want), "{port}: {err}");
    }
}
