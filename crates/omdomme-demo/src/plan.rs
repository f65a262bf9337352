//! How many items each (hour, stream) cell gets: the weights of [`crate::scenario::weight`]
//! scaled so the cells add up to exactly the requested count.
//!
//! Systematic rounding over the running sum (`floor(n * cum / total)` minus what was already
//! given) hands out exactly `n` items in one streaming pass with no sorting, and every cell
//! gets its share to within one item.

use jiff::Timestamp;

use crate::scenario::{self, SLOTS, STREAMS, SlotInfo, Stream};

pub(crate) struct Plan {
    pub n: u64,
    /// First second of the window (inclusive).
    pub lo: i64,
    /// Last second an item may carry (inclusive): the window is `[lo, hi + 1)`.
    pub hi: i64,
    pub slots: Vec<SlotInfo>,
    total: f64,
}

impl Plan {
    pub fn new(n: u64, end: Timestamp) -> Plan {
        // Whole seconds inside [end - 90 days, end), whatever the sub-second part of `end`.
        let s = end.as_second();
        let end_ceil = if end.subsec_nanosecond() > 0 {
            s + 1
        } else {
            s
        };
        let hi = end_ceil - 1;
        let lo = end_ceil - i64::from(scenario::DAYS) * 86_400;
        let slots: Vec<SlotInfo> = (0..SLOTS)
            .map(|i| scenario::slot_info(lo + i as i64 * 3600))
            .collect();
        let mut total = 0.0;
        for (slot, info) in slots.iter().enumerate() {
            for stream in STREAMS {
                total += scenario::weight(stream, slot, *info);
            }
        }
        Plan {
            n,
            lo,
            hi,
            slots,
            total,
        }
    }

    /// Start second of a slot.
    pub fn slot_start(&self, slot: usize) -> i64 {
        self.lo + slot as i64 * 3600
    }

    #[cfg(test)]
    pub fn cells(&self) -> Cells<'_> {
        Cells {
            plan: self,
            alloc: Allocator::default(),
        }
    }
}

/// Position in the walk over all cells, slot-major so output is roughly chronological.
#[derive(Default)]
pub(crate) struct Allocator {
    next: usize,
    cum: f64,
    given: u64,
}

/// One cell of the plan.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Cell {
    pub slot: usize,
    pub stream: Stream,
    pub count: u64,
}

impl Allocator {
    pub fn next(&mut self, plan: &Plan) -> Option<Cell> {
        let cells = SLOTS * STREAMS.len();
        if self.next >= cells {
            return None;
        }
        let slot = self.next / STREAMS.len();
        let stream = STREAMS[self.next % STREAMS.len()];
        self.cum += scenario::weight(stream, slot, plan.slots[slot]);
        let target = if self.next + 1 == cells {
            // The last cell takes whatever rounding left over, so the sum is exact.
            plan.n
        } else if plan.total > 0.0 {
            ((plan.n as f64) * (self.cum / plan.total).min(1.0)).floor() as u64
        } else {
            0
        };
        let target = target.clamp(self.given, plan.n);
        let count = target - self.given;
        self.given = target;
        self.next += 1;
        Some(Cell {
            slot,
            stream,
            count,
        })
    }
}

#[cfg(test)]
pub(crate) struct Cells<'a> {
    plan: &'a Plan,
    alloc: Allocator,
}

#[cfg(test)]
impl Iterator for Cells<'_> {
    type Item = Cell;
    fn next(&mut self) -> Option<Cell> {
        self.alloc.next(self.plan)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_add_up_to_exactly_n() {
        let end: Timestamp = "2025-03-01T00:00:00Z".parse().unwrap();
        for n in [0, 1, 7, 999, 200_000, 10_000_000] {
            let plan = Plan::new(n, end);
            assert_eq!(plan.cells().map(|c| c.count).sum::<u64>(), n);
        }
    }
}
