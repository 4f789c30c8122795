//! Exact hypervolume (the Lebesgue measure of the region dominated by a point set and bounded
//! by a reference point), for minimisation.
//!
//! - 1 objective: `r - min`.
//! - 2 objectives: one sweep after sorting, O(n log n).
//! - 3 objectives: the dimension-sweep algorithm of Beume et al. (2009), O(n log n): points are
//!   taken in increasing third objective while a balanced tree keeps the two-dimensional front
//!   of the points seen so far and the area it dominates.
//! - 4 objectives: a dimension sweep on the fourth objective (the scheme of HV4D, Guerreiro &
//!   Fonseca 2018). The 3-D hypervolume of the points seen so far grows by each new point's
//!   exclusive 3-D contribution against the 3-D front of the earlier points, kept sorted by x
//!   (points the new one dominates are dropped for good). A contribution reads the points left
//!   of the new one in one branch-free pass and those right of it only up to the first that
//!   bounds its box, then sweeps the few that matter in z order (see `contribution3`).
//! - 5 or more: WFG (While, Bradstreet & Barone, 2012): points sorted by decreasing last
//!   objective, each contributes its exclusive hypervolume, computed from its "limit set" one
//!   dimension lower, down to the 4-objective sweep (with five objectives, limit-set points
//!   dominated by one of the last few kept are dropped before the sweep).
//!
//! Points that are not strictly better than the reference in every objective contribute
//! nothing and are dropped first.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::cancel::{self, Cancel, Cancelled};

/// Why a hypervolume cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HypervolumeError {
    /// The reference point has no coordinates.
    #[error("the reference point is empty")]
    EmptyReference,
    /// A point's length differs from the reference point's.
    #[error("point {index} has {found} objectives but the reference point has {expected}")]
    DimensionMismatch {
        /// The point's position in the input.
        index: usize,
        /// The reference point's length.
        expected: usize,
        /// The point's length.
        found: usize,
    },
    /// A coordinate is NaN or infinite.
    #[error("point {index} has a coordinate that is not a finite number")]
    NotFinite {
        /// The point's position in the input (`usize::MAX` for the reference point).
        index: usize,
    },
    /// The computation's [`Cancel`] flag was set.
    #[error("the hypervolume computation was cancelled")]
    Cancelled,
}

impl From<Cancelled> for HypervolumeError {
    fn from(_: Cancelled) -> Self {
        HypervolumeError::Cancelled
    }
}

/// The hypervolume dominated by `points` (minimisation) within `reference`.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> Result<f64, HypervolumeError> {
    hypervolume_of(points, reference, None)
}

/// [`hypervolume`], ending with [`HypervolumeError::Cancelled`] soon after `cancel` is set
/// (four or more objectives check it between points; fewer take O(n log n) anyway).
pub fn hypervolume_cancellable(
    points: &[Vec<f64>],
    reference: &[f64],
    cancel: &Cancel,
) -> Result<f64, HypervolumeError> {
    hypervolume_of(points, reference, Some(cancel))
}

fn hypervolume_of(
    points: &[Vec<f64>],
    reference: &[f64],
    cancel: Option<&Cancel>,
) -> Result<f64, HypervolumeError> {
    let m = reference.len();
    if m == 0 {
        return Err(HypervolumeError::EmptyReference);
    }
    let mut flat = Vec::with_capacity(points.len() * m);
    for (index, p) in points.iter().enumerate() {
        if p.len() != m {
            return Err(HypervolumeError::DimensionMismatch {
                index,
                expected: m,
                found: p.len(),
            });
        }
        flat.extend_from_slice(p);
    }
    flat_of(&flat, reference, cancel)
}

/// [`hypervolume`] over points stored one after another in `data` (`data.len()` must be a
/// multiple of `reference.len()`).
pub fn hypervolume_flat(data: &[f64], reference: &[f64]) -> Result<f64, HypervolumeError> {
    flat_of(data, reference, None)
}

fn flat_of(
    data: &[f64],
    reference: &[f64],
    cancel: Option<&Cancel>,
) -> Result<f64, HypervolumeError> {
    let m = reference.len();
    if m == 0 {
        return Err(HypervolumeError::EmptyReference);
    }
    if reference.iter().any(|r| !r.is_finite()) {
        return Err(HypervolumeError::NotFinite { index: usize::MAX });
    }
    if !data.len().is_multiple_of(m) {
        return Err(HypervolumeError::DimensionMismatch {
            index: data.len() / m,
            expected: m,
            found: data.len() % m,
        });
    }
    let mut kept: Vec<f64> = Vec::with_capacity(data.len());
    for (index, p) in data.chunks_exact(m).enumerate() {
        if p.iter().any(|v| !v.is_finite()) {
            return Err(HypervolumeError::NotFinite { index });
        }
        if p.iter().zip(reference).all(|(v, r)| v < r) {
            kept.extend_from_slice(p);
        }
    }
    Ok(match m {
        1 => kept
            .iter()
            .fold(0.0_f64, |best, v| best.max(reference[0] - v)),
        2 => hv2(pairs(&kept), reference[0], reference[1]),
        3 => hv3(triples(&kept), reference),
        _ => wfg(
            kept.chunks_exact(m).map(<[f64]>::to_vec).collect(),
            reference,
            cancel,
        )?,
    })
}

fn pairs(data: &[f64]) -> Vec<[f64; 2]> {
    data.chunks_exact(2).map(|c| [c[0], c[1]]).collect()
}

fn triples(data: &[f64]) -> Vec<[f64; 3]> {
    data.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
}

/// Two objectives: sort by the first, sweep keeping the best second seen so far.
fn hv2(mut points: Vec<[f64; 2]>, rx: f64, ry: f64) -> f64 {
    points.sort_unstable_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    let mut volume = 0.0;
    let mut floor = ry;
    for [x, y] in points {
        if y < floor {
            volume += (rx - x) * (floor - y);
            floor = y;
        }
    }
    volume
}

/// A total order on finite floats, for tree keys.
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

/// The two-dimensional front (x ascending, y descending) and the area it dominates.
struct Front2 {
    points: BTreeMap<Key, f64>,
    area: f64,
    rx: f64,
    ry: f64,
}

impl Front2 {
    fn new(rx: f64, ry: f64) -> Self {
        Self {
            points: BTreeMap::new(),
            area: 0.0,
            rx,
            ry,
        }
    }

    /// Adds `(x, y)` unless dominated, dropping the points it dominates and updating the area.
    fn insert(&mut self, x: f64, y: f64) {
        // The left neighbour has the lowest y among points with a smaller or equal x.
        let left_y = match self.points.range(..=Key(x)).next_back() {
            Some((_, &ly)) if ly <= y => return,
            Some((_, &ly)) => ly,
            None => self.ry,
        };
        // Points at or right of x with y >= new y are dominated: remove them, adding the area
        // between the new point and the old staircase step by step.
        let mut top = left_y;
        let mut cursor = x;
        let mut gained = 0.0;
        loop {
            let next = self.points.range(Key(x)..).next().map(|(k, &v)| (k.0, v));
            match next {
                Some((nx, ny)) if ny >= y => {
                    gained += (nx - cursor) * (top - y);
                    cursor = nx;
                    top = ny;
                    self.points.remove(&Key(nx));
                }
                Some((nx, _)) => {
                    gained += (nx - cursor) * (top - y);
                    break;
                }
                None => {
                    gained += (self.rx - cursor) * (top - y);
                    break;
                }
            }
        }
        self.area += gained;
        self.points.insert(Key(x), y);
    }
}

/// Three objectives: sweep on the third, keeping the 2-D front of the points seen so far.
fn hv3(mut points: Vec<[f64; 3]>, r: &[f64]) -> f64 {
    points.sort_unstable_by(|a, b| a[2].total_cmp(&b[2]));
    let mut front = Front2::new(r[0], r[1]);
    let mut volume = 0.0;
    for (i, p) in points.iter().enumerate() {
        front.insert(p[0], p[1]);
        let next_z = points.get(i + 1).map_or(r[2], |q| q[2]);
        volume += front.area * (next_z - p[2]);
    }
    volume
}

/// The two-dimensional staircase of covered area inside one point's box, as a vector sorted by
/// x ascending (y strictly descending).
#[derive(Default)]
struct Stair {
    steps: Vec<[f64; 2]>,
}

impl Stair {
    /// Empties the staircase.
    fn clear(&mut self) {
        self.steps.clear();
    }

    /// Adds `(x, y)` and returns the area it adds within `[.., rx) x [.., ry)`.
    fn insert(&mut self, x: f64, y: f64, rx: f64, ry: f64) -> f64 {
        // First step with a larger x; its left neighbour is the lowest step at or left of x.
        let at = self.steps.partition_point(|s| s[0] <= x);
        let top = if at > 0 {
            let ly = self.steps[at - 1][1];
            if ly <= y {
                return 0.0;
            }
            ly
        } else {
            ry
        };
        let mut end = at;
        let mut cursor = x;
        let mut top = top;
        let mut gained = 0.0;
        while end < self.steps.len() && self.steps[end][1] >= y {
            let [nx, ny] = self.steps[end];
            gained += (nx - cursor) * (top - y);
            cursor = nx;
            top = ny;
            end += 1;
        }
        let right = self.steps.get(end).map_or(rx, |s| s[0]);
        gained += (right - cursor) * (top - y);
        // A step at exactly x with a higher y is replaced as well.
        let start = if at > 0 && self.steps[at - 1][0] == x {
            at - 1
        } else {
            at
        };
        self.steps.splice(start..end, [[x, y]]);
        gained
    }
}

/// Four objectives: a sweep on the fourth objective adding each point's exclusive 3-D
/// contribution to the 3-D front of the earlier points, kept sorted by x.
fn hv4(points: &mut [[f64; 4]], r: &[f64], cancel: Option<&Cancel>) -> Result<f64, Cancelled> {
    hv4_with(points, r, &mut Scratch::default(), cancel)
}

/// [`hv4`] with buffers reused across calls (the five-objective case makes one per point).
fn hv4_with(
    points: &mut [[f64; 4]],
    r: &[f64],
    scratch: &mut Scratch,
    cancel: Option<&Cancel>,
) -> Result<f64, Cancelled> {
    points.sort_unstable_by(|a, b| a[3].total_cmp(&b[3]));
    let mut front = std::mem::take(&mut scratch.front);
    front.clear();
    let mut volume3 = 0.0;
    let mut volume = 0.0;
    for (i, p) in points.iter().enumerate() {
        // Each contribution reads the front once: a check per point costs nothing in
        // comparison.
        cancel::check(cancel)?;
        let q = [p[0], p[1], p[2]];
        if let Some(c) = contribution3(&front, q, r, scratch) {
            volume3 += c;
            // The points q dominates lie between q and its axis point, in one run of the
            // x-sorted front: drop them and put q in its place.
            let at = scratch.insert_at;
            let mut kept = at;
            for k in at..scratch.scan_end {
                let f = front[k];
                if !((f[1] >= q[1]) & (f[2] >= q[2])) {
                    front[kept] = f;
                    kept += 1;
                }
            }
            front.drain(kept..scratch.scan_end);
            front.insert(at, q);
        }
        let next_w = points.get(i + 1).map_or(r[3], |n| n[3]);
        volume += volume3 * (next_w - p[3]);
    }
    scratch.front = front;
    Ok(volume)
}

/// Buffers reused across contributions.
#[derive(Default)]
struct Scratch {
    front: Vec<[f64; 3]>,
    stair: Stair,
    first: Vec<[f64; 2]>,
    later: Vec<[f64; 3]>,
    insert_at: usize,
    scan_end: usize,
}

/// The 3-D volume `q` adds to `front` (sorted by x) within `r`, or `None` when a point of
/// `front` weakly dominates it. Leaves in `s` where `q` goes and how far the points it
/// dominates can reach.
///
/// Within q's box every front point f covers the box from its clamped corner max(f, q). The
/// points left of q (fx < qx) all clamp onto the line x = qx: one branch-free pass gives the
/// lowest such corner at q's level (`axis_y`), the height from which q's whole box is covered
/// (`z_full`) and the corners above q's level that may matter. Right of q, the scan stops at
/// the first point that covers q's level along y = qy (`axis_x`): every point beyond it is
/// covered by it. A staircase sweep over the few points that escape these bounds, in z order,
/// then gives the covered volume.
fn contribution3(front: &[[f64; 3]], q: [f64; 3], r: &[f64], s: &mut Scratch) -> Option<f64> {
    let [qx, qy, qz] = q;
    let (rx, ry, rz) = (r[0], r[1], r[2]);
    let split = front.partition_point(|f| f[0] < qx);
    s.insert_at = split;
    // Left of q (fx < qx): every clamped corner is on the line x = qx.
    let mut axis_y = ry;
    let mut z_full = rz;
    let mut later = std::mem::take(&mut s.later);
    later.clear();
    later.resize(split + 1, [0.0; 3]);
    let mut n_later = 0;
    for f in &front[..split] {
        let (fy, fz) = (f[1], f[2]);
        let cy = if fy > qy { fy } else { qy };
        let under = fz <= qz;
        let y_candidate = cy + far(under);
        axis_y = if y_candidate < axis_y {
            y_candidate
        } else {
            axis_y
        };
        let z_candidate = fz + far(fy <= qy);
        z_full = if z_candidate < z_full {
            z_candidate
        } else {
            z_full
        };
        later[n_later] = [qx, cy, fz];
        n_later += usize::from(!under & (cy < axis_y) & (fz < z_full));
    }
    later.truncate(n_later);
    if z_full <= qz {
        s.later = later;
        return None;
    }
    // Right of q, in x order up to the first point covering q's level along y = qy.
    let mut first = std::mem::take(&mut s.first);
    first.clear();
    let mut axis_x = rx;
    let mut end = front.len();
    for (k, f) in front.iter().enumerate().skip(split) {
        let (fx, fy, fz) = (f[0], f[1], f[2]);
        if (fy <= qy) & (fz <= qz) {
            axis_x = fx;
            end = k;
            break;
        }
        let cy = if fy > qy { fy } else { qy };
        if (cy < axis_y) & (fz < z_full) {
            if fz <= qz {
                first.push([fx, cy]);
            } else {
                later.push([fx, cy, fz]);
            }
        }
    }
    s.scan_end = end;
    if axis_x <= qx {
        // A point at q's x weakly dominates q.
        s.first = first;
        s.later = later;
        return None;
    }
    later.retain(|c| (c[1] < axis_y) & (c[2] < z_full));
    let full = (rx - qx) * (ry - qy);
    s.stair.clear();
    let mut area = 0.0;
    area += s.stair.insert(qx, axis_y, rx, ry);
    area += s.stair.insert(axis_x, qy, rx, ry);
    for &[cx, cy] in &first {
        area += s.stair.insert(cx, cy, rx, ry);
    }
    later.sort_unstable_by(|a, b| a[2].total_cmp(&b[2]));
    let mut covered = 0.0;
    let mut z = qz;
    for &[cx, cy, cz] in &later {
        covered += area * (cz - z);
        z = cz;
        area += s.stair.insert(cx, cy, rx, ry);
    }
    covered += area * (z_full - z) + full * (rz - z_full);
    s.first = first;
    s.later = later;
    Some(full * (rz - qz) - covered)
}

/// 0 when `keep`, else infinity: added to a candidate, it takes the candidate out of a
/// minimum without a branch (the conditions in the scans are unpredictable, and compilers turn
/// floating-point selects back into branches).
#[inline(always)]
fn far(keep: bool) -> f64 {
    f64::from_bits(u64::from(!keep) * f64::INFINITY.to_bits())
}

/// Five or more objectives: WFG with dimension reduction down to [`hv4`].
fn wfg(mut points: Vec<Vec<f64>>, r: &[f64], cancel: Option<&Cancel>) -> Result<f64, Cancelled> {
    let m = r.len();
    match m {
        2 => {
            return Ok(hv2(
                points.iter().map(|p| [p[0], p[1]]).collect(),
                r[0],
                r[1],
            ))
        }
        3 => return Ok(hv3(points.iter().map(|p| [p[0], p[1], p[2]]).collect(), r)),
        4 => {
            let mut four: Vec<[f64; 4]> = points.iter().map(|p| [p[0], p[1], p[2], p[3]]).collect();
            return hv4(&mut four, r, cancel);
        }
        _ => {}
    }
    let last = m - 1;
    // Decreasing last objective: every later point has a smaller or equal last coordinate, so
    // a limit set lies in the slab of the current point's last coordinate.
    points.sort_unstable_by(|a, b| b[last].total_cmp(&a[last]));
    let lower = &r[..last];
    let mut volume = 0.0;
    if last == 4 {
        let five: Vec<[f64; 5]> = points
            .iter()
            .map(|p| [p[0], p[1], p[2], p[3], p[4]])
            .collect();
        return volume5(&five, r, cancel);
    }
    let mut limit: Vec<Vec<f64>> = Vec::new();
    for (i, p) in points.iter().enumerate() {
        cancel::check(cancel)?;
        let inclusive: f64 = p[..last].iter().zip(lower).map(|(v, r)| r - v).product();
        limit.clear();
        for q in &points[i + 1..] {
            limit.push(
                p[..last]
                    .iter()
                    .zip(&q[..last])
                    .map(|(a, b)| a.max(*b))
                    .collect(),
            );
        }
        let covered = if limit.is_empty() {
            0.0
        } else {
            if last > 4 {
                keep_non_dominated(&mut limit);
            }
            wfg(std::mem::take(&mut limit), lower, cancel)?
        };
        volume += (r[last] - p[last]) * (inclusive - covered);
    }
    Ok(volume)
}

/// Five objectives, WFG over `points` sorted by decreasing fifth objective: each point's
/// limit set (the later points clamped to it) goes to the 4-objective sweep, after two cheap
/// reductions that drop most of it.
///
/// A later point that is beyond p in a single coordinate j clamps to p moved along j: among
/// those, the nearest on each axis (`slab[j]`) covers every clamped point that lies at or
/// beyond it on that axis. One branch-free pass finds the four slabs (and whether some point
/// covers p entirely, making its exclusive volume zero); only the points inside all four go on,
/// each checked against the last few kept ones.
fn volume5(points: &[[f64; 5]], r: &[f64], cancel: Option<&Cancel>) -> Result<f64, Cancelled> {
    const RECENT: usize = 8;
    let lower = [r[0], r[1], r[2], r[3]];
    let mut volume = 0.0;
    let mut staged: Vec<[f64; 4]> = vec![[0.0; 4]; points.len()];
    let mut limit: Vec<[f64; 4]> = Vec::with_capacity(points.len());
    let mut scratch = Scratch::default();
    for (i, p) in points.iter().enumerate() {
        cancel::check(cancel)?;
        let later = &points[i + 1..];
        // One pass: the slabs, and (written always, kept when inside the slabs found so far)
        // the clamped points that may matter.
        let mut slab = lower;
        let mut n_staged = 0;
        for q in later {
            let le = [q[0] <= p[0], q[1] <= p[1], q[2] <= p[2], q[3] <= p[3]];
            let on_axis = [
                le[1] & le[2] & le[3],
                le[0] & le[2] & le[3],
                le[0] & le[1] & le[3],
                le[0] & le[1] & le[2],
            ];
            for j in 0..4 {
                let candidate = q[j] + far(on_axis[j]);
                slab[j] = if candidate < slab[j] {
                    candidate
                } else {
                    slab[j]
                };
            }
            staged[n_staged] = [q[0], q[1], q[2], q[3]];
            let inside = (q[0] < slab[0]) & (q[1] < slab[1]) & (q[2] < slab[2]) & (q[3] < slab[3]);
            n_staged += usize::from(inside);
        }
        // Some later point is at or below p in all four: p adds nothing.
        if (0..4).any(|j| slab[j] <= p[j]) {
            continue;
        }
        limit.clear();
        for (j, &s) in slab.iter().enumerate() {
            if s < lower[j] {
                let mut c = [p[0], p[1], p[2], p[3]];
                c[j] = s;
                limit.push(c);
            }
        }
        let mut recent = [[f64::INFINITY; 4]; RECENT];
        let mut slot = 0;
        for q in &staged[..n_staged] {
            let inside = (q[0] < slab[0]) & (q[1] < slab[1]) & (q[2] < slab[2]) & (q[3] < slab[3]);
            if !inside {
                continue;
            }
            let c = [
                p[0].max(q[0]),
                p[1].max(q[1]),
                p[2].max(q[2]),
                p[3].max(q[3]),
            ];
            let dominated = recent
                .iter()
                .any(|d| (d[0] <= c[0]) & (d[1] <= c[1]) & (d[2] <= c[2]) & (d[3] <= c[3]));
            if !dominated {
                limit.push(c);
                recent[slot % RECENT] = c;
                slot += 1;
            }
        }
        let inclusive: f64 = p[..4].iter().zip(&lower).map(|(v, r)| r - v).product();
        let covered = if limit.is_empty() {
            0.0
        } else {
            hv4_with(&mut limit, &lower, &mut scratch, cancel)?
        };
        volume += (r[4] - p[4]) * (inclusive - covered);
    }
    Ok(volume)
}

/// Removes dominated and duplicate points (minimisation), keeping the order of the rest.
fn keep_non_dominated(points: &mut Vec<Vec<f64>>) {
    // Sorting by the sum puts every dominating point before the points it dominates.
    points.sort_unstable_by(|a, b| a.iter().sum::<f64>().total_cmp(&b.iter().sum::<f64>()));
    let mut kept: Vec<Vec<f64>> = Vec::with_capacity(points.len());
    for p in points.drain(..) {
        if !kept.iter().any(|k| k.iter().zip(&p).all(|(a, b)| a <= b)) {
            kept.push(p);
        }
    }
    *points = kept;
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    use super::*;

    /// Exact hypervolume by the grid of all coordinates: each cell is inside the dominated
    /// region when some point dominates its lower corner. Exponential; for tiny inputs only.
    fn brute_force(points: &[Vec<f64>], r: &[f64]) -> f64 {
        let m = r.len();
        let pts: Vec<&Vec<f64>> = points
            .iter()
            .filter(|p| p.iter().zip(r).all(|(v, r)| v < r))
            .collect();
        let axes: Vec<Vec<f64>> = (0..m)
            .map(|d| {
                let mut a: Vec<f64> = pts.iter().map(|p| p[d]).chain([r[d]]).collect();
                a.sort_by(f64::total_cmp);
                a.dedup();
                a
            })
            .collect();
        let mut total = 0.0;
        let mut idx = vec![0usize; m];
        loop {
            if idx.iter().enumerate().all(|(d, &i)| i + 1 < axes[d].len()) {
                let corner: Vec<f64> = idx.iter().enumerate().map(|(d, &i)| axes[d][i]).collect();
                if pts
                    .iter()
                    .any(|p| p.iter().zip(&corner).all(|(a, c)| a <= c))
                {
                    total += idx
                        .iter()
                        .enumerate()
                        .map(|(d, &i)| axes[d][i + 1] - axes[d][i])
                        .product::<f64>();
                }
            }
            let mut d = 0;
            loop {
                if d == m {
                    return total;
                }
                idx[d] += 1;
                if idx[d] < axes[d].len() {
                    break;
                }
                idx[d] = 0;
                d += 1;
            }
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn matches_brute_force_on_random_sets_in_two_to_six_objectives() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for m in 2..=6 {
            // The four- and five-objective paths have the most special cases (ties at q's
            // level, points on p's axes).
            for trial in 0..if m == 4 || m == 5 { 400 } else { 60 } {
                let n = rng.random_range(0..=if m > 4 { 7 } else { 12 });
                let points: Vec<Vec<f64>> = (0..n)
                    .map(|_| {
                        (0..m)
                            .map(|_| {
                                // Coarse values create ties and duplicates on purpose.
                                if trial % 3 == 0 {
                                    f64::from(rng.random_range(0..6_u8)) / 5.0
                                } else {
                                    rng.random::<f64>() * 1.2
                                }
                            })
                            .collect()
                    })
                    .collect();
                let r = vec![1.1; m];
                let fast = hypervolume(&points, &r).unwrap();
                let slow = brute_force(&points, &r);
                assert!(close(fast, slow), "m={m} trial={trial}: {fast} vs {slow}");
            }
        }
    }

    #[test]
    fn known_values() {
        assert_eq!(hypervolume(&[vec![0.0, 0.0]], &[1.0, 2.0]).unwrap(), 2.0);
        // Two steps: 1×3 + 2×1 (overlap counted once).
        let v = hypervolume(&[vec![1.0, 0.0], vec![0.0, 2.0]], &[2.0, 3.0]).unwrap();
        assert!(close(v, 4.0), "{v}");
        // A single point is the box volume in any dimension.
        for m in 1..=8 {
            let v = hypervolume(&[vec![0.5; m]], &vec![1.0; m]).unwrap();
            assert!(close(v, 0.5_f64.powi(m as i32)), "m={m}: {v}");
        }
        // The staircase {(i, n-1-i)} in a 10×10 box: the column [i, i+1) has height i+1.
        let n = 10;
        let stair: Vec<Vec<f64>> = (0..n).map(|i| vec![i as f64, (n - 1 - i) as f64]).collect();
        let v = hypervolume(&stair, &[10.0, 10.0]).unwrap();
        assert!(close(v, 55.0), "{v}");
    }

    #[test]
    fn empty_fronts_and_points_outside_the_reference_give_zero() {
        assert_eq!(hypervolume(&[], &[1.0, 1.0, 1.0]).unwrap(), 0.0);
        let outside = vec![vec![1.0, 0.0, 0.0], vec![2.0, 2.0, 2.0]];
        assert_eq!(hypervolume(&outside, &[1.0, 1.0, 1.0]).unwrap(), 0.0);
    }

    #[test]
    fn duplicates_and_dominated_points_change_nothing() {
        let base = vec![vec![0.2, 0.5, 0.4, 0.1], vec![0.5, 0.2, 0.1, 0.4]];
        let mut noisy = base.clone();
        noisy.push(base[0].clone());
        noisy.push(vec![0.6, 0.6, 0.6, 0.6]);
        let r = [1.0; 4];
        assert!(close(
            hypervolume(&base, &r).unwrap(),
            hypervolume(&noisy, &r).unwrap()
        ));
    }

    #[test]
    fn a_set_flag_stops_a_many_objective_computation() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let cancel = Cancel::new();
        for m in 4..=6 {
            let points: Vec<Vec<f64>> = (0..50)
                .map(|_| (0..m).map(|_| rng.random::<f64>()).collect())
                .collect();
            let r = vec![1.1; m];
            assert_eq!(
                hypervolume_cancellable(&points, &r, &cancel),
                hypervolume(&points, &r)
            );
        }
        cancel.cancel();
        let points: Vec<Vec<f64>> = (0..50).map(|i| vec![f64::from(i) / 50.0; 5]).collect();
        assert_eq!(
            hypervolume_cancellable(&points, &[1.1; 5], &cancel),
            Err(HypervolumeError::Cancelled)
        );
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert_eq!(
            hypervolume(&[vec![0.0, 0.0, 0.0]], &[1.0, 1.0]),
            Err(HypervolumeError::DimensionMismatch {
                index: 0,
                expected: 2,
                found: 3
            })
        );
        assert_eq!(
            hypervolume(&[vec![f64::NAN, 0.0]], &[1.0, 1.0]),
            Err(HypervolumeError::NotFinite { index: 0 })
        );
        assert_eq!(hypervolume(&[], &[]), Err(HypervolumeError::EmptyReference));
        assert!(hypervolume(&[], &[f64::INFINITY]).is_err());
    }
}
