//! The 3D preview (wasm only): three-d draws the part into the page's WebGL2 canvas. The GPU
//! mesh is built once per file; frames are drawn on demand (on input, coalesced to one per
//! animation frame), never in a busy loop.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use three_d::{
    degrees, vec3, AmbientLight, Camera, ClearState, Context, CpuMaterial, CpuMesh,
    DirectionalLight, Gm, Indices, InnerSpace, Mesh, MetricSpace, PhysicalMaterial, Positions,
    RenderTarget, Srgba, Vec3, Viewport,
};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, KeyboardEvent, PointerEvent, WebGl2RenderingContext, WheelEvent};

/// The canvas's id in the page.
const CANVAS_ID: &str = "part-preview";
/// Up to this many triangles each face gets its own flat normal (crisp edges on machined
/// parts); above it the welded vertices share smooth normals, a third of the memory.
const FLAT_SHADING_LIMIT: usize = 300_000;
/// The background, also what the end-to-end test compares pixels against.
const BACKGROUND: (f32, f32, f32) = (0.94, 0.95, 0.97);

struct Viewer {
    context: Context,
    camera: Camera,
    model: Gm<Mesh, PhysicalMaterial>,
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
    let (cpu, center, radius) = cpu_mesh(&parsed);
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
    let model = Gm::new(Mesh::new(&context, &cpu), material);
    drop(cpu);
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
    let viewer = Viewer {
        ambient: AmbientLight::new(&context, 0.35, Srgba::WHITE),
        light: DirectionalLight::new(&context, 2.2, Srgba::WHITE, vec3(-1.0, 1.0, -1.0)),
        context,
        camera,
        model,
        center,
        radius,
        drag: None,
    };
    VIEWER.with(|v| *v.borrow_mut() = Some(viewer));
    draw();
    // The frame is on screen at the next animation frame.
    let log = Closure::once_into_js(move || {
        let done = now();
        let message = format!(
            "preview first frame: {:.0} ms after the bytes (parse {:.0} ms, GPU mesh {:.0} ms)",
            done - started,
            parsed_at - started,
            built_at - parsed_at
        );
        web_sys::console::log_1(&message.into());
        if let Ok(canvas) = canvas_element() {
            let _ = canvas.set_attribute("data-first-frame-ms", &format!("{:.0}", done - started));
        }
    });
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(log.unchecked_ref());
    }
    Ok(())
}

fn canvas_element() -> Result<HtmlCanvasElement, String> {
    canvas()
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
    // three-d's API takes an `Arc`; wasm has one thread, so nothing is shared across threads.
    #[allow(clippy::arc_with_non_send_sync)]
    let gl = Arc::new(glow::Context::from_webgl2_context(gl));
    let context = Context::from_gl_context(gl).map_err(|_| unavailable.to_owned())?;
    listen(canvas);
    CONTEXT.with(|c| *c.borrow_mut() = Some(context.clone()));
    Ok(context)
}

/// The part as a GPU-ready mesh, its centre and the radius of its bounding sphere.
fn cpu_mesh(parsed: &mesh::IndexedMesh) -> (CpuMesh, Vec3, f32) {
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
    (cpu, center, radius)
}

/// Draws one frame now.
fn draw() {
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
            .render(&v.camera, &v.model, &[&v.ambient, &v.light]);
    });
}

/// Asks for a frame at the next animation frame (several inputs in between draw once).
fn request_draw() {
    if FRAME_PENDING.with(|p| p.replace(true)) {
        return;
    }
    let frame = Closure::once_into_js(|| {
        FRAME_PENDING.with(|p| p.set(false));
        draw();
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
        with_viewer(|v| v.drag = None);
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
