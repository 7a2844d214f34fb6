//! Where a fix stands against a place: geodesic distance and the geofence verdict.
//!
//! With `d` the geodesic distance from the fix to the place, `r` the place's radius and `a` the
//! reported accuracy: `inside` when `d <= r`; `outside` when `d - a > r`; `uncertain` otherwise
//! (the accuracy circle straddles the fence). A place with a polygon is judged against the
//! polygon's edge: `d` is 0 inside the polygon and the distance to the nearest edge outside it,
//! and `r` is 0.
//!
//! Distances are geodesic on the WGS 84 ellipsoid (Karney's method through the `geo` crate).

use geo::{Contains, Coord, Distance, Geodesic, LineString, Point, Polygon};
use serde::{Deserialize, Serialize};

/// A position on the earth in degrees, valid by construction: finite, latitude strictly between
/// -90 and 90 (a pole has no longitude, so a fix or a place there is refused), longitude in
/// [-180, 180].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Coordinates {
    latitude: f64,
    longitude: f64,
}

/// Why numbers are not a usable position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CoordinateError {
    #[error("latitude must be a finite number")]
    LatitudeNotFinite,
    #[error("longitude must be a finite number")]
    LongitudeNotFinite,
    #[error("latitude must be between -90 and 90")]
    LatitudeOutOfRange,
    #[error("longitude must be between -180 and 180")]
    LongitudeOutOfRange,
    #[error("a position at a pole has no longitude and cannot be judged")]
    AtPole,
}

impl Coordinates {
    pub fn new(latitude: f64, longitude: f64) -> Result<Self, CoordinateError> {
        if !latitude.is_finite() {
            return Err(CoordinateError::LatitudeNotFinite);
        }
        if !longitude.is_finite() {
            return Err(CoordinateError::LongitudeNotFinite);
        }
        if !(-90.0..=90.0).contains(&latitude) {
            return Err(CoordinateError::LatitudeOutOfRange);
        }
        if !(-180.0..=180.0).contains(&longitude) {
            return Err(CoordinateError::LongitudeOutOfRange);
        }
        if latitude.abs() >= 90.0 {
            return Err(CoordinateError::AtPole);
        }
        Ok(Self {
            latitude,
            longitude,
        })
    }

    #[must_use]
    pub fn latitude(&self) -> f64 {
        self.latitude
    }

    #[must_use]
    pub fn longitude(&self) -> f64 {
        self.longitude
    }

    fn point(self) -> Point {
        Point::new(self.longitude, self.latitude)
    }

    /// Geodesic distance in metres.
    #[must_use]
    pub fn distance_m(&self, other: &Coordinates) -> f64 {
        Geodesic.distance(self.point(), other.point())
    }
}

impl<'de> Deserialize<'de> for Coordinates {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Raw {
            latitude: f64,
            longitude: f64,
        }
        let raw = Raw::deserialize(d)?;
        Coordinates::new(raw.latitude, raw.longitude).map_err(serde::de::Error::custom)
    }
}

/// The reported accuracy is not usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("accuracy must be a finite number of metres, zero or more")]
pub struct AccuracyError;

/// A GPS fix: a position and the radius (metres) within which the phone says it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fix {
    position: Coordinates,
    accuracy_m: f64,
}

impl Fix {
    pub fn new(position: Coordinates, accuracy_m: f64) -> Result<Self, AccuracyError> {
        if accuracy_m.is_finite() && accuracy_m >= 0.0 {
            Ok(Self {
                position,
                accuracy_m,
            })
        } else {
            Err(AccuracyError)
        }
    }

    #[must_use]
    pub fn position(&self) -> Coordinates {
        self.position
    }

    #[must_use]
    pub fn accuracy_m(&self) -> f64 {
        self.accuracy_m
    }
}

/// A place's fence is not usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FenceError {
    #[error("radius must be a finite number of metres above zero")]
    Radius,
    #[error("a polygon needs at least 3 distinct corners")]
    PolygonTooSmall,
}

/// The area a check-in is judged against: a circle around a point, or a polygon.
#[derive(Clone, Debug, PartialEq)]
pub struct Fence {
    center: Coordinates,
    radius_m: f64,
    polygon: Option<Vec<Coordinates>>,
}

impl Fence {
    /// A circle of `radius_m` metres around `center`.
    pub fn circle(center: Coordinates, radius_m: f64) -> Result<Self, FenceError> {
        if radius_m.is_finite() && radius_m > 0.0 {
            Ok(Self {
                center,
                radius_m,
                polygon: None,
            })
        } else {
            Err(FenceError::Radius)
        }
    }

    /// A polygon (corners in order, closed or not). `center` and `radius_m` stay the place's
    /// nominal point and radius (shown to people); the verdict uses the polygon.
    pub fn polygon(
        center: Coordinates,
        radius_m: f64,
        corners: Vec<Coordinates>,
    ) -> Result<Self, FenceError> {
        let mut fence = Self::circle(center, radius_m)?;
        let mut corners = corners;
        if corners.len() > 1 && corners.first() == corners.last() {
            corners.pop();
        }
        let mut distinct = corners.clone();
        distinct.dedup();
        if distinct.len() < 3 {
            return Err(FenceError::PolygonTooSmall);
        }
        fence.polygon = Some(corners);
        Ok(fence)
    }

    #[must_use]
    pub fn center(&self) -> Coordinates {
        self.center
    }

    #[must_use]
    pub fn radius_m(&self) -> f64 {
        self.radius_m
    }

    #[must_use]
    pub fn corners(&self) -> Option<&[Coordinates]> {
        self.polygon.as_deref()
    }
}

/// Where the fix stands against the fence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Inside,
    Uncertain,
    Outside,
}

impl Verdict {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Inside => "inside",
            Verdict::Uncertain => "uncertain",
            Verdict::Outside => "outside",
        }
    }
}

/// The distance from the fix to the fence's area (0 inside a polygon) and the verdict.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judgement {
    pub distance_m: f64,
    pub verdict: Verdict,
}

/// The verdict from a distance, the fence's radius and the fix's accuracy (see the module docs).
#[must_use]
pub fn verdict(distance_m: f64, radius_m: f64, accuracy_m: f64) -> Verdict {
    if distance_m <= radius_m {
        Verdict::Inside
    } else if distance_m - accuracy_m > radius_m {
        Verdict::Outside
    } else {
        Verdict::Uncertain
    }
}

/// Judges a fix against a fence.
#[must_use]
pub fn judge(fix: &Fix, fence: &Fence) -> Judgement {
    let (distance_m, radius_m) = match &fence.polygon {
        None => (fix.position.distance_m(&fence.center), fence.radius_m),
        Some(corners) => (distance_to_polygon_m(fix.position, corners), 0.0),
    };
    Judgement {
        distance_m,
        verdict: verdict(distance_m, radius_m, fix.accuracy_m),
    }
}

/// Mean earth radius for the local projection below; the final distance is geodesic.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Distance from `p` to a polygon: 0 inside, else geodesic to the nearest point of its edge.
///
/// The corners are projected to a plane tangent at `p` (east and north metres, longitudes
/// unwrapped across the antimeridian) to test containment and find the nearest point of each
/// edge; that point is taken back to degrees and measured geodesically. For fences the size of
/// offices and campuses the projection's error is far below GPS accuracy.
fn distance_to_polygon_m(p: Coordinates, corners: &[Coordinates]) -> f64 {
    let cos_lat = p.latitude.to_radians().cos();
    let to_plane = |c: &Coordinates| {
        let mut dlon = c.longitude - p.longitude;
        if dlon > 180.0 {
            dlon -= 360.0;
        } else if dlon < -180.0 {
            dlon += 360.0;
        }
        Coord {
            x: dlon.to_radians() * EARTH_RADIUS_M * cos_lat,
            y: (c.latitude - p.latitude).to_radians() * EARTH_RADIUS_M,
        }
    };
    let ring: Vec<Coord> = corners.iter().map(to_plane).collect();
    let polygon = Polygon::new(LineString::from(ring.clone()), vec![]);
    let origin = Point::new(0.0, 0.0);
    if polygon.contains(&origin) {
        return 0.0;
    }
    let mut best: Option<Coord> = None;
    let mut best_sq = f64::INFINITY;
    for (i, a) in ring.iter().enumerate() {
        let b = ring[(i + 1) % ring.len()];
        let nearest = nearest_on_segment(*a, b);
        let sq = nearest.x * nearest.x + nearest.y * nearest.y;
        if sq < best_sq {
            best_sq = sq;
            best = Some(nearest);
        }
    }
    let Some(nearest) = best else {
        return 0.0;
    };
    let lat = p.latitude + (nearest.y / EARTH_RADIUS_M).to_degrees();
    let mut lon = p.longitude + (nearest.x / (EARTH_RADIUS_M * cos_lat)).to_degrees();
    if lon > 180.0 {
        lon -= 360.0;
    } else if lon < -180.0 {
        lon += 360.0;
    }
    let lat = lat.clamp(-89.999_999, 89.999_999);
    Geodesic.distance(p.point(), Point::new(lon, lat))
}

/// The point of segment `a`-`b` nearest to the origin.
fn nearest_on_segment(a: Coord, b: Coord) -> Coord {
    let d = Coord {
        x: b.x - a.x,
        y: b.y - a.y,
    };
    let len_sq = d.x * d.x + d.y * d.y;
    if len_sq == 0.0 {
        return a;
    }
    let t = (-(a.x * d.x + a.y * d.y) / len_sq).clamp(0.0, 1.0);
    Coord {
        x: a.x + t * d.x,
        y: a.y + t * d.y,
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use proptest::prelude::*;

    fn at(lat: f64, lon: f64) -> Coordinates {
        Coordinates::new(lat, lon).unwrap()
    }

    /// The point `metres` due north of `c` (along the meridian).
    fn north_of(c: Coordinates, metres: f64) -> Coordinates {
        // One degree of latitude is about 110.6 km at the equator; refine with the geodesic.
        let mut lat = c.latitude + metres / 110_574.0;
        for _ in 0..5 {
            let d = at(lat, c.longitude).distance_m(&c);
            lat += (metres - d) / 110_574.0;
        }
        at(lat, c.longitude)
    }

    const CIMAHI: (f64, f64) = (-6.872_183, 107.542_038);

    #[test]
    fn the_three_verdicts_follow_distance_radius_and_accuracy() {
        let office = at(CIMAHI.0, CIMAHI.1);
        let fence = Fence::circle(office, 100.0).unwrap();
        let judge_at = |metres: f64, accuracy: f64| {
            judge(
                &Fix::new(north_of(office, metres), accuracy).unwrap(),
                &fence,
            )
        };
        assert_eq!(judge_at(23.0, 10.0).verdict, Verdict::Inside);
        assert_eq!(judge_at(99.9, 500.0).verdict, Verdict::Inside);
        assert_eq!(judge_at(120.0, 30.0).verdict, Verdict::Uncertain);
        assert_eq!(judge_at(150.0, 10.0).verdict, Verdict::Outside);
        let j = judge_at(500.0, 0.0);
        assert!((j.distance_m - 500.0).abs() < 0.01, "{}", j.distance_m);
    }

    #[test]
    fn verdict_boundaries_are_as_domain_md_writes_them() {
        assert_eq!(verdict(100.0, 100.0, 0.0), Verdict::Inside);
        assert_eq!(verdict(100.000_1, 100.0, 0.0), Verdict::Outside);
        assert_eq!(verdict(130.0, 100.0, 30.0), Verdict::Uncertain);
        assert_eq!(verdict(130.1, 100.0, 30.0), Verdict::Outside);
    }

    #[test]
    fn a_known_geodesic_distance_is_reproduced() {
        // New York City to London on WGS 84: 5,585,234 m (Karney's published value).
        let d = at(40.7128, -74.006).distance_m(&at(51.5074, -0.1278));
        assert!((d - 5_585_234.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn out_of_range_nan_infinite_and_polar_positions_are_refused() {
        assert_eq!(
            Coordinates::new(90.1, 0.0),
            Err(CoordinateError::LatitudeOutOfRange)
        );
        assert_eq!(
            Coordinates::new(-91.0, 0.0),
            Err(CoordinateError::LatitudeOutOfRange)
        );
        assert_eq!(
            Coordinates::new(0.0, 180.5),
            Err(CoordinateError::LongitudeOutOfRange)
        );
        assert_eq!(
            Coordinates::new(f64::NAN, 0.0),
            Err(CoordinateError::LatitudeNotFinite)
        );
        assert_eq!(
            Coordinates::new(0.0, f64::INFINITY),
            Err(CoordinateError::LongitudeNotFinite)
        );
        assert_eq!(Coordinates::new(90.0, 10.0), Err(CoordinateError::AtPole));
        assert_eq!(Coordinates::new(-90.0, 10.0), Err(CoordinateError::AtPole));
        assert!(Fix::new(at(0.0, 0.0), -1.0).is_err());
        assert!(Fix::new(at(0.0, 0.0), f64::NAN).is_err());
        assert!(Fence::circle(at(0.0, 0.0), 0.0).is_err());
        assert!(Fence::circle(at(0.0, 0.0), f64::INFINITY).is_err());
    }

    #[test]
    fn a_fence_across_the_antimeridian_measures_the_short_way() {
        let fence = Fence::circle(at(-16.5, 179.999_5), 200.0).unwrap();
        let fix = Fix::new(at(-16.5, -179.999_5), 5.0).unwrap();
        let j = judge(&fix, &fence);
        assert!(j.distance_m < 120.0, "{}", j.distance_m);
        assert_eq!(j.verdict, Verdict::Inside);
    }

    #[test]
    fn a_fence_on_the_equator_works_on_both_sides() {
        let fence = Fence::circle(at(0.0, 109.33), 100.0).unwrap();
        let north = judge(&Fix::new(at(0.000_5, 109.33), 5.0).unwrap(), &fence);
        let south = judge(&Fix::new(at(-0.000_5, 109.33), 5.0).unwrap(), &fence);
        assert!((north.distance_m - south.distance_m).abs() < 1e-6);
        assert_eq!(north.verdict, Verdict::Inside);
    }

    fn square(center: Coordinates, half_side_deg: f64) -> Vec<Coordinates> {
        let (la, lo) = (center.latitude, center.longitude);
        vec![
            at(la - half_side_deg, lo - half_side_deg),
            at(la - half_side_deg, lo + half_side_deg),
            at(la + half_side_deg, lo + half_side_deg),
            at(la + half_side_deg, lo - half_side_deg),
        ]
    }

    #[test]
    fn a_polygon_is_judged_against_its_edge() {
        let c = at(CIMAHI.0, CIMAHI.1);
        // A square about 222 m on a side.
        let fence = Fence::polygon(c, 100.0, square(c, 0.001)).unwrap();
        let inside = judge(&Fix::new(north_of(c, 100.0), 50.0).unwrap(), &fence);
        assert_eq!(inside.verdict, Verdict::Inside);
        assert!(inside.distance_m.abs() < f64::EPSILON);
        // The northern edge is about 110.6 m north of the centre.
        let near = judge(&Fix::new(north_of(c, 130.0), 30.0).unwrap(), &fence);
        assert_eq!(near.verdict, Verdict::Uncertain);
        assert!((near.distance_m - 19.4).abs() < 1.0, "{}", near.distance_m);
        let far = judge(&Fix::new(north_of(c, 300.0), 30.0).unwrap(), &fence);
        assert_eq!(far.verdict, Verdict::Outside);
    }

    #[test]
    fn a_polygon_across_the_antimeridian_contains_its_middle() {
        let corners = vec![
            at(-16.501, 179.999),
            at(-16.501, -179.999),
            at(-16.499, -179.999),
            at(-16.499, 179.999),
        ];
        let fence = Fence::polygon(at(-16.5, 180.0), 100.0, corners).unwrap();
        let j = judge(&Fix::new(at(-16.5, -179.999_8), 5.0).unwrap(), &fence);
        assert_eq!(j.verdict, Verdict::Inside);
    }

    #[test]
    fn a_degenerate_polygon_is_refused() {
        let c = at(0.0, 0.0);
        assert_eq!(
            Fence::polygon(c, 10.0, vec![c, at(0.001, 0.0), c]),
            Err(FenceError::PolygonTooSmall)
        );
    }

    proptest! {
        #[test]
        fn the_verdict_never_improves_as_the_distance_grows(
            d1 in 0.0f64..5_000.0, extra in 0.0f64..5_000.0,
            r in 1.0f64..1_000.0, a in 0.0f64..500.0,
        ) {
            let rank = |v: Verdict| match v {
                Verdict::Inside => 0,
                Verdict::Uncertain => 1,
                Verdict::Outside => 2,
            };
            prop_assert!(rank(verdict(d1, r, a)) <= rank(verdict(d1 + extra, r, a)));
        }

        #[test]
        fn moving_away_from_a_place_never_improves_the_verdict(
            lat in -80.0f64..80.0, lon in -180.0f64..180.0,
            m1 in 0.0f64..3_000.0, extra in 0.0f64..3_000.0,
            r in 10.0f64..500.0, a in 0.0f64..200.0,
        ) {
            let c = at(lat, lon);
            let fence = Fence::circle(c, r).unwrap();
            let rank = |v: Verdict| match v {
                Verdict::Inside => 0,
                Verdict::Uncertain => 1,
                Verdict::Outside => 2,
            };
            let near = judge(&Fix::new(north_of(c, m1), a).unwrap(), &fence);
            let far = judge(&Fix::new(north_of(c, m1 + extra), a).unwrap(), &fence);
            prop_assert!(near.distance_m <= far.distance_m + 1e-6);
            prop_assert!(rank(near.verdict) <= rank(far.verdict));
        }

        #[test]
        fn distance_is_symmetric_and_mirrors_across_the_equator_and_meridians(
            lat1 in -85.0f64..85.0, lon1 in -180.0f64..180.0,
            lat2 in -85.0f64..85.0, lon2 in -180.0f64..180.0,
        ) {
            let (p, q) = (at(lat1, lon1), at(lat2, lon2));
            prop_assert!((p.distance_m(&q) - q.distance_m(&p)).abs() < 1e-6);
            let mirrored = at(-lat1, lon1).distance_m(&at(-lat2, lon2));
            prop_assert!((p.distance_m(&q) - mirrored).abs() < 1e-3);
            let flipped = at(lat1, -lon1).distance_m(&at(lat2, -lon2));
            prop_assert!((p.distance_m(&q) - flipped).abs() < 1e-3);
        }

        #[test]
        fn a_polygon_and_the_circle_through_it_agree_far_away(
            lat in -60.0f64..60.0, lon in -179.0f64..179.0, away in 1_000.0f64..5_000.0,
        ) {
            let c = at(lat, lon);
            let fence = Fence::polygon(c, 100.0, square(c, 0.000_5)).unwrap();
            let fix = Fix::new(north_of(c, away), 10.0).unwrap();
            let j = judge(&fix, &fence);
            prop_assert_eq!(j.verdict, Verdict::Outside);
            // The square's northern edge is about 55 m north of the centre.
            prop_assert!((j.distance_m - (away - 55.3)).abs() < 2.0, "{}", j.distance_m);
        }
    }
}
