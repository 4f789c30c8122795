//! Pareto tools for minimisation: dominance, non-dominated filtering and sorting, crowding
//! distance, knee point and each point's exclusive hypervolume contribution.
//!
//! Non-dominated filtering costs O(n log n) for two and three objectives (a sweep over the
//! points sorted lexicographically; for three, a balanced tree keeps the two-dimensional
//! staircase of the kept points) and O(n × front) for more (each point is checked against the
//! front found so far, branch-free over a flat array for four and five; in lexicographic order
//! every dominator comes first).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::cancel::{self, Cancel, Cancelled};
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
/// Duplicates of a front point are all kept.
pub fn non_dominated(points: &[Vec<f64>]) -> Vec<usize> {
    // Without a flag nothing cancels.
    front(points, None).unwrap_or_default()
}

/// [`non_dominated`], stopping with `Err(Cancelled)` soon after `cancel` is set.
pub fn non_dominated_cancellable(
    points: &[Vec<f64>],
    cancel: &Cancel,
) -> Result<Vec<usize>, Cancelled> {
    front(points, Some(cancel))
}

fn front(points: &[Vec<f64>], cancel: Option<&Cancel>) -> Result<Vec<usize>, Cancelled> {
    let Some(first) = points.first() else {
        return Ok(Vec::new());
    };
    let m = first.len();
    // NaN is unordered and rows of different lengths compare over their common prefix:
    // only the definition itself is safe for them.
    if points
        .iter()
        .any(|p| p.len() != m || p.iter().any(|v| v.is_nan()))
    {
        return naive(points, cancel);
    }
    let mut kept = match m {
        2 => front2(&sorted::<2>(points)),
        3 => front3(&sorted::<3>(points)),
        4 => front_flat(&sorted::<4>(points), cancel)?,
        5 => front_flat(&sorted::<5>(points), cancel)?,
        _ => front_general(points, cancel)?,
    };
    kept.sort_unstable();
    Ok(kept)
}

/// The points as arrays with their indices, in lexicographic order, which puts every
/// dominator before the points it dominates; -0.0 is stored as 0.0 (they are equal to
/// `dominates`). No NaN.
fn sorted<const M: usize>(points: &[Vec<f64>]) -> Vec<([f64; M], usize)> {
    let mut rows: Vec<([f64; M], usize)> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut a = [0.0; M];
            for (v, x) in a.iter_mut().zip(p) {
                *v = x + 0.0;
            }
            (a, i)
        })
        .collect();
    rows.sort_unstable_by(|a, b| lexicographic(&a.0, &b.0));
    rows
}

fn lexicographic(a: &[f64], b: &[f64]) -> Ordering {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.partial_cmp(y).unwrap_or(Ordering::Equal))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The definition, O(n²): for inputs with NaN or rows of different lengths.
fn naive(points: &[Vec<f64>], cancel: Option<&Cancel>) -> Result<Vec<usize>, Cancelled> {
    let mut kept = Vec::new();
    for (i, p) in points.iter().enumerate() {
        cancel::check(cancel)?;
        if !points.iter().any(|q| dominates(q, p)) {
            kept.push(i);
        }
    }
    Ok(kept)
}

/// Two objectives, `rows` lexicographic: among the points sharing an x, only those with the
/// group's lowest y can be kept, and they are when every point of a smaller x has a larger y.
fn front2(rows: &[([f64; 2], usize)]) -> Vec<usize> {
    let mut kept = Vec::new();
    // The lowest y of the points with a smaller x.
    let mut best_y: Option<f64> = None;
    let mut start = 0;
    while start < rows.len() {
        let [x, low] = rows[start].0;
        let mut end = start + 1;
        while end < rows.len() && rows[end].0[0] == x {
            end += 1;
        }
        // Sorted by y within the group: the lowest comes first.
        if best_y.is_none_or(|best| low < best) {
            kept.extend(
                rows[start..end]
                    .iter()
                    .take_while(|(p, _)| p[1] == low)
                    .map(|(_, i)| *i),
            );
            best_y = Some(low);
        }
        start = end;
    }
    kept
}

/// A total order on f64 without NaN, for tree keys (-0.0 never occurs: see [`sorted`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Key(f64);

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Three objectives, `rows` lexicographic: a point is dominated exactly when an earlier,
/// different point is at or below it in y and z. The kept points' (y, z) staircase (y
/// ascending, z descending) answers that with one lookup: the step at or left of y has the
/// lowest z of all points up to y. Identical points are looked up together and all kept or
/// all dropped.
fn front3(rows: &[([f64; 3], usize)]) -> Vec<usize> {
    let mut stair: BTreeMap<Key, f64> = BTreeMap::new();
    let mut kept = Vec::new();
    let mut start = 0;
    while start < rows.len() {
        let p = rows[start].0;
        let mut end = start + 1;
        while end < rows.len() && rows[end].0 == p {
            end += 1;
        }
        let [_, y, z] = p;
        let covered = stair
            .range(..=Key(y))
            .next_back()
            .is_some_and(|(_, &low_z)| low_z <= z);
        if !covered {
            kept.extend(rows[start..end].iter().map(|(_, i)| *i));
            // Steps at or right of y and at or above z are covered by the new one from now on.
            while let Some((&k, _)) = stair.range(Key(y)..).next().filter(|(_, &z2)| z2 >= z) {
                stair.remove(&k);
            }
            stair.insert(Key(y), z);
        }
        start = end;
    }
    kept
}

/// Four or five objectives, `rows` lexicographic: each point against the front so far (a
/// dominated dominator is itself dominated by a front point that came earlier still). The
/// front's coordinates are kept in one flat array and checked without branches, a block of
/// points at a time, so that the scan streams through memory and vectorises.
fn front_flat<const M: usize>(
    rows: &[([f64; M], usize)],
    cancel: Option<&Cancel>,
) -> Result<Vec<usize>, Cancelled> {
    const BLOCK: usize = 64;
    let mut kept: Vec<usize> = Vec::new();
    let mut front: Vec<[f64; M]> = Vec::new();
    for (p, i) in rows {
        cancel::check(cancel)?;
        let dominated = front.chunks(BLOCK).any(|block| {
            block.iter().fold(false, |found, q| {
                let mut at_most = true;
                let mut below = false;
                for j in 0..M {
                    at_most &= q[j] <= p[j];
                    below |= q[j] < p[j];
                }
                found | (at_most & below)
            })
        });
        if !dominated {
            kept.push(*i);
            front.push(*p);
        }
    }
    Ok(kept)
}

/// One or six and more objectives (MDL allows 1–5): each point, in lexicographic order,
/// against the front so far.
fn front_general(points: &[Vec<f64>], cancel: Option<&Cancel>) -> Result<Vec<usize>, Cancelled> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_unstable_by(|&a, &b| lexicographic(&points[a], &points[b]));
    let mut kept: Vec<usize> = Vec::new();
    for &i in &order {
        cancel::check(cancel)?;
        let p = &points[i];
        if !kept.iter().any(|&k| dominates(&points[k], p)) {
            kept.push(i);
        }
    }
    Ok(kept)
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
    use proptest::prelude::*;

    use super::*;

    fn pts(raw: &[&[f64]]) -> Vec<Vec<f64>> {
        raw.iter().map(|p| p.to_vec()).collect()
    }

    /// The definition itself.
    fn by_definition(points: &[Vec<f64>]) -> Vec<usize> {
        (0..points.len())
            .filter(|&i| !points.iter().any(|q| dominates(q, &points[i])))
            .collect()
    }

    /// Coordinates from a small set (ties and duplicates are common), with signed zeros and
    /// infinities; NaN only where `nan` allows.
    fn coordinate(nan: bool) -> BoxedStrategy<f64> {
        let common = prop_oneof![
            8 => (0..6_u8).prop_map(|v| f64::from(v) / 5.0),
            4 => -1.0..1.0_f64,
            1 => Just(-0.0),
            1 => Just(f64::INFINITY),
            1 => Just(f64::NEG_INFINITY),
        ];
        if nan {
            prop_oneof![20 => common, 1 => Just(f64::NAN)].boxed()
        } else {
            common.boxed()
        }
    }

    fn point_sets(nan: bool) -> impl Strategy<Value = Vec<Vec<f64>>> {
        (1..=6_usize).prop_flat_map(move |m| {
            prop::collection::vec(prop::collection::vec(coordinate(nan), m), 0..60)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_fast_filter_keeps_exactly_the_points_nothing_dominates(points in point_sets(false)) {
            prop_assert_eq!(non_dominated(&points), by_definition(&points));
        }

        #[test]
        fn nan_and_ragged_rows_still_follow_the_definition(
            points in point_sets(true),
            cut in 0..3_usize,
        ) {
            let mut points = points;
            if let Some(last) = points.last_mut() {
                last.truncate(last.len().saturating_sub(cut));
            }
            prop_assert_eq!(non_dominated(&points), by_definition(&points));
        }
    }

    #[test]
    fn a_large_two_objective_front_is_filtered_in_n_log_n_not_n_squared() {
        // 200 000 mutually non-dominated points: the definition would make 4·10¹⁰ checks.
        let n = 200_000;
        let points: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let t = i as f64 / n as f64;
                vec![t, 1.0 - t]
            })
            .collect();
        let started = std::time::Instant::now();
        assert_eq!(non_dominated(&points).len(), n);
        let mut cube: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let (a, b) = (i % 450, i / 450);
                let (u, v) = (a as f64 / 450.0, b as f64 / 450.0);
                vec![u, v, 2.0 - u - v]
            })
            .collect();
        cube.push(vec![-1.0, -1.0, -1.0]);
        assert_eq!(non_dominated(&cube), vec![n]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_set_flag_stops_the_many_objective_filter() {
        let points: Vec<Vec<f64>> = (0..1000).map(|i| vec![f64::from(i); 4]).collect();
        let cancel = Cancel::new();
        assert_eq!(non_dominated_cancellable(&points, &cancel), Ok(vec![0]));
        cancel.cancel();
        assert_eq!(non_dominated_cancellable(&points, &cancel), Err(Cancelled));
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
