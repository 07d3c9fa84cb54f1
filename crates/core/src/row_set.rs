//! A set of row numbers kept as ranges: a send of a million rows, which goes out mostly in
//! order, is a handful of ranges, so it can be stored after every step in no time.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Row numbers, as `[start, end)` ranges that neither overlap nor touch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowSet {
    /// start → end (exclusive).
    ranges: BTreeMap<usize, usize>,
    len: usize,
}

impl RowSet {
    /// How many rows are in the set.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The range holding `row`, if any.
    fn range_of(&self, row: usize) -> Option<(usize, usize)> {
        self.ranges.range(..=row).next_back().map(|(&s, &e)| (s, e)).filter(|&(_, e)| row < e)
    }

    /// Whether `row` is in the set.
    pub fn contains(&self, row: usize) -> bool {
        self.range_of(row).is_some()
    }

    /// Adds `row`; `false` when it was there already.
    pub fn insert(&mut self, row: usize) -> bool {
        if self.contains(row) {
            return false;
        }
        let mut start = row;
        let mut end = row + 1;
        // Joins the range ending just before and the one starting just after.
        if let Some((s, e)) = self.ranges.range(..row).next_back().map(|(&s, &e)| (s, e)) {
            if e == row {
                start = s;
                self.ranges.remove(&s);
            }
        }
        if let Some(e) = self.ranges.remove(&(row + 1)) {
            end = e;
        }
        self.ranges.insert(start, end);
        self.len += 1;
        true
    }

    /// Takes `row` out; `false` when it was not there.
    pub fn remove(&mut self, row: usize) -> bool {
        let Some((s, e)) = self.range_of(row) else { return false };
        self.ranges.remove(&s);
        if s < row {
            self.ranges.insert(s, row);
        }
        if row + 1 < e {
            self.ranges.insert(row + 1, e);
        }
        self.len -= 1;
        true
    }

    /// Adds every row of `other`.
    pub fn insert_all(&mut self, other: &RowSet) {
        if self.is_empty() {
            self.clone_from(other);
            return;
        }
        for row in other.iter() {
            self.insert(row);
        }
    }

    /// Takes every row of `other` out.
    pub fn remove_all(&mut self, other: &RowSet) {
        for row in other.iter() {
            self.remove(row);
        }
    }

    /// The rows, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.ranges.iter().flat_map(|(&s, &e)| s..e)
    }

    /// The ranges, `[start, end)`, in order.
    pub fn ranges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.ranges.iter().map(|(&s, &e)| (s, e))
    }
}

impl FromIterator<usize> for RowSet {
    fn from_iter<I: IntoIterator<Item = usize>>(rows: I) -> RowSet {
        let mut set = RowSet::default();
        for row in rows {
            set.insert(row);
        }
        set
    }
}

/// Stored as `[[start, end], ...]` (end exclusive).
impl Serialize for RowSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.ranges().map(|(s, e)| [s, e]))
    }
}

/// Read back from `[[start, end], ...]`; overlapping or touching ranges are joined, empty
/// or reversed ones ignored.
impl<'de> Deserialize<'de> for RowSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RowSet, D::Error> {
        let ranges: Vec<[usize; 2]> = Vec::deserialize(deserializer)?;
        let mut sorted: Vec<(usize, usize)> = ranges.into_iter().filter(|[s, e]| s < e).map(|[s, e]| (s, e)).collect();
        sorted.sort_unstable();
        let mut set = RowSet::default();
        let mut current: Option<(usize, usize)> = None;
        for (s, e) in sorted {
            current = match current {
                Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
                Some((cs, ce)) => {
                    set.ranges.insert(cs, ce);
                    set.len += ce - cs;
                    Some((s, e))
                }
                None => Some((s, e)),
            };
        }
        if let Some((cs, ce)) = current {
            set.ranges.insert(cs, ce);
            set.len += ce - cs;
        }
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_order_are_one_range() {
        let set: RowSet = (2..1_000_002).collect();
        assert_eq!(set.len(), 1_000_000);
        assert_eq!(set.ranges().collect::<Vec<_>>(), [(2, 1_000_002)]);
        assert_eq!(serde_json::to_string(&set).unwrap(), "[[2,1000002]]");
    }

    #[test]
    fn inserting_and_removing_keeps_ranges_apart_and_counts_right() {
        // Against a plain set, over a pseudo-random walk of inserts and removes.
        let mut set = RowSet::default();
        let mut plain = std::collections::BTreeSet::new();
        let mut x: u64 = 7;
        for _ in 0..20_000 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let row = (x >> 33) as usize % 300;
            if (x >> 20).is_multiple_of(3) {
                assert_eq!(set.remove(row), plain.remove(&row), "remove {row}");
            } else {
                assert_eq!(set.insert(row), plain.insert(row), "insert {row}");
            }
            assert_eq!(set.len(), plain.len());
        }
        assert_eq!(set.iter().collect::<Vec<_>>(), plain.iter().copied().collect::<Vec<_>>());
        let ranges: Vec<_> = set.ranges().collect();
        assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0), "ranges neither overlap nor touch: {ranges:?}");
        let again: RowSet = serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
        assert_eq!(again, set);
    }

    #[test]
    fn stored_ranges_are_read_leniently() {
        let set: RowSet = serde_json::from_str("[[10,12],[2,5],[4,8],[8,9],[20,20],[30,25]]").unwrap();
        assert_eq!(set.ranges().collect::<Vec<_>>(), [(2, 9), (10, 12)]);
        assert_eq!(set.len(), 9);
        assert!(serde_json::from_str::<RowSet>("{\"a\":1}").is_err());
    }
}
