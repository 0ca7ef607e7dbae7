//! Command-line interface (clap derive): every value checked here by the rules of `settings::value`.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::model::Venue;
use crate::settings::value;

/// A clap value parser that checks a value by a [`value`] rule (so a bad flag is a usage error,
/// exit 64, before any work) and keeps its text: `settings` layers it over the environment and
/// the config file, which the same rule checks there. An empty item of a list passes (it is
/// dropped).
fn checked<T: 'static>(
    rule: fn(&str) -> Result<T, String>,
) -> impl Fn(&str) -> Result<String, String> + Clone + Send + Sync + 'static {
    move |text: &str| {
        if text.trim().is_empty() {
            return Ok(String::new());
        }
        rule(text).map(|_| text.trim().to_owned())
    }
}

/// Heading of the options every command takes.
const GLOBAL: &str = "Global options";
/// Heading of the venue selection and polling options.
const POLLING: &str = "Venues and polling";

/// Funding-rate basis scanner: finds and ranks spot-vs-perpetual carry trades net of fees,
/// spreads and collateral-volatility risk.
#[derive(Debug, Parser)]
#[command(
    name = "basis",
    version,
    about,
    long_about = None,
    after_help = "Exit codes: 0 ok, 1 partial, 64 bad command line, 69 no venue answered, \
70 bug, 74 store or output I/O, 75 try later, 78 bad config or environment (docs/exit-codes.md)."
)]
pub struct Cli {
    /// Store directory (default: the XDG data dir, ~/.local/share/basis) [env: BASIS_DATA_DIR]
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    pub data_dir: Option<PathBuf>,

    /// Config file, TOML (default: ~/.config/basis/config.toml) [env: BASIS_CONFIG]
    #[arg(long, global = true, value_name = "FILE", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,

    /// More logging on stderr (-v info, -vv debug, -vvv trace); RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet", help_heading = GLOBAL)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, help_heading = GLOBAL)]
    pub quiet: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Poll the venues and rank carry, cross-venue carry and perp-spread trades (the main job).
    Scan(Box<ScanArgs>),
    /// Poll the venues and record snapshots in the store, without analysis.
    Poll(PollArgs),
    /// List venues with their hosts, last poll, last error, bans (why, since, until) and request
    /// count; `--clear-ban VENUE` lifts a ban.
    Venues(VenuesArgs),
    /// Scan (and notify) again and again until SIGINT/SIGTERM.
    Watch(Box<WatchArgs>),
    /// Chat notifications.
    Notify(NotifyArgs),
    /// Show the effective configuration (secrets masked).
    Config(ConfigArgs),
    /// Store upkeep: statistics and pruning.
    Db(DbArgs),
    /// Recorded funding of one asset per venue, with sparklines.
    History(HistoryArgs),
    /// Fetch settled funding history per perp (incremental, resumable).
    Backfill(BackfillArgs),
    /// Write a table as Parquet, CSV or NDJSON files for DuckDB, ClickHouse or pandas.
    Export(ExportArgs),
    /// Declared accounts at the latest prices: equity, margin ratio, liquidation prices,
    /// collateral drops, alerts (`[[account]]` in the config, or --positions FILE).
    Positions(PositionsArgs),
    /// One trade before it is opened: carry (spot + short perp), hedge (short against a
    /// holding) or long (perp margined by another coin): margins, liquidation, funding.
    Plan(PlanArgs),
}

/// `basis backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// How far back, in days (a venue keeping less is fetched as far as it keeps).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
    pub days: u32,

    /// Only these assets, comma-separated (the collateral coin's prices are always included).
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = checked(value::coin))]
    pub assets: Vec<String>,

    /// Skip price candles: settled funding only.
    #[arg(long, conflicts_with = "no_funding")]
    pub no_prices: bool,

    /// Skip settled funding: price candles only.
    #[arg(long)]
    pub no_funding: bool,

    /// Venue selection and polling options.
    #[command(flatten, next_help_heading = POLLING)]
    pub poll: VenueArgs,
}

/// `basis history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The coin, e.g. BTC.
    pub asset: String,

    /// Venues, comma-separated (default: all).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub venues: Vec<String>,

    /// How far back, in days.
    #[arg(long, default_value_t = 30)]
    pub days: u32,

    /// Also draw the chart to this file (.svg or .png): funding APR per venue over time on one
    /// scale, the coin's price on a second axis. Written whole or not at all.
    #[arg(long, value_name = "FILE", value_parser = crate::report::chart::ChartFile::parse)]
    pub plot: Option<crate::report::chart::ChartFile>,

    /// Plot each settlement's rate as paid (by default venues paying every 1 to 4 hours are
    /// averaged over 8 hours, comparable with 8-hourly venues).
    #[arg(long, requires = "plot")]
    pub raw: bool,
}

/// `basis db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DbCommand,
}

/// `basis db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Records per tree and venue, oldest and newest, live data and size on disk.
    Stats,
    /// Rewrite the store into a fresh directory and swap it in, giving back dead space.
    Compact,
    /// Read and decode every record (sled checks its checksums); exit 74 on damage.
    Check,
    /// Delete history older than a duration (latest snapshots, caches and bans are kept).
    Prune {
        /// Age limit, e.g. 180d.
        #[arg(long, value_name = "DURATION", value_parser = value::duration, allow_hyphen_values = true)]
        older_than: Duration,
    },
}

/// `basis watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Time between the starts of two scans, e.g. 5m, 30s
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = value::duration, allow_hyphen_values = true)]
    pub every: Duration,

    /// Scan options (as for `basis scan`; `--notify` is implied when sinks are configured).
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `basis notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: NotifyCommand,
}

/// `basis notify` subcommands.
#[derive(Debug, Subcommand)]
pub enum NotifyCommand {
    /// Send a clearly labelled test message to every sink (or one).
    Test {
        /// Only this sink (its `name` in the config).
        #[arg(long, value_name = "NAME")]
        sink: Option<String>,
    },
}

/// `basis config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ConfigCommand,
}

/// `basis config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the settings in effect (defaults, config file, environment), secrets masked.
    Show,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable table.
    Table,
    /// One JSON object (fields: docs/json.md).
    Json,
    /// CSV, one row per opportunity.
    Csv,
}

/// Output format of `basis venues`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Human-readable list.
    Table,
    /// A JSON array, one object per venue.
    Json,
}

/// Venue selection shared by commands that poll.
#[derive(Debug, Args, Clone, Default)]
pub struct VenueArgs {
    /// Venues to poll, comma-separated (default: all enabled) [env: BASIS_VENUES]
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = checked(value::venue))]
    pub venues: Vec<String>,

    /// Time for one response, e.g. 10s, 1500ms [default: 10s] [env: BASIS_TIMEOUT]
    #[arg(long, value_name = "DURATION", value_parser = checked(value::duration), allow_hyphen_values = true)]
    pub timeout: Option<String>,

    /// Overall deadline for polling; late venues are reported as timed out [default: 20s] [env: BASIS_DEADLINE]
    #[arg(long, value_name = "DURATION", value_parser = checked(value::duration), allow_hyphen_values = true)]
    pub deadline: Option<String>,

    /// Run against a built-in loopback server serving bundled synthetic fixtures (temporary
    /// store; no network).
    #[arg(long)]
    pub demo: bool,
}

/// `basis scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Keep opportunities whose risk-adjusted APR is at least this many percent (may be negative)
    /// [default: 10] [env: BASIS_MIN_APR]
    #[arg(long, value_name = "PCT", allow_hyphen_values = true, value_parser = checked(value::number))]
    pub min_apr: Option<String>,

    /// Holding horizon, at least 15m, e.g. 7d, 36h [default: 7d] [env: BASIS_HOLD]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true, value_parser = checked(value::hold_days))]
    pub hold: Option<String>,

    /// Only these assets, comma-separated (e.g. BTC,ETH) [env: BASIS_ASSETS]
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = checked(value::coin))]
    pub assets: Vec<String>,

    /// Minimum 24 h quote volume of both legs, in USD; 0 (the default) disables [env: BASIS_MIN_VOLUME]
    #[arg(long, value_name = "USD", allow_hyphen_values = true, value_parser = checked(value::min_volume))]
    pub min_volume: Option<String>,

    /// Rows to show, at least 1 (default: 30 in the table, all in JSON/CSV) [env: BASIS_TOP]
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = value::top)]
    pub top: Option<usize>,

    /// Coin margining the short perp (USDT, USDC, BTC, ETH, …) [default: USDT] [env: BASIS_COLLATERAL]
    #[arg(long, value_name = "COIN", value_parser = checked(value::coin))]
    pub collateral: Option<String>,

    /// Leverage of the short perp leg, 1 to 100 [default: 2] [env: BASIS_LEVERAGE]
    #[arg(long, value_name = "X", allow_hyphen_values = true, value_parser = checked(value::leverage))]
    pub leverage: Option<String>,

    /// Largest acceptable liquidation probability over the horizon, for safe leverage (0..1)
    /// [default: 0.01] [env: BASIS_MAX_LIQ_PROB]
    #[arg(long, value_name = "P", allow_hyphen_values = true, value_parser = checked(value::probability))]
    pub max_liq_prob: Option<String>,

    /// Kinds of trade to rank, comma-separated: carry, cross_carry, perp_spread [default: all]
    /// [env: BASIS_KINDS]
    #[arg(long, value_delimiter = ',', value_name = "LIST", value_parser = checked(value::kind))]
    pub kinds: Vec<String>,

    /// Treat two quotes as one across venues, e.g. USDT=USDC (repeat or comma-separate)
    /// [env: BASIS_QUOTE_EQUIVALENCE]
    #[arg(long, value_delimiter = ',', value_name = "A=B", value_parser = checked(value::quote_pair))]
    pub quote_equivalence: Vec<String>,

    /// Keep rows whose paying perp had a positive rate in at least this share of the last 30
    /// days' settlements (0..1; rows without history are dropped) [env: BASIS_MIN_POS_SHARE]
    #[arg(long, value_name = "SHARE", allow_hyphen_values = true, value_parser = checked(value::share))]
    pub min_pos_share: Option<String>,

    /// Keep rows whose funding actually paid over 7 days is at least this APR, percent (rows
    /// without history are dropped) [env: BASIS_MIN_APR_7D]
    #[arg(long, value_name = "PCT", allow_hyphen_values = true, value_parser = checked(value::number))]
    pub min_apr_7d: Option<String>,

    /// Leave out rows whose --leverage is above their safe leverage (marked `!` in the table,
    /// `leverage_ok` false in JSON/CSV).
    #[arg(long)]
    pub safe_only: bool,

    /// Send new opportunities to the chat sinks of the config ([[notify]] tables).
    #[arg(long)]
    pub notify: bool,

    /// Re-notify a still-qualifying opportunity after this long [default: 6h] [env: BASIS_COOLDOWN]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true, value_parser = checked(value::duration))]
    pub cooldown: Option<String>,

    /// Analyze what the store holds; poll nothing.
    #[arg(long, conflicts_with = "demo")]
    pub offline: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Venue selection and polling options.
    #[command(flatten, next_help_heading = POLLING)]
    pub poll: VenueArgs,
}

/// `basis poll`.
#[derive(Debug, Args)]
pub struct PollArgs {
    /// Venue selection and polling options.
    #[command(flatten, next_help_heading = POLLING)]
    pub poll: VenueArgs,
}

/// `basis venues`.
#[derive(Debug, Args)]
pub struct VenuesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Lift the ban (or remembered rate-limit back-off) on this venue, then list; the next run
    /// calls it again.
    #[arg(long, value_name = "VENUE", value_parser = value::venue)]
    pub clear_ban: Option<Venue>,

    /// Refetch this venue's reference data now (instrument lists, collateral tables) and learn
    /// every funding interval it gives only per perp (MEXC, BingX), then list.
    #[arg(long, value_name = "VENUE", value_parser = value::venue)]
    pub refresh: Option<Venue>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}

/// `basis export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    #[arg(value_enum)]
    pub table: ExportTable,

    /// File format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Parquet)]
    pub format: ExportFormat,

    /// Output file; with --partition, the directory of the venue=…/month=… tree.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,

    /// Hive layout: <out>/venue=<venue>/month=<YYYY-MM>/part-<N>.<format>.
    #[arg(long)]
    pub partition: bool,

    /// From this time (RFC 3339, 2025-01-01, 2025-01, or an age such as 30d), or `last`: only
    /// what this --out has not been given yet.
    #[arg(long, value_name = "TIME|last")]
    pub since: Option<String>,

    /// Before this time (RFC 3339, 2025-01-01, 2025-01, or an age such as 1d) [default: now]
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Venues, comma-separated (default: all enabled).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub venues: Vec<String>,

    /// Only these assets, comma-separated (e.g. BTC,ETH).
    #[arg(long, value_delimiter = ',', value_name = "LIST")]
    pub assets: Vec<String>,
}

/// Tables of `basis export` (the export's own `Table`, its columns beside it in `export::rows`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum ExportTable {
    /// Funding settlements (backfilled, or seen by polls).
    Funding,
    /// Daily closes per market.
    Closes,
    /// Hourly candles per market.
    Bars,
    /// The hourly perp time series (rate, book, mark).
    Quotes,
    /// A ranking of the stored latest snapshots, with its parameters and time.
    Opportunities,
}

/// File formats of `basis export` (the export's own `Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Apache Parquet (Snappy).
    Parquet,
    /// CSV with a header line.
    Csv,
    /// One JSON object per line.
    Ndjson,
}

/// `basis positions`.
#[derive(Debug, Args)]
pub struct PositionsArgs {
    /// `ack ACCOUNT`: reset the collateral reference prices.
    #[command(subcommand)]
    pub command: Option<PositionsCommand>,

    /// Read the accounts from this TOML file (`[[account]]` tables) instead of the config.
    #[arg(long, value_name = "FILE", global = true)]
    pub positions: Option<PathBuf>,

    /// Use the stored latest prices; poll nothing.
    #[arg(long, conflicts_with = "demo")]
    pub offline: bool,

    /// Send the account alerts to the chat sinks of the config ([[notify]] tables).
    #[arg(long)]
    pub notify: bool,

    /// Horizon of liq_prob, at least 15m, e.g. 7d [default: the config's scan.hold, else 7d]
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true, value_parser = checked(value::hold_days))]
    pub hold: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Venue selection and polling options (the accounts' venues are polled).
    #[command(flatten, next_help_heading = POLLING)]
    pub poll: VenueArgs,
}

/// `basis positions` subcommands.
#[derive(Debug, Subcommand)]
pub enum PositionsCommand {
    /// Reset an account's collateral reference prices to the latest stored prices (after you
    /// reviewed a collateral drop); the drop alert resolves.
    Ack {
        /// The account's `name`.
        account: String,
    },
}

/// A plan's size: a number above zero.
fn positive(text: &str) -> Result<rust_decimal::Decimal, String> {
    value::number(text)
        .ok()
        .filter(|d| *d > rust_decimal::Decimal::ZERO)
        .ok_or_else(|| "a number above zero, e.g. 100000 or 2.5".into())
}

/// `basis plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Which trade.
    #[command(subcommand)]
    pub command: PlanCommand,

    /// Use the stored latest prices; poll nothing.
    #[arg(long, global = true)]
    pub offline: bool,

    /// Horizon of liq_prob and funding, e.g. 30d [default: the config's scan.hold, else 7d]
    #[arg(long, global = true, value_name = "DURATION", allow_hyphen_values = true, value_parser = checked(value::hold_days))]
    pub hold: Option<String>,

    /// Output format: the table, or one JSON object (fields in docs/json.md).
    #[arg(long, global = true, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// Venue selection and polling options.
    #[command(flatten, next_help_heading = POLLING)]
    pub poll: VenueArgs,
}

/// `basis plan` trades.
#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Long spot, short perp, the short margined by a collateral coin (the seed's allocation
    /// table); without --venue, the best venue by the scan's ranking.
    Carry {
        /// The coin, e.g. BTC.
        #[arg(value_parser = value::coin)]
        asset: String,
        /// Notional of each leg, USD.
        #[arg(long, value_name = "USD", allow_hyphen_values = true, value_parser = positive)]
        notional: rust_decimal::Decimal,
        /// Venue of the perp [default: the best carry row's of the scan's ranking].
        #[arg(long, value_parser = value::venue)]
        venue: Option<Venue>,
        /// Venue the spot leg is bought on [default: the perp's when it lists the pair, else
        /// the venue with the narrowest spot book].
        #[arg(long, value_name = "VENUE", value_parser = value::venue)]
        spot_venue: Option<Venue>,
        /// Coin margining the short [default: USDT].
        #[arg(long, value_name = "COIN", value_parser = value::coin)]
        collateral: Option<String>,
        /// Amount of the collateral coin (else notional / leverage worth of it).
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = positive, conflicts_with = "leverage")]
        collateral_amount: Option<rust_decimal::Decimal>,
        /// Leverage of the short [default: 2].
        #[arg(long, value_name = "X", value_parser = value::leverage)]
        leverage: Option<rust_decimal::Decimal>,
    },
    /// Short perp against a holding (strategy 1), per venue, cheapest first.
    Hedge {
        /// The coin held, e.g. BTC.
        #[arg(value_parser = value::coin)]
        asset: String,
        /// Coins to hedge.
        #[arg(long, value_name = "COINS", allow_hyphen_values = true, value_parser = positive)]
        amount: rust_decimal::Decimal,
        /// Days to hold the hedge.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
        days: u32,
        /// Leverage of the short, margined by USDT [default: 2].
        #[arg(long, value_name = "X", value_parser = value::leverage)]
        leverage: Option<rust_decimal::Decimal>,
    },
    /// Long perp margined by another coin (strategy 2).
    Long {
        /// The coin, e.g. SOL.
        #[arg(value_parser = value::coin)]
        asset: String,
        /// Notional of the long, USD.
        #[arg(long, value_name = "USD", allow_hyphen_values = true, value_parser = positive)]
        notional: rust_decimal::Decimal,
        /// Coin margining it, e.g. ETH.
        #[arg(long, value_name = "COIN", value_parser = value::coin)]
        collateral: String,
        /// Amount of it.
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = positive)]
        collateral_amount: rust_decimal::Decimal,
        /// Venue [default: the one paying the least funding over the hold].
        #[arg(long, value_parser = value::venue)]
        venue: Option<Venue>,
    },
}
