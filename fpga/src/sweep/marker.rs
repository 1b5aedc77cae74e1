//! Point markers for the plots: one element type whose shape is a value,
//! so a series can pick its shape at run time and its legend can show it.

use plotters::element::{Drawable, PointCollection};
use plotters::style::{RGBColor, ShapeStyle};
use plotters_backend::{BackendCoord, DrawingBackend, DrawingErrorKind};

/// How many shapes there are.
pub(super) const SHAPES: usize = 4;

/// Half the width of a marker, in pixels.
const R: i32 = 5;

/// A filled marker of one of [`SHAPES`] shapes (circle, triangle, square,
/// diamond) centred on a point.
pub(super) struct Marker<C> {
    at: C,
    shape: usize,
    style: ShapeStyle,
}

impl<C> Marker<C> {
    /// Shape `shape % SHAPES` in `colour`, at `at`.
    pub(super) fn new(at: C, shape: usize, colour: RGBColor) -> Self {
        Marker {
            at,
            shape: shape % SHAPES,
            style: ShapeStyle::from(colour).filled(),
        }
    }
}

impl<'a, C> PointCollection<'a, C> for &'a Marker<C> {
    type Point = &'a C;
    type IntoIter = std::iter::Once<&'a C>;
    fn point_iter(self) -> Self::IntoIter {
        std::iter::once(&self.at)
    }
}

impl<C, DB: DrawingBackend> Drawable<DB> for Marker<C> {
    fn draw<I: Iterator<Item = BackendCoord>>(
        &self,
        mut pos: I,
        backend: &mut DB,
        _parent_dim: (u32, u32),
    ) -> Result<(), DrawingErrorKind<DB::ErrorType>> {
        let Some((x, y)) = pos.next() else {
            return Ok(());
        };
        match self.shape {
            0 => backend.draw_circle((x, y), R as u32, &self.style, true),
            1 => backend.fill_polygon(
                [(x, y - R - 1), (x + R + 1, y + R), (x - R - 1, y + R)],
                &self.style,
            ),
            2 => backend.draw_rect(
                (x - R + 1, y - R + 1),
                (x + R - 1, y + R - 1),
                &self.style,
                true,
            ),
            _ => backend.fill_polygon(
                [
                    (x, y - R - 1),
                    (x + R + 1, y),
                    (x, y + R + 1),
                    (x - R - 1, y),
                ],
                &self.style,
            ),
        }
    }
}
