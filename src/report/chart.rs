//! Funding chart for `basis history --plot`: funding APR per venue on one scale, the coin's price on a second axis.
//!
//! What a trader reads at a glance: every venue's funding as APR in percent on one left axis,
//! venues paying every 1, 2 or 4 hours averaged over the last 8 hours at each settlement (what
//! an 8 h venue would have paid; `--raw` shows every settlement as it is), each venue in its own
//! fixed colour ([`venue_colour`]; a venue's second perp dashed), a zero line, the coin's price
//! as a black dashed line on the right axis named with its currency, and the legend in a panel
//! beside the plot, never over the data. Tick labels carry as many decimals as it takes for no
//! two to read the same.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use plotters::coord::Shift;
use plotters::coord::types::{RangedCoordf64, RangedDateTime};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use rust_decimal::Decimal;

use super::history::{Series, apr_pct};
use super::safe::{SYMBOL_CAP, display};
use crate::model::Venue;

/// A point of a line: time and value.
type Point = (DateTime<Utc>, f64);

/// Chart size in pixels.
pub const SIZE: (u32, u32) = (1280, 720);

/// Width of the legend panel right of the plot, pixels.
const LEGEND_WIDTH: u32 = 300;

/// The settlement interval the smoothed lines are brought to, hours.
pub const SMOOTH_HOURS: i64 = 8;

/// Line colours: twelve that tell apart on white and from the black price line (Tableau 10
/// without its grey, then navy, magenta and maroon). Venue `i` of [`Venue::ALL`] is colour `i`.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(0, 0, 139),
    RGBColor(220, 0, 220),
    RGBColor(128, 0, 0),
];

/// The price line's colour (drawn dashed).
pub const PRICE_COLOUR: RGBColor = RGBColor(0, 0, 0);

const ZERO_COLOUR: RGBColor = RGBColor(110, 110, 110);

/// The colour of a venue's lines: fixed per venue, so that every chart reads the same way.
#[must_use]
pub fn venue_colour(venue: Venue) -> RGBColor {
    let i = Venue::ALL.iter().position(|v| *v == venue).unwrap_or(0);
    PALETTE[i % PALETTE.len()]
}

/// A chart file's format, from its extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics.
    Svg,
    /// Portable network graphics.
    Png,
}

impl Format {
    /// The file extension, without the dot.
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }
}

/// The file `--plot` names, and its format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartFile {
    /// Where the chart goes.
    pub path: PathBuf,
    /// SVG or PNG.
    pub format: Format,
}

impl ChartFile {
    /// Parses the value of `--plot` (a clap value parser): a file name ending in `.svg` or
    /// `.png`, in any case.
    ///
    /// # Errors
    /// Any other name, with what to give instead.
    pub fn parse(value: &str) -> Result<Self, String> {
        let path = PathBuf::from(value);
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match ext.as_deref() {
            Some("svg") => Format::Svg,
            Some("png") => Format::Png,
            _ => {
                return Err(
                    "give a file name ending in .svg or .png (the chart's format follows it)"
                        .into(),
                );
            }
        };
        Ok(ChartFile { path, format })
    }

    /// The directory the chart goes to (`.` for a bare file name).
    #[must_use]
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        }
    }
}

/// Registers the bundled DejaVu Sans as the chart font (PNG needs a font; SVG names it).
///
/// # Errors
/// Never in practice: the font is bundled.
pub fn register_font() -> Result<(), String> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| "the bundled chart font could not be loaded".to_owned())
}

/// The coin's price line: where it comes from (`binance BTCUSDT spot`), its currency and its
/// points.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PriceLine {
    /// Venue, symbol and market of the series, for the legend.
    pub source: String,
    /// The quote the prices are in (`USDT`), for the axis.
    pub currency: String,
    /// Close times and prices per coin.
    pub points: Vec<(DateTime<Utc>, f64)>,
}

/// One funding line as drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Venue.
    pub venue: Venue,
    /// Legend text: venue, symbol (shown safely) and interval.
    pub label: String,
    /// The venue's colour.
    pub colour: RGBColor,
    /// A venue's second and later perps are dashed.
    pub dashed: bool,
    /// APR in percent per settlement time.
    pub points: Vec<Point>,
}

/// APR in percent at each settlement as it was (`r / h × 24 × 365 × 100`).
#[must_use]
pub fn per_settlement(points: &[(DateTime<Utc>, Decimal, Decimal)]) -> Vec<Point> {
    points
        .iter()
        .filter_map(|(t, r, h)| Some((*t, apr_pct(*r, *h)?)))
        .collect()
}

/// APR in percent as an 8-hourly venue would have paid it: the settlements are grouped into
/// the [`SMOOTH_HOURS`]-hour periods of the UTC day (00–08, 08–16, 16–24, each `(start, end]`),
/// and each period gives `Σ r / Σ h` per hour, × 24 × 365 × 100, at its last settlement. A 1 h
/// venue's line then has the cadence and the averaging of an 8 h venue's; an 8 h (or longer)
/// venue's line is its settlements as they were. A gap in the record only shortens a period's
/// average, but the first and last periods are left out while they cover less than 8 hours (the
/// window's cut and the period still running), unless nothing else is left.
#[must_use]
pub fn smoothed(points: &[(DateTime<Utc>, Decimal, Decimal)]) -> Vec<Point> {
    let period_ms = SMOOTH_HOURS * 3_600_000;
    // The period a settlement at `t` belongs to: `(k × 8 h, (k + 1) × 8 h]`.
    let period = |t: &DateTime<Utc>| (t.timestamp_millis() - 1).div_euclid(period_ms);
    // (period, last settlement, Σ r, Σ h) per period, in order.
    let mut periods: Vec<(i64, DateTime<Utc>, Decimal, Decimal)> = Vec::new();
    for &(t, r, h) in points.iter().filter(|p| p.2 > Decimal::ZERO) {
        match periods.last_mut() {
            Some(last) if last.0 == period(&t) => {
                last.1 = t;
                last.2 += r;
                last.3 += h;
            }
            _ => periods.push((period(&t), t, r, h)),
        }
    }
    let full = Decimal::from(SMOOTH_HOURS);
    if periods.len() > 1 && periods.last().is_some_and(|p| p.3 < full) {
        periods.pop();
    }
    if periods.len() > 1 && periods.first().is_some_and(|p| p.3 < full) {
        periods.remove(0);
    }
    periods
        .into_iter()
        .filter_map(|(_, t, r, h)| Some((t, apr_pct(r, h)?)))
        .collect()
}

/// The funding lines of `series` (smoothed unless `raw`), those without a point left out.
#[must_use]
pub fn lines(series: &[Series], raw: bool) -> Vec<Line> {
    let mut drawn: Vec<Venue> = Vec::new();
    let mut out = Vec::new();
    for s in series {
        let points = if raw {
            per_settlement(&s.points)
        } else {
            smoothed(&s.points)
        };
        if points.is_empty() {
            continue;
        }
        let interval = s.points.last().map_or(Decimal::ZERO, |p| p.2.normalize());
        out.push(Line {
            venue: s.venue,
            label: format!(
                "{} {} ({interval}h)",
                s.venue.id(),
                display(&s.symbol, SYMBOL_CAP)
            ),
            colour: venue_colour(s.venue),
            dashed: drawn.contains(&s.venue),
            points,
        });
        drawn.push(s.venue);
    }
    out
}

/// The fewest decimals (up to 12) with which no two of `values` (ascending tick positions) read
/// the same.
fn distinct_decimals(values: &[f64]) -> usize {
    (0..=12)
        .find(|&d| {
            let labels: Vec<String> = values.iter().map(|v| format!("{v:.d$}")).collect();
            labels.windows(2).all(|w| w[0] != w[1])
        })
        .unwrap_or(12)
}

/// The first of the time formats with which no two of `ticks` read the same.
fn distinct_time_format(ticks: &[DateTime<Utc>]) -> &'static str {
    ["%m-%d", "%m-%d %H:%M"]
        .into_iter()
        .find(|f| {
            let labels: Vec<String> = ticks.iter().map(|t| t.format(f).to_string()).collect();
            labels.windows(2).all(|w| w[0] != w[1])
        })
        .unwrap_or("%Y-%m-%d %H:%M")
}

/// A value range padded by `share` of its span on each side (by `min_pad` at least).
fn padded(lo: f64, hi: f64, share: f64, min_pad: f64) -> (f64, f64) {
    let pad = ((hi - lo) * share).max(min_pad);
    (lo - pad, hi + pad)
}

/// What one chart shows.
#[derive(Clone, Copy, Debug)]
pub struct Chart<'a> {
    /// The coin.
    pub asset: &'a str,
    /// How many days back.
    pub days: u32,
    /// Funding lines ([`lines`]).
    pub lines: &'a [Line],
    /// The coin's price (may be empty).
    pub price: &'a PriceLine,
    /// Lines are per settlement, not smoothed.
    pub raw: bool,
}

const X_TICKS: usize = 8;
const Y_TICKS: usize = 10;

/// Draws `chart` on `root`. Returns how many funding lines were drawn.
///
/// # Errors
/// No line to draw, or a drawing-backend error, as text.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart<'_>,
) -> Result<usize, String> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let (asset, price) = (chart.asset, chart.price.points.as_slice());
    let times = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|(t, _)| *t))
        .chain(price.iter().map(|(t, _)| *t));
    let (Some(t0), Some(t1)) = (times.clone().min(), times.max()) else {
        return Err(format!("no recorded funding for {asset} to plot"));
    };
    let t1 = t1.max(t0 + Duration::hours(1));
    let (y0, y1) = chart
        .lines
        .iter()
        .flat_map(|l| l.points.iter().map(|(_, v)| *v))
        .fold((0.0_f64, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
    let (y0, y1) = padded(y0, y1, 0.08, 1.0);
    let (p0, p1) = price
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, v)| {
            (a.min(*v), b.max(*v))
        });
    let (p0, p1) = if p0.is_finite() {
        padded(p0, p1, 0.05, p0.abs() * 0.01 + 1e-12)
    } else {
        (0.0, 1.0)
    };

    root.fill(&WHITE).map_err(err)?;
    let smoothing = if chart.raw {
        "each settlement as paid".to_owned()
    } else {
        format!("1 h to 4 h venues as {SMOOTH_HOURS} h averages")
    };
    let area = root
        .titled(
            &format!(
                "{asset}: funding APR by venue, last {} days ({smoothing})",
                chart.days
            ),
            ("sans-serif", 24),
        )
        .map_err(err)?;
    let (plot_area, legend_area) = area.split_horizontally(SIZE.0 - LEGEND_WIDTH);

    let x_ticks = RangedDateTime::from(t0..t1).key_points(X_TICKS);
    let x_format = distinct_time_format(&x_ticks);
    let y_dp = distinct_decimals(&RangedCoordf64::from(y0..y1).key_points(Y_TICKS));
    let p_dp = distinct_decimals(&RangedCoordf64::from(p0..p1).key_points(Y_TICKS));
    let currency = display(&chart.price.currency, SYMBOL_CAP);
    let mut plot = ChartBuilder::on(&plot_area)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(70)
        .right_y_label_area_size(if price.is_empty() { 0 } else { 90 })
        .build_cartesian_2d(t0..t1, y0..y1)
        .map_err(err)?
        .set_secondary_coord(t0..t1, p0..p1);
    plot.configure_mesh()
        .x_desc("time (UTC)")
        .y_desc("funding APR (%)")
        .x_labels(X_TICKS)
        .y_labels(Y_TICKS)
        .x_label_formatter(&|t: &DateTime<Utc>| t.format(x_format).to_string())
        .y_label_formatter(&|v: &f64| format!("{v:.y_dp$}%"))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 17))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(err)?;
    if !price.is_empty() {
        plot.configure_secondary_axes()
            .y_desc(if currency.is_empty() {
                format!("{asset} price")
            } else {
                format!("{asset} price ({currency})")
            })
            .y_labels(Y_TICKS)
            .y_label_formatter(&|v: &f64| format!("{v:.p_dp$}"))
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(err)?;
    }
    plot.draw_series(LineSeries::new(
        [(t0, 0.0), (t1, 0.0)],
        ZERO_COLOUR.stroke_width(1),
    ))
    .map_err(err)?;
    for line in chart.lines {
        let style = line.colour.stroke_width(2);
        if line.dashed {
            plot.draw_series(DashedLineSeries::new(
                line.points.iter().copied(),
                6,
                4,
                style,
            ))
            .map_err(err)?;
        } else {
            plot.draw_series(LineSeries::new(line.points.iter().copied(), style))
                .map_err(err)?;
        }
    }
    if !price.is_empty() {
        plot.draw_secondary_series(DashedLineSeries::new(
            price.iter().copied(),
            10,
            6,
            PRICE_COLOUR.stroke_width(2),
        ))
        .map_err(err)?;
    }
    legend(&legend_area, chart, &currency).map_err(err)?;
    root.present().map_err(err)?;
    Ok(chart.lines.len())
}

/// The legend panel: a sample of each line and its label, funding first, then the price.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    chart: &Chart<'_>,
    currency: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    const ROW: i32 = 20;
    let font = ("sans-serif", 15).into_font();
    let (_, height) = area.dim_in_pixel();
    let rows = usize::try_from((i32::try_from(height).unwrap_or(i32::MAX) - 90) / ROW)
        .unwrap_or(0)
        .max(2);
    let mut y = 24;
    area.draw(&Text::new(
        "funding APR (left axis)",
        (8, y - 8),
        font.clone(),
    ))?;
    y += ROW;
    let shown = chart.lines.len().min(rows - 1);
    for line in &chart.lines[..shown] {
        let sample = vec![(10, y), (40, y)];
        let style = line.colour.stroke_width(3);
        if line.dashed {
            area.draw(&DashedPathElement::new(sample, 6, 4, style))?;
        } else {
            area.draw(&PathElement::new(sample, style))?;
        }
        area.draw(&Text::new(line.label.clone(), (48, y - 8), font.clone()))?;
        y += ROW;
    }
    if shown < chart.lines.len() {
        let more = format!("+{} more (--venues to pick)", chart.lines.len() - shown);
        area.draw(&Text::new(more, (48, y - 8), font.clone()))?;
        y += ROW;
    }
    if !chart.price.points.is_empty() {
        y += ROW / 2;
        area.draw(&Text::new("price (right axis)", (8, y - 8), font.clone()))?;
        y += ROW;
        area.draw(&DashedPathElement::new(
            vec![(10, y), (40, y)],
            10,
            6,
            PRICE_COLOUR.stroke_width(3),
        ))?;
        let head = if currency.is_empty() {
            format!("{} price", chart.asset)
        } else {
            format!("{} price in {currency}", chart.asset)
        };
        area.draw(&Text::new(head, (48, y - 8), font.clone()))?;
        let source = display(&chart.price.source, 2 * SYMBOL_CAP).into_owned();
        area.draw(&Text::new(source, (48, y + ROW - 8), font))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_764_000_000, 0).expect("t") + Duration::hours(h)
    }

    fn series(venue: Venue, symbol: &str, hours: i64, n: i64, rate: impl Fn(i64) -> i64) -> Series {
        Series {
            venue,
            symbol: symbol.into(),
            quote: "USDT".into(),
            points: (0..n)
                .map(|i| (t(i * hours), Decimal::new(rate(i), 6), Decimal::from(hours)))
                .collect(),
        }
    }

    #[test]
    fn one_hour_venues_are_averaged_per_eight_hours_and_eight_hour_ones_kept() {
        // A 1 h venue alternating 0 and 0.0016 % per hour pays 0.0064 % per 8 h: 7.008 % APR,
        // one point per 8 h period at its last settlement. `t(0)` is 16:00 UTC: the first
        // period holds that settlement alone and is left out, the next six hold eight each, and
        // the last one (t(49), t(50)) is still running and left out.
        let hourly = series(Venue::Hyperliquid, "BTC", 1, 51, |i| (i % 2) * 16);
        let smooth = smoothed(&hourly.points);
        assert_eq!(smooth.len(), 6, "{smooth:?}");
        for (i, (at, apr)) in smooth.iter().enumerate() {
            assert_eq!(*at, t(8 * i64::try_from(i + 1).expect("small")));
            assert!((apr - 7.008).abs() < 1e-9, "{apr}");
        }
        // A gap inside the record only shortens that period's average.
        let mut gappy = hourly.points.clone();
        gappy.retain(|p| p.0 <= t(10) || p.0 > t(14));
        let smooth = smoothed(&gappy);
        assert_eq!(smooth.len(), 6);
        // Periods (8, 16]: t(9), t(10), t(15), t(16) of which t(9) and t(15) pay: 0.0008 %/h.
        assert!((smooth[1].1 - 7.008).abs() < 1e-9, "{smooth:?}");
        // Only a partial period: kept rather than nothing.
        assert_eq!(smoothed(&hourly.points[1..3]).len(), 1);
        let raw = per_settlement(&hourly.points);
        assert_eq!(raw.len(), 51);
        assert!((raw[1].1 - 14.016).abs() < 1e-9 && raw[2].1 == 0.0);
        let eight = series(Venue::Binance, "BTCUSDT", 8, 9, |i| 100 + i);
        assert_eq!(smoothed(&eight.points), per_settlement(&eight.points));
    }

    #[test]
    fn the_palette_has_twelve_distinct_colours_apart_from_the_price_line() {
        let dist = |a: RGBColor, b: RGBColor| {
            let d = |x: u8, y: u8| (f64::from(x) - f64::from(y)).powi(2);
            (d(a.0, b.0) + d(a.1, b.1) + d(a.2, b.2)).sqrt()
        };
        assert!(PALETTE.len() >= 12);
        for (i, a) in PALETTE.iter().enumerate() {
            assert!(
                dist(*a, PRICE_COLOUR) > 120.0,
                "{a:?} too close to the price line"
            );
            assert!(dist(*a, WHITE) > 120.0, "{a:?} too pale on white");
            for b in &PALETTE[i + 1..] {
                assert!(dist(*a, *b) > 75.0, "{a:?} and {b:?} look alike");
            }
        }
        let colours: Vec<RGBColor> = Venue::ALL.iter().map(|v| venue_colour(*v)).collect();
        for (i, c) in colours.iter().enumerate() {
            assert!(!colours[i + 1..].contains(c), "two venues share {c:?}");
        }
    }

    #[test]
    fn tick_labels_never_repeat() {
        // The price axis of a coin worth 0.000019: six decimals would print duplicates.
        let ticks = RangedCoordf64::from(0.000_018_5..0.000_019_5).key_points(Y_TICKS);
        let dp = distinct_decimals(&ticks);
        let labels: Vec<String> = ticks.iter().map(|v| format!("{v:.dp$}")).collect();
        assert!(labels.windows(2).all(|w| w[0] != w[1]), "{labels:?}");
        assert_eq!(distinct_decimals(&[0.0, 10.0, 20.0]), 0);
        assert_eq!(distinct_decimals(&[0.0, 0.5, 1.0]), 1);
        let hours = RangedDateTime::from(t(0)..t(30)).key_points(X_TICKS);
        let f = distinct_time_format(&hours);
        assert_eq!(f, "%m-%d %H:%M");
        let days = RangedDateTime::from(t(0)..t(24 * 30)).key_points(X_TICKS);
        assert_eq!(distinct_time_format(&days), "%m-%d");
    }

    #[test]
    fn plot_file_names_need_svg_or_png() {
        assert_eq!(
            ChartFile::parse("out/btc.PNG").map(|f| f.format),
            Ok(Format::Png)
        );
        assert_eq!(
            ChartFile::parse("btc.svg").map(|f| (f.format, f.dir().to_owned())),
            Ok((Format::Svg, PathBuf::from(".")))
        );
        for bad in ["btc.jpg", "btc", "png", "dir/"] {
            assert!(ChartFile::parse(bad).is_err(), "{bad}");
        }
    }

    /// Draws eleven venues (one with a second, dashed perp) and a price into an RGB buffer.
    fn eleven_venue_pixels() -> Vec<u8> {
        register_font().expect("font");
        let series: Vec<Series> = Venue::ALL
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let h = if i % 3 == 0 { 1 } else { 8 };
                let k = i64::try_from(i).expect("small");
                series(*v, &format!("SYM{i}"), h, 24 * 10 / h, move |j| {
                    20 * k + (j * 7 + k) % 40 - 10
                })
            })
            .chain([series(Venue::Binance, "BTCUSDC", 8, 30, |j| 50 - j)])
            .collect();
        let lines = lines(&series, false);
        let price = PriceLine {
            source: "binance BTCUSDT spot".into(),
            currency: "USDT".into(),
            points: (0..240)
                .map(|h| (t(h), 90_000.0 + (h as f64) * 10.0))
                .collect(),
        };
        let mut buf = vec![0_u8; (SIZE.0 * SIZE.1 * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area();
            let chart = Chart {
                asset: "BTC",
                days: 10,
                lines: &lines,
                price: &price,
                raw: false,
            };
            assert_eq!(draw(&root, &chart), Ok(Venue::ALL.len() + 1));
        }
        buf
    }

    #[test]
    fn an_eleven_venue_chart_shows_every_venue_colour_and_the_price() {
        let buf = eleven_venue_pixels();
        let count = |c: RGBColor| buf.chunks(3).filter(|p| p == &[c.0, c.1, c.2]).count();
        for v in Venue::ALL {
            assert!(
                count(venue_colour(v)) > 200,
                "{v}: {}",
                count(venue_colour(v))
            );
        }
        assert!(count(PRICE_COLOUR) > 2_000);
        let white = buf.chunks(3).filter(|p| p == &[255, 255, 255]).count();
        let total = (SIZE.0 * SIZE.1) as usize;
        assert!(white < total * 95 / 100, "almost blank: {white} of {total}");
    }
}
