//! Charts drawn as inline SVG on the server, so a page shows them before (and without)
//! JavaScript. Each chart scales its data to a fixed view box and labels its axes' ranges.

use leptos::prelude::*;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// Maps data ranges onto the plotting area.
#[derive(Debug, Clone, Copy)]
struct Frame {
    x: (f64, f64),
    y: (f64, f64),
    /// The data's own ranges, which the axes label.
    data_x: (f64, f64),
    data_y: (f64, f64),
}

impl Frame {
    fn new(xs: impl Iterator<Item = f64> + Clone, ys: impl Iterator<Item = f64> + Clone) -> Self {
        let (x, data_x) = padded(xs);
        let (y, data_y) = padded(ys);
        Self {
            x,
            y,
            data_x,
            data_y,
        }
    }

    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x.0) / (self.x.1 - self.x.0) * (WIDTH - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        HEIGHT - BOTTOM - (y - self.y.0) / (self.y.1 - self.y.0) * (HEIGHT - TOP - BOTTOM)
    }
}

/// The range of `values` widened a little (and made non-empty) so points sit inside, and the
/// range itself.
fn padded(values: impl Iterator<Item = f64> + Clone) -> ((f64, f64), (f64, f64)) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !lo.is_finite() {
        return ((0.0, 1.0), (0.0, 1.0));
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    ((lo - 0.05 * span, hi + 0.05 * span), (lo, hi))
}

/// A short label for an axis value.
fn label(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e6 {
        format!("{v:.0}")
    } else if v.abs() >= 1e4 || v.abs() < 1e-2 {
        format!("{v:.2e}")
    } else {
        format!("{v:.3}")
    }
}

#[component]
fn Axes(frame: Frame, x_label: String, y_label: String) -> impl IntoView {
    let (x0, y0, x1, y1) = (LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, TOP);
    let (lo_x, hi_x) = (frame.px(frame.data_x.0), frame.px(frame.data_x.1));
    let (lo_y, hi_y) = (frame.py(frame.data_y.0), frame.py(frame.data_y.1));
    view! {
        <g class="axes">
            <line x1=x0 y1=y0 x2=x1 y2=y0 />
            <line x1=x0 y1=y0 x2=x0 y2=y1 />
            <text x=lo_x y=y0 + 16.0 text-anchor="middle">{label(frame.data_x.0)}</text>
            <text x=hi_x y=y0 + 16.0 text-anchor="middle">{label(frame.data_x.1)}</text>
            <text x=(x0 + x1) / 2.0 y=HEIGHT - 6.0 text-anchor="middle" class="axis-title">{x_label}</text>
            <text x=x0 - 6.0 y=lo_y + 4.0 text-anchor="end">{label(frame.data_y.0)}</text>
            <text x=x0 - 6.0 y=hi_y + 4.0 text-anchor="end">{label(frame.data_y.1)}</text>
            <text x=14.0 y=(y0 + y1) / 2.0 text-anchor="middle" class="axis-title"
                transform=format!("rotate(-90 14 {})", (y0 + y1) / 2.0)>{y_label}</text>
        </g>
    }
}

/// Hypervolume after each iteration, as a line with a dot per iteration.
#[component]
pub fn HypervolumeChart(
    /// `(iteration, hypervolume)` pairs in order.
    points: Vec<(f64, f64)>,
) -> impl IntoView {
    let frame = Frame::new(
        points.iter().map(|p| p.0).chain([0.0]),
        points.iter().map(|p| p.1).chain([0.0]),
    );
    let path = points
        .iter()
        .map(|(x, y)| format!("{:.1},{:.1}", frame.px(*x), frame.py(*y)))
        .collect::<Vec<_>>()
        .join(" ");
    let dots = points
        .iter()
        .map(|(x, y)| view! { <circle cx=frame.px(*x) cy=frame.py(*y) r="3.5" /> })
        .collect_view();
    let summary = match points.last() {
        Some((it, hv)) => {
            format!(
                "Hypervolume per iteration: {} iterations, latest {}",
                points.len(),
                label(*hv)
            ) + &format!(" at iteration {it}")
        }
        None => "Hypervolume per iteration: no iteration has finished yet".to_owned(),
    };
    let title = summary.clone();
    view! {
        <svg class="chart hv-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label=summary.clone() data-points=points.len()>
            <title>{title}</title>
            <Axes frame=frame x_label="iteration".into() y_label="hypervolume".into() />
            <polyline class="series" points=path />
            <g class="series-dots">{dots}</g>
        </svg>
    }
}

/// Evaluations on two objectives; Pareto-front members drawn emphasised.
#[component]
pub fn ParetoChart(
    /// `(x, y, on_front)` per feasible evaluation.
    points: Vec<(f64, f64, bool)>,
    /// The first objective's name.
    x_label: String,
    /// The second objective's name.
    y_label: String,
) -> impl IntoView {
    let frame = Frame::new(points.iter().map(|p| p.0), points.iter().map(|p| p.1));
    let front = points.iter().filter(|p| p.2).count();
    let summary = format!(
        "{x_label} against {y_label}: {} evaluations, {front} on the Pareto front",
        points.len()
    );
    let dots = points
        .iter()
        .map(|(x, y, on_front)| {
            view! {
                <circle class=if *on_front { "pareto" } else { "dominated" }
                    cx=frame.px(*x) cy=frame.py(*y) r=if *on_front { "5" } else { "3" } />
            }
        })
        .collect_view();
    let title = summary.clone();
    view! {
        <svg class="chart pareto-chart" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img"
            aria-label=summary.clone() data-kind="scatter" data-points=points.len() data-front=front>
            <title>{title}</title>
            <Axes frame=frame x_label y_label />
            <g>{dots}</g>
        </svg>
    }
}

/// One axis of a parallel-coordinates chart.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveAxis {
    /// The objective's name.
    pub name: String,
    /// Larger is better; the axis is drawn so that better is always up.
    pub maximize: bool,
}

/// Evaluations on three or more objectives as parallel coordinates: one vertical axis per
/// objective (better up), one line per evaluation, Pareto-front members drawn emphasised.
#[component]
pub fn ParallelCoordinatesChart(
    /// The objectives, in MDL order.
    axes: Vec<ObjectiveAxis>,
    /// Per feasible evaluation: its values in axis order and whether it is on the front.
    lines: Vec<(Vec<f64>, bool)>,
) -> impl IntoView {
    const PC_HEIGHT: f64 = 300.0;
    const PC_TOP: f64 = 28.0;
    const PC_BOTTOM: f64 = 56.0;
    const PC_SIDE: f64 = 72.0;
    let n = axes.len().max(2);
    let x_of = |i: usize| PC_SIDE + i as f64 * (WIDTH - 2.0 * PC_SIDE) / (n - 1) as f64;
    let (y_top, y_bottom) = (PC_TOP, PC_HEIGHT - PC_BOTTOM);
    let ranges: Vec<(f64, f64)> = (0..axes.len())
        .map(|i| padded(lines.iter().filter_map(move |(v, _)| v.get(i).copied())).1)
        .collect();
    // 0 at the bottom (worst), 1 at the top (best).
    let height_of = |i: usize, v: f64| -> f64 {
        let (lo, hi) = ranges[i];
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let t = if axes[i].maximize { t } else { 1.0 - t };
        y_bottom - t.clamp(0.0, 1.0) * (y_bottom - y_top)
    };
    let polyline = |values: &[f64]| -> String {
        values
            .iter()
            .enumerate()
            .take(axes.len())
            .map(|(i, v)| format!("{:.1},{:.1}", x_of(i), height_of(i, *v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // Dominated lines first, so the front is drawn on top of them.
    let mut ordered: Vec<&(Vec<f64>, bool)> = lines.iter().collect();
    ordered.sort_by_key(|(_, on_front)| *on_front);
    let drawn = ordered
        .into_iter()
        .map(|(values, on_front)| {
            view! {
                <polyline class=if *on_front { "pareto" } else { "dominated" }
                    points=polyline(values) />
            }
        })
        .collect_view();
    let axis_views = axes
        .iter()
        .enumerate()
        .map(|(i, axis)| {
            let (lo, hi) = ranges[i];
            let (best, worst) = if axis.maximize { (hi, lo) } else { (lo, hi) };
            let x = x_of(i);
            let direction = if axis.maximize { "max" } else { "min" };
            view! {
                <line x1=x y1=y_top x2=x y2=y_bottom />
                <text x=x y=y_top - 8.0 text-anchor="middle">{label(best)}</text>
                <text x=x y=y_bottom + 14.0 text-anchor="middle">{label(worst)}</text>
                <text x=x y=y_bottom + 30.0 text-anchor="middle" class="axis-title">{axis.name.clone()}</text>
                <text x=x y=y_bottom + 44.0 text-anchor="middle">{format!("({direction})")}</text>
            }
        })
        .collect_view();
    let front = lines.iter().filter(|l| l.1).count();
    let names = axes
        .iter()
        .map(|a| a.name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let summary = format!(
        "Parallel coordinates of {} objectives ({names}), better up: {} evaluations, {front} on the Pareto front",
        axes.len(),
        lines.len()
    );
    let title = summary.clone();
    view! {
        <svg class="chart pareto-chart parallel-chart" viewBox=format!("0 0 {WIDTH} {PC_HEIGHT}")
            role="img" aria-label=summary.clone() data-kind="parallel" data-axes=axes.len()
            data-points=lines.len() data-front=front>
            <title>{title}</title>
            <g class="axes">{axis_views}</g>
            <g class="lines">{drawn}</g>
        </svg>
    }
}
