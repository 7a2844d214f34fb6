//! A map without tiles: an SVG drawn in metres around a place, with its geofence, the fix and
//! its accuracy circle, the distance and a scale bar. The OpenStreetMap tile policy forbids
//! hard-coding its tile servers, and a drawing in metres says what a reviewer needs: how far,
//! how sure. Only numbers go into the SVG (no names), so nothing in it needs escaping.

use std::fmt::Write as _;

/// What to draw.
#[derive(Debug, Clone, Copy)]
pub struct MapInput {
    /// The place (latitude, longitude) and its radius in metres.
    pub place: (f64, f64),
    pub radius_m: f64,
    /// The fix, when there is one to draw, and its accuracy in metres.
    pub fix: Option<((f64, f64), f64)>,
}

const W: f64 = 420.0;
const H: f64 = 300.0;

/// Metres east and north of `origin` (an equirectangular approximation: exact enough over the
/// few kilometres a geofence map shows).
#[must_use]
pub fn offset_m(origin: (f64, f64), point: (f64, f64)) -> (f64, f64) {
    let lat0 = origin.0.to_radians();
    let east = (point.1 - origin.1) * 111_320.0 * lat0.cos();
    let north = (point.0 - origin.0) * 110_540.0;
    (east, north)
}

/// A round length near `target` metres: 1, 2 or 5 times a power of ten.
fn nice(target: f64) -> f64 {
    let power = 10f64.powf(target.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .filter(|v| *v <= target)
        .fold(power, f64::max)
}

fn metres(m: f64) -> String {
    if m >= 1000.0 {
        format!("{:.1} km", m / 1000.0)
    } else {
        format!("{m:.0} m")
    }
}

/// The SVG of `input`.
#[must_use]
pub fn svg(input: &MapInput) -> String {
    let (cx, cy) = (W / 2.0, H / 2.0);
    let fix = input.fix.map(|(p, acc)| (offset_m(input.place, p), acc));
    let reach = fix.map_or(0.0, |((e, n), acc)| e.hypot(n) + acc);
    let extent = input.radius_m.max(reach).max(25.0) * 1.15;
    let scale = (H / 2.0 - 12.0) / extent;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="map" viewBox="0 0 {W} {H}" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="map">"#
    );
    let _ = write!(
        out,
        r##"<rect x="0" y="0" width="{W}" height="{H}" fill="#f8fafc"/>"##
    );
    // The geofence and the place.
    let _ = write!(
        out,
        r##"<circle cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="#dcfce7" fill-opacity="0.6" stroke="#15803d" stroke-width="2"/>"##,
        input.radius_m * scale
    );
    let _ = write!(
        out,
        r##"<path d="M{:.1} {cy:.1}h12M{cx:.1} {:.1}v12" stroke="#15803d" stroke-width="2"/>"##,
        cx - 6.0,
        cy - 6.0
    );
    if let Some(((east, north), accuracy)) = fix {
        let (fx, fy) = (cx + east * scale, cy - north * scale);
        let _ = write!(
            out,
            r##"<circle cx="{fx:.1}" cy="{fy:.1}" r="{:.1}" fill="#bfdbfe" fill-opacity="0.35" stroke="#2563eb" stroke-dasharray="4 3"/>"##,
            (accuracy * scale).max(2.0)
        );
        let _ = write!(
            out,
            r##"<line x1="{cx:.1}" y1="{cy:.1}" x2="{fx:.1}" y2="{fy:.1}" stroke="#1d2430" stroke-width="1.5" stroke-dasharray="2 2"/>"##
        );
        let _ = write!(
            out,
            r##"<circle cx="{fx:.1}" cy="{fy:.1}" r="5" fill="#2563eb" stroke="#ffffff" stroke-width="2"/>"##
        );
        let distance = east.hypot(north);
        let (lx, ly) = (f64::midpoint(cx, fx) + 6.0, f64::midpoint(cy, fy) - 6.0);
        let _ = write!(
            out,
            r##"<text x="{lx:.1}" y="{ly:.1}" font-size="13" fill="#1d2430">{}</text>"##,
            metres(distance)
        );
    }
    // The scale bar and north.
    let bar = nice(extent / 2.0);
    let px = bar * scale;
    let _ = write!(
        out,
        r##"<path d="M12 {y:.1}h{px:.1}M12 {t:.1}v8M{e:.1} {t:.1}v8" stroke="#1d2430" stroke-width="2"/><text x="12" y="{ty:.1}" font-size="12" fill="#1d2430">{}</text>"##,
        metres(bar),
        y = H - 14.0,
        t = H - 18.0,
        e = 12.0 + px,
        ty = H - 22.0,
    );
    let _ = write!(
        out,
        r##"<text x="{:.1}" y="22" font-size="14" font-weight="bold" fill="#1d2430">N</text><path d="M{:.1} 28l5 10h-10z" fill="#1d2430"/></svg>"##,
        W - 24.0,
        W - 20.0
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fix_two_kilometres_south_is_drawn_below_the_place_with_its_distance() {
        let place = (-6.872_183, 107.542_038);
        let svg = svg(&MapInput {
            place,
            radius_m: 100.0,
            fix: Some(((place.0 - 0.018, place.1), 10.0)),
        });
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("2.0 km"), "{svg}");
        // South is down: the fix's y is below the centre (150).
        let fy: f64 = svg
            .split(r#"r="5" "#)
            .next()
            .unwrap()
            .rsplit("cy=\"")
            .next()
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(fy > 150.0, "{fy}");
    }

    #[test]
    fn offsets_are_metres_east_and_north() {
        let (e, n) = offset_m((0.0, 0.0), (0.001, 0.001));
        assert!(
            (e - 111.3).abs() < 1.0 && (n - 110.5).abs() < 1.0,
            "{e} {n}"
        );
        assert!((nice(730.0) - 500.0).abs() < f64::EPSILON);
        assert!((nice(1.5) - 1.0).abs() < f64::EPSILON);
    }
}
