//! In-process timing of the two phases, for profiling: `cargo run --release -p mesh --example
//! phases FILE.stl [REPETITIONS]` prints the best parse + weld and analysis times.
use std::time::Instant;
fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: phases FILE.stl [REPETITIONS]");
    let bytes = std::fs::read(&path).unwrap();
    let reps: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(20);
    let (mut tp, mut ta) = (f64::MAX, f64::MAX);
    for _ in 0..reps {
        let t = Instant::now();
        let m = mesh::parse_stl(&bytes).unwrap();
        let t1 = Instant::now();
        let a = mesh::analyse(&m);
        let t2 = Instant::now();
        std::hint::black_box(a);
        tp = tp.min((t1 - t).as_secs_f64());
        ta = ta.min((t2 - t1).as_secs_f64());
    }
    println!("parse+weld {:.2} ms, analyse {:.2} ms", tp * 1e3, ta * 1e3);
}
