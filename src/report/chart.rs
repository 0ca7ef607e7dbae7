//! Funding chart for `basis history --plot`: funding APR per venue over time, price on a second axis.

use chrono::{DateTime, Utc};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::history::{Series, apr_pct};

/// A point of a line: time and value.
type Point = (DateTime<Utc>, f64);

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1280, 720);

const PALETTE: [RGBColor; 11] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 0),
];

/// Registers the bundled DejaVu Sans as the chart font (PNG needs a font; SVG names it).
///
/// # Errors
/// Never in practice: the font is bundled.
pub fn register_font() -> Result<(), String> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the bundled chart font could not be loaded".to_owned())
}

/// The coin's price line: where it comes from (`binance BTCUSDT spot`) and its points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceLine {
    /// Venue, symbol and market of the series, for the legend.
    pub source: String,
    /// Close times and prices per coin.
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// Draws funding APR per venue (one line per perp, normalised per hour) and the coin's price
/// on a right-hand axis. Returns how many funding series were drawn.
///
/// # Errors
/// A drawing-backend error, as text.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    asset: &str,
    days: u32,
    series: &[Series],
    price_line: &PriceLine,
) -> Result<usize, String> {
    let price = price_line.points.as_slice();
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(err)?;
    let lines: Vec<(&Series, Vec<Point>)> = series
        .iter()
        .map(|s| {
            (
                s,
                s.points
                    .iter()
                    .filter_map(|(t, r, h)| Some((*t, apr_pct(*r, *h)?)))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, pts)| !pts.is_empty())
        .collect();
    let times = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(t, _)| *t))
        .chain(price.iter().map(|(t, _)| *t));
    let (t0, t1) = times.fold(
        (None, None),
        |(lo, hi): (Option<DateTime<Utc>>, Option<DateTime<Utc>>), t| {
            (
                Some(lo.map_or(t, |l| l.min(t))),
                Some(hi.map_or(t, |h| h.max(t))),
            )
        },
    );
    let (Some(t0), Some(mut t1)) = (t0, t1) else {
        return Err(format!("no recorded funding for {asset} to plot"));
    };
    if t1 <= t0 {
        t1 = t0 + chrono::Duration::hours(1);
    }
    let (mut y0, mut y1) = lines
        .iter()
        .flat_map(|(_, p)| p.iter().map(|(_, v)| *v))
        .fold((0.0_f64, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
    let pad = ((y1 - y0) * 0.08).max(1.0);
    y0 -= pad;
    y1 += pad;
    let (p0, p1) = price
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, v)| {
            (a.min(*v), b.max(*v))
        });
    let (p0, p1) = if p0.is_finite() && p1 > p0 {
        (p0 - (p1 - p0) * 0.05, p1 + (p1 - p0) * 0.05)
    } else if p0.is_finite() {
        (p0 * 0.95, p0 * 1.05 + 1e-9)
    } else {
        (0.0, 1.0)
    };
    let caption = format!(
        "{asset}: funding APR by venue, last {days} days (per settlement, normalised per hour)"
    );
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 26))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .right_y_label_area_size(if price.is_empty() { 0 } else { 80 })
        .build_cartesian_2d(t0..t1, y0..y1)
        .map_err(err)?
        .set_secondary_coord(t0..t1, p0..p1);
    chart
        .configure_mesh()
        .x_desc("time (UTC)")
        .y_desc("funding APR (%)")
        .x_labels(8)
        .y_labels(10)
        .x_label_formatter(&|t: &DateTime<Utc>| t.format("%m-%d %H:%M").to_string())
        .y_label_formatter(&|v: &f64| format!("{v:.0}%"))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    if !price.is_empty() {
        chart
            .configure_secondary_axes()
            .y_desc(format!("{asset} price"))
            .y_labels(8)
            .y_label_formatter(&|v: &f64| {
                if v.abs() >= 100.0 {
                    format!("{v:.0}")
                } else if v.abs() >= 1.0 {
                    format!("{v:.2}")
                } else {
                    format!("{v:.6}")
                }
            })
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(err)?;
    }
    for (i, (s, pts)) in lines.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))
            .map_err(err)?
            .label(format!(
                "{} {} ({}h)",
                s.venue.id(),
                s.symbol,
                s.points
                    .last()
                    .map_or_else(String::new, |p| p.2.normalize().to_string())
            ))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(3))
            });
    }
    if !price.is_empty() {
        chart
            .draw_secondary_series(LineSeries::new(
                price.iter().copied(),
                BLACK.mix(0.45).stroke_width(2),
            ))
            .map_err(err)?
            .label(format!("{asset} price, {} (right axis)", price_line.source))
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.45).stroke_width(3))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(lines.len())
}
