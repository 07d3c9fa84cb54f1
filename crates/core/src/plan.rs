//! Cutting the records to send into batches.

/// Splits record indices `0..count` into batches of at most `size` (at least 1).
pub fn batches(count: usize, size: usize) -> Vec<Vec<usize>> {
    let size = size.max(1);
    (0..count).collect::<Vec<_>>().chunks(size).map(<[usize]>::to_vec).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn batches_cover_every_record_once() {
        let b = super::batches(5, 2);
        assert_eq!(b, vec![vec![0, 1], vec![2, 3], vec![4]]);
        assert_eq!(super::batches(0, 100), Vec::<Vec<usize>>::new());
        assert_eq!(super::batches(2, 0), vec![vec![0], vec![1]]);
    }
}
