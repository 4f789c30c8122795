"""meshinfo against trimesh on the same binary STL files, in the same run.

Files (written by trimesh): icosphere r = 25 mm with subdivisions 8 (1,310,720 triangles) and
6 (81,920), the subdivision-6 sphere with two holes (faces near two poles deleted), and a
200,000-triangle fan (a disc of radius 50 mm: the centre vertex first, then the triangles
(centre, v_i, v_i+1); the shape that made the edge pass quadratic until issue 13). The fan is a
robustness row: its speed-up is reported but not held to the 20x target.

trimesh side: `trimesh.load(path, process=True)` then extents, volume, area, is_watertight and
is_winding_consistent, timed in-process (Python start-up and imports excluded).
meshinfo side: the same span in-process (`--time`: opening, reading and measuring the file),
which the speed-up target uses; the whole process timed from outside (start-up, reading the
file, JSON out) is reported beside it.
Peak memory: `/usr/bin/time -v` maximum resident set size of meshinfo on each file; "net" is
that minus meshinfo's RSS on a 12-triangle file (the executable and libc, not the mesh).

Checks: identical booleans (is_watertight; is_manifold vs trimesh's is_winding_consistent —
these meshes have no edge with more than two faces, which trimesh's flag ignores), volume,
area and bbox equal to 1e-6 relative, meshinfo at least 20x faster, peak RSS <= 3x file size.
Exit status 1 when any check fails.

Volume of an open mesh: trimesh integrates the field (x, 0, 0) over the surface, meshinfo sums
signed tetrahedra (the field r/3, SPEC §6). On a closed mesh both are the enclosed volume and
must agree; on an open one both are origin-dependent numbers that differ from each other. So
the volume is compared with trimesh.volume only for watertight meshes, and always with the
signed-tetrahedra sum computed here with numpy from trimesh's loaded triangles (untimed).
"""

import json
import os
import re
import subprocess
import sys
import time

import numpy as np
import trimesh


def make_files(work):
    files = []
    for sub in (8, 6):
        path = os.path.join(work, f"icosphere_r25_s{sub}.stl")
        trimesh.creation.icosphere(subdivisions=sub, radius=25).export(path, file_type="stl")
        files.append((f"icosphere r=25 mm, subdivisions {sub}", path))
    holed = trimesh.creation.icosphere(subdivisions=6, radius=25)
    c = holed.triangles_center
    keep = ~((c[:, 2] > 23.0) | (c[:, 0] < -24.0))
    holed.update_faces(keep)
    holed.remove_unreferenced_vertices()
    path = os.path.join(work, "sphere_with_holes.stl")
    holed.export(path, file_type="stl")
    files.append(("sphere with 2 holes (subdivisions 6)", path))
    n = 200_000
    angle = 2 * np.pi * np.arange(n) / n
    rim = np.column_stack([50 * np.cos(angle), 50 * np.sin(angle), np.zeros(n)])
    vertices = np.vstack([[0.0, 0.0, 0.0], rim])
    i = np.arange(n)
    faces = np.column_stack([np.zeros(n, dtype=np.int64), 1 + i, 1 + (i + 1) % n])
    path = os.path.join(work, "fan_200k.stl")
    trimesh.Trimesh(vertices, faces, process=False).export(path, file_type="stl")
    files.append(("triangle fan, 200,000 triangles (robustness row)", path))
    tiny = os.path.join(work, "tiny_cube.stl")
    trimesh.creation.box(extents=(20, 20, 20)).export(tiny, file_type="stl")
    return files, tiny


def trimesh_metrics(path):
    t0 = time.perf_counter()
    m = trimesh.load(path, process=True)
    r = {
        "bbox": [float(x) for x in m.extents],
        "volume": float(m.volume),
        "area": float(m.area),
        "watertight": bool(m.is_watertight),
        "winding": bool(m.is_winding_consistent),
        "triangles": int(len(m.faces)),
    }
    elapsed = time.perf_counter() - t0
    t = m.triangles
    r["tetra_volume"] = abs(float(np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2])).sum()) / 6.0)
    return elapsed, r


def meshinfo(binary, path):
    """Whole-process wall time, in-process time (reading + measuring, as `--time` reports it;
    the same span trimesh's timing covers) and the metrics."""
    t0 = time.perf_counter()
    run = subprocess.run([binary, path, "--time"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    inner = float(run.stderr.split(" in ")[-1].split()[0])
    return wall, inner, json.loads(run.stdout)


def max_rss_kb(binary, path):
    err = subprocess.run(["/usr/bin/time", "-v", binary, path], check=True,
                         capture_output=True, text=True).stderr
    return int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1))


def rel(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def main():
    binary, work, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    files, tiny = make_files(work)
    base_kb = max_rss_kb(binary, tiny)
    rows, failures = [], []
    for name, path in files:
        size = os.path.getsize(path)
        tt, ours_t, ours_wall = [], [], []
        for _ in range(reps):
            t, ref = trimesh_metrics(path)
            tt.append(t)
            wall, t, ours = meshinfo(binary, path)
            ours_t.append(t)
            ours_wall.append(wall)
        kb = max_rss_kb(binary, path)
        if ours["detected_unit"] != "mm":
            failures.append(f"{name}: detected {ours['detected_unit']}, expected mm")
        diffs = [rel(ours["volume_cm3"] * 1000.0, ref["tetra_volume"]),
                 rel(ours["surface_area_cm2"] * 100.0, ref["area"])]
        vol_vs_trimesh = rel(ours["volume_cm3"] * 1000.0, ref["volume"])
        if ref["watertight"]:
            diffs.append(vol_vs_trimesh)
        diffs += [rel(a, b) for a, b in zip(ours["bbox_mm"], ref["bbox"])]
        worst = max(diffs)
        same_bools = (ours["is_watertight"] == ref["watertight"]
                      and ours["is_manifold"] == ref["winding"]
                      and ours["triangle_count"] == ref["triangles"])
        speedup = min(tt) / min(ours_t)
        wall_speedup = min(tt) / min(ours_wall)
        rss_ratio = kb * 1024 / size
        net_ratio = (kb - base_kb) * 1024 / size
        if not same_bools:
            failures.append(f"{name}: booleans differ: ours {ours}, trimesh {ref}")
        if worst > 1e-6:
            failures.append(f"{name}: values differ by {worst:.1e} relative")
        if speedup < 20 and "robustness row" not in name:
            failures.append(f"{name}: only {speedup:.1f}x faster than trimesh")
        if rss_ratio > 3:
            failures.append(f"{name}: peak RSS {rss_ratio:.2f}x the file size")
        rows.append((name, ref["triangles"], size / 1e6, min(tt), min(ours_t), speedup,
                     min(ours_wall), wall_speedup,
                     kb / 1024, rss_ratio, net_ratio, worst, vol_vs_trimesh,
                     f"{ours['is_watertight']}/{ours['is_manifold']}",
                     f"{ref['watertight']}/{ref['winding']}"))
    print(f"trimesh {trimesh.__version__}, numpy {np.__version__}, best of {reps} runs each side; "
          f"meshinfo baseline RSS on a 12-triangle file: {base_kb / 1024:.1f} MB\n")
    print("| mesh | triangles | file MB | trimesh s | meshinfo s (in process) | speed-up "
          "| meshinfo s (whole process) | speed-up (whole process) | meshinfo peak RSS MB "
          "| RSS / file | net RSS / file | max rel. diff (volume, area, bbox) "
          "| volume vs trimesh.volume | watertight/manifold (ours) | watertight/winding (trimesh) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:,} | {r[2]:.1f} | {r[3]:.3f} | {r[4]:.4f} | {r[5]:.0f}x "
              f"| {r[6]:.4f} | {r[7]:.1f}x "
              f"| {r[8]:.1f} | {r[9]:.2f} | {r[10]:.2f} | {r[11]:.1e} | {r[12]:.1e} | {r[13]} | {r[14]} |")
    print()
    if failures:
        print("TARGETS MISSED:")
        for f in failures:
            print(f"- {f}")
        sys.exit(1)
    print("all targets met: identical booleans, values within 1e-6, >= 20x faster, peak RSS <= 3x file")


if __name__ == "__main__":
    main()
