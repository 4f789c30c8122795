//! Pareto tools for minimisation: dominance, non-dominated filtering and sorting, crowding
//! distance, knee point and each point's exclusive hypervolume contribution.

use crate::hypervolume::{hypervolume, HypervolumeError};

/// True when `a` is at least as good as `b` everywhere and better somewhere.
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut better = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        better |= x < y;
    }
    better
}

/// Indices of the points no other point dominates (the first Pareto front), ascending.
pub fn non_dominated(points: &[Vec<f64>]) -> Vec<usize> {
    (0..points.len())
        .filter(|&i| !points.iter().any(|q| dominates(q, &points[i])))
        .collect()
}

/// Fronts in order (fast non-dominated sorting, Deb et al. 2002): front 0 is non-dominated,
/// front 1 is non-dominated once front 0 is removed, and so on.
pub fn non_dominated_sort(points: &[Vec<f64>]) -> Vec<Vec<usize>> {
    let n = points.len();
    let mut dominated_by_me: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut dominators = vec![0usize; n];
    for i in 0..n {
        for j in (i + 1)..n {
            if dominates(&points[i], &points[j]) {
                dominated_by_me[i].push(j);
                dominators[j] += 1;
            } else if dominates(&points[j], &points[i]) {
                dominated_by_me[j].push(i);
                dominators[i] += 1;
            }
        }
    }
    let mut fronts = Vec::new();
    let mut current: Vec<usize> = (0..n).filter(|&i| dominators[i] == 0).collect();
    while !current.is_empty() {
        let mut next = Vec::new();
        for &i in &current {
            for &j in &dominated_by_me[i] {
                dominators[j] -= 1;
                if dominators[j] == 0 {
                    next.push(j);
                }
            }
        }
        next.sort_unstable();
        fronts.push(current);
        current = next;
    }
    fronts
}

/// Crowding distance of each point of `front` (indices into `points`), in the same order.
/// Boundary points of any objective get infinity.
pub fn crowding_distance(points: &[Vec<f64>], front: &[usize]) -> Vec<f64> {
    let k = front.len();
    let mut distance = vec![0.0; k];
    if k <= 2 {
        return vec![f64::INFINITY; k];
    }
    let m = points[front[0]].len();
    let columns: Vec<Vec<f64>> = (0..m)
        .map(|d| front.iter().map(|&i| points[i][d]).collect())
        .collect();
    let mut order: Vec<usize> = (0..k).collect();
    for column in &columns {
        order.sort_by(|&a, &b| column[a].total_cmp(&column[b]));
        let lo = column[order[0]];
        let hi = column[order[k - 1]];
        distance[order[0]] = f64::INFINITY;
        distance[order[k - 1]] = f64::INFINITY;
        if hi > lo {
            for w in 1..k - 1 {
                distance[order[w]] += (column[order[w + 1]] - column[order[w - 1]]) / (hi - lo);
            }
        }
    }
    distance
}

/// The knee of a front: after scaling each objective to [0, 1] over the front, the point
/// closest (Euclidean) to the ideal point. `None` for an empty front.
pub fn knee_point(points: &[Vec<f64>], front: &[usize]) -> Option<usize> {
    let first = points.get(*front.first()?)?;
    let m = first.len();
    let (lo, hi): (Vec<f64>, Vec<f64>) = (0..m)
        .map(|d| {
            front
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &i| {
                    (lo.min(points[i][d]), hi.max(points[i][d]))
                })
        })
        .unzip();
    front
        .iter()
        .copied()
        .map(|i| {
            let dist: f64 = (0..m)
                .map(|d| {
                    let span = hi[d] - lo[d];
                    let v = if span > 0.0 {
                        (points[i][d] - lo[d]) / span
                    } else {
                        0.0
                    };
                    v * v
                })
                .sum();
            (i, dist)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// Each point's exclusive hypervolume contribution: how much the hypervolume drops without it.
/// Dominated and duplicated points contribute 0.
pub fn hypervolume_contributions(
    points: &[Vec<f64>],
    reference: &[f64],
) -> Result<Vec<f64>, HypervolumeError> {
    let total = hypervolume(points, reference)?;
    (0..points.len())
        .map(|i| {
            let others: Vec<Vec<f64>> = points
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, p)| p.clone())
                .collect();
            hypervolume(&others, reference).map(|without| (total - without).max(0.0))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(raw: &[&[f64]]) -> Vec<Vec<f64>> {
        raw.iter().map(|p| p.to_vec()).collect()
    }

    #[test]
    fn dominance_needs_strict_improvement_somewhere() {
        assert!(dominates(&[1.0, 1.0], &[1.0, 2.0]));
        assert!(!dominates(&[1.0, 2.0], &[1.0, 2.0]));
        assert!(!dominates(&[0.0, 3.0], &[1.0, 2.0]));
    }

    #[test]
    fn fronts_are_peeled_in_order() {
        let p = pts(&[
            &[1.0, 4.0],
            &[2.0, 2.0],
            &[4.0, 1.0],
            &[3.0, 3.0],
            &[5.0, 5.0],
            &[2.0, 2.0],
        ]);
        assert_eq!(non_dominated(&p), [0, 1, 2, 5]);
        assert_eq!(
            non_dominated_sort(&p),
            vec![vec![0, 1, 2, 5], vec![3], vec![4]]
        );
        assert!(non_dominated_sort(&[]).is_empty());
    }

    #[test]
    fn crowding_gives_boundaries_infinity_and_interior_normalised_gaps() {
        let p = pts(&[&[0.0, 4.0], &[1.0, 3.0], &[3.0, 1.0], &[4.0, 0.0]]);
        let d = crowding_distance(&p, &[0, 1, 2, 3]);
        assert!(d[0].is_infinite() && d[3].is_infinite());
        assert!((d[1] - (3.0 / 4.0 + 3.0 / 4.0)).abs() < 1e-12);
        assert!((d[2] - (3.0 / 4.0 + 3.0 / 4.0)).abs() < 1e-12);
    }

    #[test]
    fn the_knee_is_the_balanced_compromise() {
        let p = pts(&[&[0.0, 10.0], &[2.0, 2.0], &[10.0, 0.0], &[1.0, 6.0]]);
        assert_eq!(knee_point(&p, &[0, 1, 2, 3]), Some(1));
        assert_eq!(knee_point(&p, &[]), None);
    }

    #[test]
    fn contributions_are_exclusive_volumes() {
        let p = pts(&[&[1.0, 0.0], &[0.0, 2.0], &[1.5, 2.5]]);
        let c = hypervolume_contributions(&p, &[2.0, 3.0]).unwrap();
        assert!((c[0] - 2.0).abs() < 1e-12, "{c:?}");
        assert!((c[1] - 1.0).abs() < 1e-12, "{c:?}");
        assert_eq!(c[2], 0.0, "a dominated point adds nothing");
    }
}
