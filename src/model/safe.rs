//! Names from venues made safe to show: control and bidi characters escaped, length capped, CSV formula cells neutralised.
//!
//! Venues choose their asset names, symbols and error texts; basis prints them. A name carrying
//! an escape sequence could clear the screen, a CR or LF could split a table row, a
//! right-to-left override could reverse the rest of a line, and a name of thousands of
//! characters would widen every line of a table. [`display`] renders such characters visibly
//! (`\u{1b}`, `\n`, `\u{202e}`) and caps the length with `…`: every table, status line, chart
//! label and chat message shows names through it. [`csv_text`] does the escaping for CSV text
//! cells (no cap: CSV is data) and neutralises a cell a spreadsheet would evaluate as a formula.
//! JSON carries names exactly as the venue sent them.

use std::borrow::Cow;

/// Longest asset or quote shown in a table (longer ones end with `…`): real ones have at most
/// 15 characters (`1000000BABYDOGE`).
pub const ASSET_CAP: usize = 16;

/// Longest symbol shown in a table or chart: real ones have at most 18 (`BTC_USDC-PERPETUAL`).
pub const SYMBOL_CAP: usize = 24;

/// Longest venue status message shown (basis's own longest, the body-cap advice, is about 280).
pub const MESSAGE_CAP: usize = 400;

/// Characters a terminal or chat client would act on or hide rather than show: C0 and C1
/// controls and DEL, bidirectional embeddings, overrides, isolates and marks, zero-width and
/// invisible formatting characters, line and paragraph separators, and tag characters.
#[must_use]
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// How many characters `c` takes once shown.
fn shown_len(c: char) -> usize {
    if is_unsafe(c) {
        c.escape_default().count()
    } else {
        1
    }
}

fn push_shown(out: &mut String, c: char) {
    if is_unsafe(c) {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

/// `s` as it may be shown on a terminal or in a chat message: every [`is_unsafe`] character
/// escaped (`\n`, `\r`, `\t`, `\u{1b}`, `\u{202e}`), then cut to at most `cap` characters, the
/// last one `…` when cut (an escape is never cut in half). Borrowed when nothing changes.
#[must_use]
pub fn display(s: &str, cap: usize) -> Cow<'_, str> {
    let total: usize = s.chars().map(shown_len).sum();
    if total <= cap && !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(total.min(cap.saturating_mul(4)));
    let budget = if total > cap {
        cap.saturating_sub(1)
    } else {
        cap
    };
    let mut used = 0;
    for c in s.chars() {
        let len = shown_len(c);
        if used + len > budget {
            break;
        }
        push_shown(&mut out, c);
        used += len;
    }
    if total > cap && cap > 0 {
        out.push('…');
    }
    Cow::Owned(out)
}

/// Characters that make a spreadsheet read a cell as a formula (or strip them first and then
/// do): `=`, `+`, `-`, `@`, and a leading tab or carriage return.
const FORMULA_LEADS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV text cell (asset, quote, symbol, message) as written: [`is_unsafe`] characters escaped
/// like [`display`] (no cap), and a cell starting with `=`, `+`, `-`, `@`, tab or CR prefixed
/// with `'`, so that Excel, LibreOffice and Google Sheets show it as text rather than evaluate
/// it (the OWASP rule). Numeric cells are not passed here: `-0.0003` stays a number.
#[must_use]
pub fn csv_text(s: &str) -> Cow<'_, str> {
    let shown = display(s, usize::MAX);
    if s.starts_with(FORMULA_LEADS) || shown.starts_with(FORMULA_LEADS) {
        Cow::Owned(format!("'{shown}"))
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_names_pass_unchanged_and_borrowed() {
        for s in [
            "BTC",
            "1000PEPEUSDT",
            "BTC-USDT-SWAP",
            "PF_XBTUSD",
            "ÉTÉ",
            "币安币",
        ] {
            assert!(matches!(display(s, SYMBOL_CAP), Cow::Borrowed(x) if x == s));
            assert!(matches!(csv_text(s), Cow::Borrowed(x) if x == s));
        }
    }

    #[test]
    fn controls_and_bidi_are_escaped_visibly() {
        let cases = [
            ("A\u{1b}[2JB", "A\\u{1b}[2JB"),
            ("A\r\nB", "A\\r\\nB"),
            ("A\tB", "A\\tB"),
            ("A\u{202e}B", "A\\u{202e}B"),
            ("A\u{2066}B\u{2069}", "A\\u{2066}B\\u{2069}"),
            ("A\u{200b}B", "A\\u{200b}B"),
            ("A\u{85}B", "A\\u{85}B"),
            ("A\u{7f}B", "A\\u{7f}B"),
            ("A\u{2028}B", "A\\u{2028}B"),
            ("A\u{E0041}B", "A\\u{e0041}B"),
        ];
        for (raw, shown) in cases {
            assert_eq!(display(raw, 100), shown, "{raw:?}");
        }
    }

    #[test]
    fn long_names_are_capped_with_an_ellipsis_and_escapes_are_never_cut() {
        let long = "X".repeat(5_000);
        let shown = display(&long, ASSET_CAP);
        assert_eq!(shown.chars().count(), ASSET_CAP);
        assert!(shown.ends_with('…') && shown.starts_with("XXXXXXXXXXXXXXX"));
        assert_eq!(display("ABCDEFGH", 8), "ABCDEFGH");
        assert_eq!(display("ABCDEFGHI", 8), "ABCDEFG…");
        // `\u{1b}` is 6 characters: it does not fit after "ABC" in a budget of 7.
        assert_eq!(display("ABC\u{1b}DEFGH", 8), "ABC…");
        assert_eq!(display("AB\u{1b}", 8), "AB\\u{1b}");
        assert_eq!(display("anything", 0), "");
    }

    #[test]
    fn csv_formula_cells_are_neutralised_and_others_kept() {
        for (raw, cell) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tX", "'\\tX"),
            ("\rX", "'\\rX"),
            ("A=B", "A=B"),
            ("A\u{1b}B", "A\\u{1b}B"),
        ] {
            assert_eq!(csv_text(raw), cell, "{raw:?}");
        }
        assert_eq!(
            csv_text(&"Y".repeat(5_000)).len(),
            5_000,
            "CSV is not capped"
        );
    }

    proptest! {
        #[test]
        fn shown_text_has_no_unsafe_character_and_respects_the_cap(
            s in "\\PC*|[\\x00-\\x1f\\x7f\u{80}-\u{9f}\u{202a}-\u{202e}\u{2066}-\u{2069}a-z=+@-]{0,60}",
            cap in 0usize..40,
        ) {
            let shown = display(&s, cap);
            prop_assert!(!shown.chars().any(is_unsafe));
            prop_assert!(shown.chars().count() <= cap);
            let cell = csv_text(&s);
            prop_assert!(!cell.chars().any(is_unsafe));
            prop_assert!(!cell.starts_with(['=', '+', '-', '@']));
        }
    }
}
