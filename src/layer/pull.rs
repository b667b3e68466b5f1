//! What each path costs to pull: while a layer is decoded, the compressed bytes the
//! decoder has consumed are noted after each of its reads (`decode::Metered`), and
//! each tar entry's start is placed in the blob by interpolating between those
//! notes.

/// Where tar offset `x` is in the blob: linear between the decoder's reads around it.
fn compressed_at(map: &[(u64, u64)], x: u64) -> u64 {
    let i = map.partition_point(|&(out, _)| out < x);
    let Some(&(out1, in1)) = map.get(i) else {
        return map.last().map_or(0, |l| l.1);
    };
    let (out0, in0) = if i == 0 { (0, 0) } else { map[i - 1] };
    if out1 <= out0 || in1 <= in0 {
        return in1.max(in0);
    }
    in0 + ((u128::from(x - out0) * u128::from(in1 - in0)) / u128::from(out1 - out0)) as u64
}

/// Each entry's pull cost: the compressed bytes from its start to the next entry's
/// (the last one's to the tar's end), so that they add up to the blob's bytes that
/// hold the tar.
pub(super) fn pull_costs(map: &[(u64, u64)], starts: &[u64], end: u64) -> Vec<u64> {
    let at: Vec<u64> = starts
        .iter()
        .chain(std::iter::once(&end))
        .map(|&x| compressed_at(map, x))
        .collect();
    at.windows(2).map(|w| w[1].saturating_sub(w[0])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_costs_interpolate_between_reads() {
        // Two decoder reads: 1000 decoded bytes from 100 compressed, then 1000
        // more from 900.
        let map = [(1000, 100), (2000, 1000)];
        assert_eq!(compressed_at(&map, 0), 0);
        assert_eq!(compressed_at(&map, 500), 50);
        assert_eq!(compressed_at(&map, 1500), 550);
        assert_eq!(compressed_at(&map, 5000), 1000);
        // Entries at 0, 1000 and 1500, the tar ending at 2000: they add up to the
        // whole blob.
        let costs = pull_costs(&map, &[0, 1000, 1500], 2000);
        assert_eq!(costs, vec![100, 450, 450]);
        assert_eq!(costs.iter().sum::<u64>(), 1000);
    }
}
