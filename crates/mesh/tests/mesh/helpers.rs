//! Solids generated for the tests and STL writers independent of the crate's reader.

use std::f64::consts::PI;

/// A triangle soup: each triangle's three corners, counter-clockwise seen from outside.
pub type Soup = Vec<[[f32; 3]; 3]>;

/// Binary STL of a soup (normals left zero, as many writers do).
pub fn binary_stl(soup: &Soup) -> Vec<u8> {
    let mut b = b"solid written by the mesh tests".to_vec();
    b.resize(80, 0);
    b.extend_from_slice(&(soup.len() as u32).to_le_bytes());
    for t in soup {
        b.extend_from_slice(&[0; 12]);
        for c in t.iter().flatten() {
            b.extend_from_slice(&c.to_le_bytes());
        }
        b.extend_from_slice(&[0; 2]);
    }
    b
}

/// ASCII STL of a soup; `{}` prints the shortest text that reads back as the same `f32`.
pub fn ascii_stl(soup: &Soup) -> Vec<u8> {
    let mut s = String::from("solid test part\n");
    for t in soup {
        s.push_str("  facet normal 0 0 0\n    outer loop\n");
        for c in t {
            s.push_str(&format!("      vertex {} {} {}\n", c[0], c[1], c[2]));
        }
        s.push_str("    endloop\n  endfacet\n");
    }
    s.push_str("endsolid test part\n");
    s.into_bytes()
}

fn soup_of(vertices: &[[f64; 3]], faces: &[[usize; 3]]) -> Soup {
    faces
        .iter()
        .map(|f| f.map(|i| vertices[i].map(|x| x as f32)))
        .collect()
}

/// The 12 triangles of an axis-aligned cube with side `s` and its lowest corner at `o`.
pub fn cube(s: f64, o: [f64; 3]) -> Soup {
    let v: Vec<[f64; 3]> = (0..8)
        .map(|i| {
            [
                o[0] + s * f64::from(i & 1),
                o[1] + s * f64::from((i >> 1) & 1),
                o[2] + s * f64::from((i >> 2) & 1),
            ]
        })
        .collect();
    // Corner i has x = bit 0, y = bit 1, z = bit 2; faces wound counter-clockwise from outside.
    let faces = [
        [0, 2, 1],
        [1, 2, 3], // z = 0
        [4, 5, 6],
        [5, 7, 6], // z = s
        [0, 1, 4],
        [1, 5, 4], // y = 0
        [2, 6, 3],
        [3, 6, 7], // y = s
        [0, 4, 2],
        [2, 4, 6], // x = 0
        [1, 3, 5],
        [3, 7, 5], // x = s
    ];
    soup_of(&v, &faces)
}

/// An icosphere of radius `r`: an icosahedron subdivided `levels` times, projected on the sphere.
pub fn icosphere(r: f64, levels: u32) -> Soup {
    let t = (1.0 + 5f64.sqrt()) / 2.0;
    let mut v: Vec<[f64; 3]> = vec![
        [-1., t, 0.],
        [1., t, 0.],
        [-1., -t, 0.],
        [1., -t, 0.],
        [0., -1., t],
        [0., 1., t],
        [0., -1., -t],
        [0., 1., -t],
        [t, 0., -1.],
        [t, 0., 1.],
        [-t, 0., -1.],
        [-t, 0., 1.],
    ];
    let mut f: Vec<[usize; 3]> = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    let norm = |p: [f64; 3]| {
        let l = (p[0] * p[0] + p[1] * p[1] + p[2] * p[2]).sqrt();
        p.map(|x| x / l)
    };
    for p in &mut v {
        *p = norm(*p);
    }
    for _ in 0..levels {
        let mut mid = std::collections::HashMap::new();
        let mut next = Vec::with_capacity(f.len() * 4);
        let mut midpoint = |a: usize, b: usize, v: &mut Vec<[f64; 3]>| {
            *mid.entry((a.min(b), a.max(b))).or_insert_with(|| {
                let (p, q) = (v[a], v[b]);
                v.push(norm([p[0] + q[0], p[1] + q[1], p[2] + q[2]]));
                v.len() - 1
            })
        };
        for &[a, b, c] in &f {
            let ab = midpoint(a, b, &mut v);
            let bc = midpoint(b, c, &mut v);
            let ca = midpoint(c, a, &mut v);
            next.extend([[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
        }
        f = next;
    }
    for p in &mut v {
        *p = p.map(|x| x * r);
    }
    soup_of(&v, &f)
}

/// A torus around z: ring radius `big`, tube radius `small`, `n` × `m` quads split in two.
pub fn torus(big: f64, small: f64, n: usize, m: usize) -> Soup {
    let mut v = Vec::with_capacity(n * m);
    for i in 0..n {
        let u = 2.0 * PI * i as f64 / n as f64;
        for j in 0..m {
            let w = 2.0 * PI * j as f64 / m as f64;
            let ring = big + small * w.cos();
            v.push([ring * u.cos(), ring * u.sin(), small * w.sin()]);
        }
    }
    let at = |i: usize, j: usize| (i % n) * m + (j % m);
    let mut f = Vec::with_capacity(2 * n * m);
    for i in 0..n {
        for j in 0..m {
            let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
            f.push([a, b, c]);
            f.push([a, c, d]);
        }
    }
    soup_of(&v, &f)
}

/// A polyhedral torus's exact volume: for each triangle, the signed tetrahedron with the
/// origin, summed in f64 from the written `f32` corners (an independent reference).
pub fn soup_volume(soup: &Soup) -> f64 {
    soup.iter()
        .map(|t| {
            let [a, b, c] = t.map(|p| p.map(f64::from));
            (a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
                + a[2] * (b[0] * c[1] - b[1] * c[0]))
                / 6.0
        })
        .sum::<f64>()
        .abs()
}
