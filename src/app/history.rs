//! `basis history ASSET`: recorded funding per venue, and with `--plot` its chart.

use chrono::{DateTime, Utc};

use super::plot::{PendingChart, PlotError};
use super::shared::{blocking_store, close_store, open_store, write_stdout};
use super::{AppError, exit};
use crate::cli::{HistoryArgs, VenueArgs};
use crate::inputs::quote_rank;
use crate::model::Venue;
use crate::settings::{self, Globals, ProcessEnv};
use crate::store::Store;

/// `basis history ASSET`: the funding basis has recorded for one coin, per venue, and with
/// `--plot` its chart. The chart's file is opened (as a temporary file beside it) before any
/// work, and renamed into place only once drawn: a failure leaves no file.
///
/// # Errors
/// Settings and store failures. A chart that cannot be written (74) or has nothing to show (1)
/// is reported on stderr and reflected in the exit code, after the table.
pub async fn history(globals: &Globals, args: &HistoryArgs) -> Result<u8, AppError> {
    let poll = VenueArgs {
        venues: args.venues.clone(),
        ..VenueArgs::default()
    };
    let settings = settings::build(globals, &poll, None, &ProcessEnv)?;
    let chart_file = match args.plot.as_ref().map(PendingChart::create).transpose() {
        Ok(c) => c,
        Err(e) => return Ok(e.report()),
    };
    let store = open_store(&settings.data_dir).await?;
    let asset = args.asset.trim().to_ascii_uppercase();
    let now = Utc::now();
    let since = now - chrono::Duration::days(i64::from(args.days.max(1)));
    let venues = settings.venues.clone();
    let s = store.clone();
    let wanted = asset.clone();
    let series = blocking_store(move || {
        let mut out = Vec::new();
        for venue in venues {
            let Some(snapshot) = s.latest_snapshot(venue)? else {
                continue;
            };
            for perp in snapshot.perps.iter().filter(|p| p.asset == wanted) {
                let points = s
                    .funding_events(venue, &perp.symbol)?
                    .into_iter()
                    .filter_map(|(t, e)| {
                        let t = DateTime::<Utc>::from_timestamp_millis(t)?;
                        (t > since && t <= now).then_some((t, e.r, e.h))
                    })
                    .collect();
                out.push(crate::report::history::Series {
                    venue,
                    symbol: perp.symbol.clone(),
                    quote: perp.quote.clone(),
                    points,
                });
            }
        }
        Ok(out)
    })
    .await?;
    write_stdout(&crate::report::history::render(
        &asset, args.days, &series, now,
    ))?;
    let mut code = exit::OK;
    if let Some(file) = chart_file {
        let lines = crate::report::chart::lines(&series, args.raw);
        let drawn = if lines.is_empty() {
            Err(PlotError::Nothing {
                asset: asset.clone(),
                days: args.days,
            })
        } else {
            let price = price_line(&store, &settings.venues, &asset, since, now).await?;
            file.finish(&crate::report::chart::Chart {
                asset: &asset,
                days: args.days,
                lines: &lines,
                price: &price,
                raw: args.raw,
            })
        };
        code = match drawn {
            Ok((n, path)) => {
                if !globals.quiet {
                    let text = format!(
                        "chart with {n} funding series written to {}\n",
                        path.display()
                    );
                    write_stdout(text.as_bytes())?;
                }
                exit::OK
            }
            Err(e) => e.report(),
        };
    }
    close_store(store).await?;
    Ok(code)
}

/// The price line of a history chart: the coin's spot pair (USDT, then USDC, then USD) on the
/// first venue, in `venues` order, with stored closes in `(since, now]` (daily closes, hourly
/// ones where backfilled), else its perp's daily closes the same way; each point at its close
/// time.
pub(super) async fn price_line(
    store: &Store,
    venues: &[Venue],
    asset: &str,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<crate::report::chart::PriceLine, AppError> {
    use crate::model::Market;
    let s = store.clone();
    let venues = venues.to_vec();
    let asset = asset.to_owned();
    blocking_store(move || {
        let (since_ms, now_ms) = (since.timestamp_millis(), now.timestamp_millis());
        for market in [Market::Spot, Market::Perp] {
            for &venue in &venues {
                let Some(snapshot) = s.latest_snapshot(venue)? else {
                    continue;
                };
                let mut symbols: Vec<(u8, &str, &str)> = snapshot
                    .markets()
                    .filter(|&(m, _, a, _)| m == market && a == asset)
                    .map(|(_, symbol, _, quote)| (quote_rank(quote), symbol, quote))
                    .collect();
                symbols.sort_unstable();
                let Some(&(rank, symbol, quote)) = symbols.first() else {
                    continue;
                };
                if rank > 2 {
                    continue;
                }
                let hourly = s.hourly_bars(venue, market, symbol, since_ms)?;
                let first_hour = hourly.first().map_or(i64::MAX, |(t, _)| *t);
                let mut points: Vec<(i64, rust_decimal::Decimal)> = s
                    .daily_closes(venue, market, symbol)?
                    .into_iter()
                    .map(|(day, c)| (day + 86_400_000, c.close))
                    .filter(|(t, _)| *t <= first_hour)
                    .collect();
                points.extend(hourly.into_iter().map(|(t, b)| (t + 3_600_000, b.close)));
                let points: Vec<(DateTime<Utc>, f64)> = points
                    .into_iter()
                    .filter(|(t, _)| *t > since_ms && *t <= now_ms)
                    .filter_map(|(t, close)| {
                        Some((
                            DateTime::<Utc>::from_timestamp_millis(t)?,
                            rust_decimal::prelude::ToPrimitive::to_f64(&close)?,
                        ))
                    })
                    .collect();
                if points.len() > 1 {
                    return Ok(crate::report::chart::PriceLine {
                        source: format!("{} {symbol} {}", venue.id(), market.id()),
                        currency: quote.to_owned(),
                        points,
                    });
                }
            }
        }
        Ok(crate::report::chart::PriceLine::default())
    })
    .await
}
