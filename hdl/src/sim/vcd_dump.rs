//! VCD dumps of one lane, through the `vcd` crate.

use std::io::{self, Write};

use vcd::{IdCode, TimescaleUnit, Value, Writer};

use crate::ir::Ty;

/// A VCD writer following every slot of one lane.
pub(crate) struct VcdDump {
    writer: Writer<Box<dyn Write + Send>>,
    /// Per wire: its code, width and slot (the clock first, with no slot).
    ids: Vec<(IdCode, u32, usize)>,
    last: Vec<Option<u64>>,
    lane: usize,
}

/// Half a clock period in the dump's time unit (ns), so a cycle is 10 ns.
const HALF_PERIOD: u64 = 5;

impl VcdDump {
    pub fn new(
        out: Box<dyn Write + Send>,
        names: &[(usize, String, Ty)],
        lane: usize,
    ) -> io::Result<Self> {
        let mut writer = Writer::new(out);
        writer.timescale(1, TimescaleUnit::NS)?;
        writer.add_module("top")?;
        let clk = writer.add_wire(1, "sim_clock")?;
        let mut ids = vec![(clk, 1, 0)];
        for (slot, name, ty) in names {
            ids.push((
                writer.add_wire(ty.width, &name.replace('.', "__"))?,
                ty.width,
                *slot,
            ));
        }
        writer.upscope()?;
        writer.enddefinitions()?;
        let last = vec![None; ids.len()];
        Ok(VcdDump {
            writer,
            ids,
            last,
            lane,
        })
    }

    /// Writes the settled values of `cycle` (clock low), then the rising edge.
    pub fn sample(&mut self, cycle: u64, values: &[u64], lanes: usize) -> io::Result<()> {
        self.writer.timestamp(cycle * 2 * HALF_PERIOD)?;
        self.writer.change_scalar(self.ids[0].0, Value::V0)?;
        for i in 1..self.ids.len() {
            let (id, width, slot) = self.ids[i];
            let v = values[slot * lanes + self.lane];
            if self.last[i] != Some(v) {
                self.last[i] = Some(v);
                let bits = (0..width).rev().map(|b| {
                    if (v >> b) & 1 == 1 {
                        Value::V1
                    } else {
                        Value::V0
                    }
                });
                self.writer.change_vector(id, bits)?;
            }
        }
        self.writer
            .timestamp(cycle * 2 * HALF_PERIOD + HALF_PERIOD)?;
        self.writer.change_scalar(self.ids[0].0, Value::V1)
    }

    pub fn finish(mut self, cycle: u64) -> io::Result<()> {
        self.writer.timestamp(cycle * 2 * HALF_PERIOD)?;
        self.writer.flush()
    }
}
