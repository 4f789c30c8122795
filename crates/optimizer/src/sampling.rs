//! Space-filling designs in the unit cube: Latin hypercube, scrambled Sobol, and uniform random.
//! Callers map `[0, 1)^d` to parameter ranges.

use rand::seq::SliceRandom;
use rand::Rng;

/// `n` points of a Latin hypercube in `d` dimensions: every dimension has exactly one point in
/// each of its `n` equal strata, placed uniformly within the stratum.
pub fn latin_hypercube(n: usize, d: usize, rng: &mut impl Rng) -> Vec<Vec<f64>> {
    let mut points = vec![vec![0.0; d]; n];
    let mut strata: Vec<usize> = (0..n).collect();
    for dim in 0..d {
        strata.shuffle(rng);
        for (point, &stratum) in points.iter_mut().zip(&strata) {
            point[dim] = (stratum as f64 + rng.random::<f64>()) / n as f64;
        }
    }
    points
}

/// Points `offset..offset + n` of an Owen-scrambled Sobol sequence (Burley 2020) in `d ≤ 256`
/// dimensions; `seed` picks the scrambling. Consecutive calls with growing offsets extend the
/// same sequence.
pub fn sobol(n: usize, d: usize, seed: u32, offset: u32) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| {
            let index = offset.wrapping_add(u32::try_from(i).unwrap_or(u32::MAX));
            (0..d)
                .map(|dim| {
                    f64::from(sobol_burley::sample(
                        index,
                        u32::try_from(dim).unwrap_or(255),
                        seed,
                    ))
                })
                .collect()
        })
        .collect()
}

/// `n` independent uniform points.
pub fn uniform(n: usize, d: usize, rng: &mut impl Rng) -> Vec<Vec<f64>> {
    (0..n)
        .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// Largest gap left empty by `points` in a `k × k` grid of the first two dimensions.
    fn empty_cells(points: &[Vec<f64>], k: usize) -> usize {
        let mut hit = vec![false; k * k];
        for p in points {
            let (i, j) = ((p[0] * k as f64) as usize, (p[1] * k as f64) as usize);
            hit[i.min(k - 1) * k + j.min(k - 1)] = true;
        }
        hit.iter().filter(|h| !**h).count()
    }

    #[test]
    fn latin_hypercubes_fill_every_stratum_of_every_dimension_once() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let n = 37;
        let points = latin_hypercube(n, 5, &mut rng);
        for dim in 0..5 {
            let mut strata: Vec<usize> = points
                .iter()
                .map(|p| (p[dim] * n as f64) as usize)
                .collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..n).collect::<Vec<_>>());
        }
    }

    #[test]
    fn sobol_points_cover_the_square_better_than_random_and_are_reproducible() {
        let s = sobol(256, 4, 7, 0);
        assert!(s.iter().flatten().all(|v| (0.0..1.0).contains(v)));
        assert_eq!(s, sobol(256, 4, 7, 0));
        assert_ne!(s, sobol(256, 4, 8, 0), "the seed scrambles");
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let r = uniform(256, 4, &mut rng);
        // 256 points in a 16×16 grid: a (0,2)-sequence fills every cell; random leaves ~1/e empty.
        assert_eq!(empty_cells(&s, 16), 0);
        assert!(empty_cells(&r, 16) > 50);
        assert_eq!(
            sobol(2, 4, 7, 254),
            s[254..256].to_vec(),
            "offsets continue the sequence"
        );
    }
}
