//! The 3D preview (wasm only): three-d draws the part into the page's WebGL2 canvas. The GPU
//! meshes are built once per file; frames are drawn on demand (on input, coalesced to one per
//! animation frame), never in a busy loop.
//!
//! A large part (over [`PROXY_ABOVE`] triangles) also gets a coarse proxy, made by clustering
//! its vertices on a grid: the first frame and frames during orbit or zoom draw the proxy, and
//! the full mesh is drawn once the input pauses. Without a GPU (software WebGL, as in headless
//! Chromium) a 1.3 M-triangle frame takes over a second; the proxy's takes a tenth of that.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use three_d::{
    degrees, vec3, AmbientLight, Camera, ClearState, Context, CpuMaterial, CpuMesh,
    DirectionalLight, Gm, Indices, InnerSpace, Mesh, MetricSpace, PhysicalMaterial, Positions,
    RenderTarget, ScissorBox, Srgba, Vec3, Viewport,
};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, KeyboardEvent, PointerEvent, WebGl2RenderingContext, WheelEvent};

/// The canvas's id in the page.
const CANVAS_ID: &str = "part-preview";
/// Up to this many triangles each face gets its own flat normal (crisp edges on machined
/// parts); above it the welded vertices share smooth normals, a third of the memory.
const FLAT_SHADING_LIMIT: usize = 300_000;
/// Parts with more triangles than this get a coarse proxy for fast frames.
const PROXY_ABOVE: usize = 100_000;
/// Grid cells along the part's longest side when clustering vertices for the proxy (about
/// 25 k triangles for a sphere).
const PROXY_GRID: f32 = 80.0;
/// How long input must pause before the full mesh is drawn again.
const SETTLE_MS: i32 = 250;
/// The background, also what the end-to-end test compares pixels against.
const BACKGROUND: (f32, f32, f32) = (0.94, 0.95, 0.97);

struct Viewer {
    context: Context,
    camera: Camera,
    model: Gm<Mesh, PhysicalMaterial>,
    /// The coarse stand-in of a large part, drawn while it moves.
    proxy: Option<Gm<Mesh, PhysicalMaterial>>,
    /// When the bytes arrived, until the full mesh's first frame has been timed.
    timing_from: Option<f64>,
    ambient: AmbientLight,
    light: DirectionalLight,
    center: Vec3,
    radius: f32,
    drag: Option<(f32, f32)>,
}

thread_local! {
    static VIEWER: RefCell<Option<Viewer>> = const { RefCell::new(None) };
    /// The three-d context of the canvas, made once (with the input listeners).
    static CONTEXT: RefCell<Option<Context>> = const { RefCell::new(None) };
    static FRAME_PENDING: Cell<bool> = const { Cell::new(false) };
    /// The timer that draws the full mesh once input pauses.
    static SETTLE_TIMER: Cell<Option<i32>> = const { Cell::new(None) };
}

/// Milliseconds since the page started (`performance.now()`).
pub fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_default()
}

fn canvas() -> Result<HtmlCanvasElement, String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(CANVAS_ID))
        .and_then(|e| e.dyn_into::<HtmlCanvasElement>().ok())
        .ok_or_else(|| "The preview area is missing from the page.".to_owned())
}

/// Parses `bytes` as STL and shows the part, replacing any previous one. `started` is when
/// the bytes became available (`now()`); the time to the first frame is logged and kept in
/// the canvas's `data-first-frame-ms`.
pub fn show(bytes: &[u8], started: f64) -> Result<(), String> {
    let parsed =
        mesh::parse_stl(bytes).map_err(|e| format!("The preview cannot read this file: {e}"))?;
    if parsed.faces().is_empty() {
        return Err("The file has no triangles to show.".into());
    }
    let parsed_at = now();
    let canvas = canvas()?;
    let context = context(&canvas)?;
    let (cpu, center, radius, proxy) = cpu_meshes(&parsed);
    drop(parsed);
    let material = PhysicalMaterial::new_opaque(
        &context,
        &CpuMaterial {
            albedo: Srgba::new(70, 130, 200, 255),
            roughness: 0.55,
            metallic: 0.0,
            ..Default::default()
        },
    );
    let model = Gm::new(Mesh::new(&context, &cpu), material.clone());
    drop(cpu);
    let proxy = proxy.map(|p| Gm::new(Mesh::new(&context, &p), material));
    let built_at = now();
    let viewport = Viewport::new_at_origo(canvas.width(), canvas.height());
    let mut camera = Camera::new_perspective(
        viewport,
        center + vec3(1.0, -1.0, 1.0),
        center,
        vec3(0.0, 0.0, 1.0),
        degrees(35.0),
        radius * 0.01,
        radius * 100.0,
    );
    home(&mut camera, center, radius);
    let has_proxy = proxy.is_some();
    let viewer = Viewer {
        ambient: AmbientLight::new(&context, 0.35, Srgba::WHITE),
        light: DirectionalLight::new(&context, 2.2, Srgba::WHITE, vec3(-1.0, 1.0, -1.0)),
        context,
        camera,
        model,
        proxy,
        timing_from: has_proxy.then_some(started),
        center,
        radius,
        drag: None,
    };
    VIEWER.with(|v| *v.borrow_mut() = Some(viewer));
    SETTLE_TIMER.with(|t| {
        if let (Some(id), Some(w)) = (t.take(), web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
    });
    draw(false);
    // Reading a pixel back waits for the GPU to finish the frame, so the time is honest.
    finish();
    let drawn_at = now();
    let message = format!(
        "preview first frame: {:.0} ms after the bytes (parse {:.0} ms, GPU mesh {:.0} ms, \
         draw {:.0} ms{})",
        drawn_at - started,
        parsed_at - started,
        built_at - parsed_at,
        drawn_at - built_at,
        if has_proxy { ", coarse proxy" } else { "" }
    );
    web_sys::console::log_1(&message.into());
    let _ = canvas.set_attribute("data-first-frame-ms", &format!("{:.0}", drawn_at - started));
    if has_proxy {
        settle();
    } else {
        let _ = canvas.set_attribute("data-full-frame-ms", &format!("{:.0}", drawn_at - started));
    }
    Ok(())
}

/// Waits until the GPU has drawn everything asked so far (by reading one pixel back).
fn finish() {
    VIEWER.with(|v| {
        if let Some(v) = v.borrow().as_ref() {
            let viewport = v.camera.viewport();
            let _ = RenderTarget::screen(&v.context, viewport.width, viewport.height)
                .read_color_partially::<[u8; 4]>(ScissorBox {
                    x: (viewport.width / 2) as i32,
                    y: (viewport.height / 2) as i32,
                    width: 1,
                    height: 1,
                });
        }
    });
}

/// Draws the full mesh once input has paused for [`SETTLE_MS`] (and no drag is under way:
/// releasing the pointer asks again).
fn settle() {
    let Some(window) = web_sys::window() else {
        return;
    };
    SETTLE_TIMER.with(|t| {
        if let Some(id) = t.take() {
            window.clear_timeout_with_handle(id);
        }
    });
    let full = Closure::once_into_js(|| {
        SETTLE_TIMER.with(|t| t.set(None));
        if VIEWER.with(|v| v.borrow().as_ref().is_some_and(|v| v.drag.is_some())) {
            return;
        }
        draw(true);
        // The first full frame of a large part is timed once, for the log.
        let from = VIEWER.with(|v| v.borrow_mut().as_mut().and_then(|v| v.timing_from.take()));
        if let Some(from) = from {
            finish();
            let message = format!(
                "preview full-detail frame: {:.0} ms after the bytes",
                now() - from
            );
            web_sys::console::log_1(&message.into());
            if let Ok(canvas) = canvas() {
                let _ = canvas.set_attribute("data-full-frame-ms", &format!("{:.0}", now() - from));
            }
        }
    });
    if let Ok(id) = window
        .set_timeout_with_callback_and_timeout_and_arguments_0(full.unchecked_ref(), SETTLE_MS)
    {
        SETTLE_TIMER.with(|t| t.set(Some(id)));
    }
}

/// Puts the camera back where the whole part fits the view.
pub fn fit() {
    VIEWER.with(|v| {
        if let Some(v) = v.borrow_mut().as_mut() {
            let (center, radius) = (v.center, v.radius);
            home(&mut v.camera, center, radius);
        }
    });
    request_draw();
}

fn home(camera: &mut Camera, center: Vec3, radius: f32) {
    // Far enough that the bounding sphere fits the narrower field of view.
    let aspect = camera.viewport().aspect().min(1.0);
    let half_fov = 35f32.to_radians() / 2.0;
    let distance = radius / (half_fov.tan() * aspect).atan().sin() * 1.05;
    let direction = vec3(1.0, -1.4, 0.9).normalize();
    camera.set_view(center + direction * distance, center, vec3(0.0, 0.0, 1.0));
}

/// The canvas's three-d context, created once together with the input listeners.
fn context(canvas: &HtmlCanvasElement) -> Result<Context, String> {
    if let Some(c) = CONTEXT.with(|c| c.borrow().clone()) {
        return Ok(c);
    }
    let unavailable = "This browser cannot show 3D (WebGL2 is unavailable).";
    let attributes = web_sys::WebGlContextAttributes::new();
    attributes.set_antialias(true);
    // Frames are drawn on demand, so the last one must stay readable (and screenshot-able).
    attributes.set_preserve_drawing_buffer(true);
    let gl = canvas
        .get_context_with_context_options("webgl2", &attributes)
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<WebGl2RenderingContext>().ok())
        .ok_or(unavailable)?;
    #[expect(
        clippy::arc_with_non_send_sync,
        reason = "three-d's API takes an Arc; wasm has one thread, so nothing is shared across threads"
    )]
    let gl = Arc::new(glow::Context::from_webgl2_context(gl));
    let context = Context::from_gl_context(gl).map_err(|_| unavailable.to_owned())?;
    listen(canvas);
    CONTEXT.with(|c| *c.borrow_mut() = Some(context.clone()));
    Ok(context)
}

/// The part as a GPU-ready mesh, its centre, the radius of its bounding sphere, and for a
/// large part a coarse proxy.
fn cpu_meshes(parsed: &mesh::IndexedMesh) -> (CpuMesh, Vec3, f32, Option<CpuMesh>) {
    let vertices = parsed.vertices();
    let faces = parsed.faces();
    let mut min = [f32::MAX; 3];
    let mut max = [f32::MIN; 3];
    for v in vertices {
        for axis in 0..3 {
            min[axis] = min[axis].min(v[axis]);
            max[axis] = max[axis].max(v[axis]);
        }
    }
    let center = vec3(
        (min[0] + max[0]) / 2.0,
        (min[1] + max[1]) / 2.0,
        (min[2] + max[2]) / 2.0,
    );
    let radius = (vec3(max[0], max[1], max[2]) - center)
        .magnitude()
        .max(1e-6);
    let at = |i: u32| {
        let v = vertices[i as usize];
        vec3(v[0], v[1], v[2])
    };
    let face_normal = |f: &[u32; 3]| (at(f[1]) - at(f[0])).cross(at(f[2]) - at(f[0]));
    let cpu = if faces.len() <= FLAT_SHADING_LIMIT {
        let mut positions = Vec::with_capacity(faces.len() * 3);
        let mut normals = Vec::with_capacity(faces.len() * 3);
        for f in faces {
            let n = face_normal(f);
            let n = if n.magnitude2() > 0.0 {
                n.normalize()
            } else {
                n
            };
            for &i in f {
                positions.push(at(i));
                normals.push(n);
            }
        }
        CpuMesh {
            positions: Positions::F32(positions),
            normals: Some(normals),
            ..Default::default()
        }
    } else {
        // Area-weighted vertex normals: the cross product's length is twice the area.
        let mut normals = vec![vec3(0.0, 0.0, 0.0); vertices.len()];
        for f in faces {
            let n = face_normal(f);
            for &i in f {
                normals[i as usize] += n;
            }
        }
        for n in &mut normals {
            if n.magnitude2() > 0.0 {
                *n = n.normalize();
            }
        }
        CpuMesh {
            positions: Positions::F32(vertices.iter().map(|v| vec3(v[0], v[1], v[2])).collect()),
            indices: Indices::U32(faces.iter().flatten().copied().collect()),
            normals: Some(normals),
            ..Default::default()
        }
    };
    let proxy = (faces.len() > PROXY_ABOVE).then(|| {
        let longest = (0..3).map(|a| max[a] - min[a]).fold(0f32, f32::max);
        cluster(vertices, faces, min, longest / PROXY_GRID)
    });
    (cpu, center, radius, proxy)
}

/// A coarse copy of a mesh: vertices in the same grid cell become one (at their mean), and
/// faces that collapse are dropped. Linear time; memory bounded by the grid and the input.
fn cluster(vertices: &[[f32; 3]], faces: &[[u32; 3]], min: [f32; 3], cell: f32) -> CpuMesh {
    let cell = if cell > 0.0 && cell.is_finite() {
        cell
    } else {
        1.0
    };
    let cell_of =
        |a: usize, v: &[f32; 3]| (((v[a] - min[a]) / cell) as usize).min(PROXY_GRID as usize);
    let n = PROXY_GRID as usize + 1;
    // A dense grid (81³ cells, 2 MB) is several times faster here than hashing.
    let mut slot = vec![u32::MAX; n * n * n];
    let mut sums: Vec<[f32; 4]> = Vec::new();
    let mut remap = Vec::with_capacity(vertices.len());
    for v in vertices {
        let key = (cell_of(0, v) * n + cell_of(1, v)) * n + cell_of(2, v);
        if slot[key] == u32::MAX {
            slot[key] = sums.len() as u32;
            sums.push([0.0; 4]);
        }
        let k = slot[key];
        let s = &mut sums[k as usize];
        s[0] += v[0];
        s[1] += v[1];
        s[2] += v[2];
        s[3] += 1.0;
        remap.push(k);
    }
    let positions: Vec<Vec3> = sums
        .iter()
        .map(|s| vec3(s[0] / s[3], s[1] / s[3], s[2] / s[3]))
        .collect();
    let mut indices = Vec::new();
    let mut normals = vec![vec3(0.0, 0.0, 0.0); positions.len()];
    for f in faces {
        let [a, b, c] = f.map(|i| remap[i as usize]);
        if a == b || b == c || a == c {
            continue;
        }
        let [pa, pb, pc] = [a, b, c].map(|i| positions[i as usize]);
        let normal = (pb - pa).cross(pc - pa);
        for i in [a, b, c] {
            normals[i as usize] += normal;
        }
        indices.extend_from_slice(&[a, b, c]);
    }
    for n in &mut normals {
        if n.magnitude2() > 0.0 {
            *n = n.normalize();
        }
    }
    CpuMesh {
        positions: Positions::F32(positions),
        indices: Indices::U32(indices),
        normals: Some(normals),
        ..Default::default()
    }
}

/// Draws one frame now: the full mesh with `detail`, else the proxy when there is one.
fn draw(detail: bool) {
    VIEWER.with(|v| {
        let mut v = v.borrow_mut();
        let Some(v) = v.as_mut() else { return };
        // A light from over the viewer's shoulder, so the faces turned to the viewer are lit.
        let view = v.camera.view_direction();
        let up = v.camera.up_orthogonal();
        let right = v.camera.right_direction();
        v.light.direction = (view - up * 0.6 + right * 0.3).normalize();
        let viewport = v.camera.viewport();
        let (r, g, b) = BACKGROUND;
        RenderTarget::screen(&v.context, viewport.width, viewport.height)
            .clear(ClearState::color_and_depth(r, g, b, 1.0, 1.0))
            .render(
                &v.camera,
                match (&v.proxy, detail) {
                    (Some(proxy), false) => proxy,
                    _ => &v.model,
                },
                &[&v.ambient, &v.light],
            );
    });
}

/// Asks for a frame at the next animation frame (several inputs in between draw once), and
/// for the full mesh once input pauses.
fn request_draw() {
    if VIEWER.with(|v| v.borrow().as_ref().is_some_and(|v| v.proxy.is_some())) {
        settle();
    }
    if FRAME_PENDING.with(|p| p.replace(true)) {
        return;
    }
    let frame = Closure::once_into_js(|| {
        FRAME_PENDING.with(|p| p.set(false));
        draw(false);
    });
    if let Some(w) = web_sys::window() {
        if w.request_animation_frame(frame.unchecked_ref()).is_err() {
            FRAME_PENDING.with(|p| p.set(false));
        }
    }
}

fn with_viewer(f: impl FnOnce(&mut Viewer)) {
    VIEWER.with(|v| {
        if let Some(v) = v.borrow_mut().as_mut() {
            f(v);
        }
    });
}

fn orbit(v: &mut Viewer, dx: f32, dy: f32) {
    let center = v.center;
    v.camera.rotate_around_with_fixed_up(center, dx, dy);
}

fn zoom(v: &mut Viewer, amount: f32) {
    let distance = v.center.distance(v.camera.position());
    let step = distance * (1.0 - (-amount).exp());
    let (center, radius) = (v.center, v.radius);
    v.camera
        .zoom_towards(center, step, radius * 0.05, radius * 20.0);
}

/// Orbit by dragging, zoom with the wheel, and the same from the keyboard.
fn listen(canvas: &HtmlCanvasElement) {
    let target = canvas.clone();
    let down = Closure::<dyn FnMut(PointerEvent)>::new(move |e: PointerEvent| {
        let _ = target.set_pointer_capture(e.pointer_id());
        with_viewer(|v| v.drag = Some((e.client_x() as f32, e.client_y() as f32)));
    });
    let moved = Closure::<dyn FnMut(PointerEvent)>::new(move |e: PointerEvent| {
        let mut changed = false;
        with_viewer(|v| {
            if let Some((x, y)) = v.drag {
                let (nx, ny) = (e.client_x() as f32, e.client_y() as f32);
                orbit(v, (x - nx) * 0.01, (ny - y) * 0.01);
                v.drag = Some((nx, ny));
                changed = true;
            }
        });
        if changed {
            request_draw();
        }
    });
    let up = Closure::<dyn FnMut(PointerEvent)>::new(move |_: PointerEvent| {
        let mut had_drag = false;
        with_viewer(|v| had_drag = v.drag.take().is_some());
        if had_drag {
            request_draw();
        }
    });
    let wheel = Closure::<dyn FnMut(WheelEvent)>::new(move |e: WheelEvent| {
        e.prevent_default();
        // Lines or pages count as about 40 pixels.
        let scale = if e.delta_mode() == 0 { 1.0 } else { 40.0 };
        with_viewer(|v| zoom(v, -(e.delta_y() as f32) * scale * 0.002));
        request_draw();
    });
    let key = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
        let step = 0.15;
        let handled = match e.key().as_str() {
            "ArrowLeft" => {
                with_viewer(|v| orbit(v, step, 0.0));
                true
            }
            "ArrowRight" => {
                with_viewer(|v| orbit(v, -step, 0.0));
                true
            }
            "ArrowUp" => {
                with_viewer(|v| orbit(v, 0.0, step));
                true
            }
            "ArrowDown" => {
                with_viewer(|v| orbit(v, 0.0, -step));
                true
            }
            "+" | "=" => {
                with_viewer(|v| zoom(v, 0.2));
                true
            }
            "-" | "_" => {
                with_viewer(|v| zoom(v, -0.2));
                true
            }
            "f" | "F" => {
                fit();
                true
            }
            _ => false,
        };
        if handled {
            e.prevent_default();
            request_draw();
        }
    });
    let listeners: [(&str, &wasm_bindgen::JsValue); 6] = [
        ("pointerdown", down.as_ref()),
        ("pointermove", moved.as_ref()),
        ("pointerup", up.as_ref()),
        ("pointercancel", up.as_ref()),
        ("wheel", wheel.as_ref()),
        ("keydown", key.as_ref()),
    ];
    for (event, callback) in listeners {
        let _ = canvas.add_event_listener_with_callback(event, callback.unchecked_ref());
    }
    // The canvas lives as long as the page.
    down.forget();
    moved.forget();
    up.forget();
    wheel.forget();
    key.forget();
}
