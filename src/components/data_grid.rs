//! A virtualised grid of the whole sheet: only the rows and columns in view are in the
//! page, so a million rows or five thousand columns scroll as smoothly as ten. Cells with
//! issues are highlighted (the message is the cell's title) and every cell can be edited
//! in place, except a long one: it is shown cut, with a button that shows it whole
//! ([`LongCell`]). The keyboard moves between cells, edits and cancels ([`grid_keys`]).

use std::collections::HashMap;

use ferry_core::text::BuildFxHasher;

use ferry_core::issue::{Issue, Severity};
use ferry_core::sheet::Sheet;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::components::grid_keys::{self, cell_key, parse_cell_key, Move};
use crate::components::long_cell::{LongCell, LONG_CELL};
use crate::state::AppState;

/// The column key of a problem with a whole row (its row number is marked).
const WHOLE_ROW: usize = usize::MAX;
/// Height of one row, in CSS pixels (fixed, so positions are computed, not measured).
pub const ROW_HEIGHT: usize = 34;
/// Height of the scrolling area, in CSS pixels.
const VIEW_HEIGHT: usize = 420;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 6;
/// Width of one column, in CSS pixels (fixed, as the height is).
pub const COLUMN_WIDTH: usize = 200;
/// Width of the row-number column, in CSS pixels.
const NUMBER_WIDTH: usize = 72;
/// Columns rendered left and right of the visible ones.
const COLUMN_OVERSCAN: usize = 2;
/// Width assumed for the scrolling area until it is measured, in CSS pixels.
const ASSUMED_WIDTH: usize = 1400;
/// Longest issue message put in a title, in characters (a message may quote a long cell).
const TITLE_CHARS: usize = 300;

/// The columns to render of `columns`, for a view `width` pixels wide scrolled
/// `scroll_left` pixels to the right.
pub fn column_window(columns: usize, scroll_left: usize, width: usize) -> std::ops::Range<usize> {
    let first = (scroll_left / COLUMN_WIDTH).saturating_sub(COLUMN_OVERSCAN).min(columns);
    let count = width / COLUMN_WIDTH + 1 + 2 * COLUMN_OVERSCAN;
    first..(first + count).min(columns)
}

/// Tallest scrolling area made, in CSS pixels: browsers stop laying out far beyond this
/// (Firefox near 17.9 million, Chromium near 33.5 million pixels), and a million rows of
/// 34 px would need 34 million. Beyond it, scrolling is scaled.
const MAX_SPACER: usize = 8_000_000;

/// The scrolling area's height for `rows` rows, and where (in unscaled pixels) the view
/// starts when scrolled to `scroll_top`.
fn scaled(rows: usize, scroll_top: usize) -> (usize, usize) {
    let total = (rows + 1) * ROW_HEIGHT;
    let spacer = total.min(MAX_SPACER);
    if spacer == total || spacer <= VIEW_HEIGHT {
        return (spacer, scroll_top);
    }
    let (room, true_room) = (spacer - VIEW_HEIGHT, total - VIEW_HEIGHT);
    (spacer, (scroll_top.min(room) as f64 * true_room as f64 / room as f64) as usize)
}

/// The scroll position that shows rows from `view_px` (unscaled pixels) on, the inverse
/// of [`scaled`]: rounded up or down, so the row wanted is just in view.
fn scroll_top_for(rows: usize, view_px: usize, round_up: bool) -> usize {
    let total = (rows + 1) * ROW_HEIGHT;
    let spacer = total.min(MAX_SPACER);
    if spacer == total || spacer <= VIEW_HEIGHT {
        return view_px;
    }
    let (room, true_room) = ((spacer - VIEW_HEIGHT) as f64, (total - VIEW_HEIGHT) as f64);
    let at = view_px as f64 * room / true_room;
    (if round_up { at.ceil() } else { at.floor() }) as usize
}

/// Focuses the cell `key` names in `grid` without scrolling (the grid was scrolled to it
/// already): at once when it is in the page, and again once the grid has rendered what
/// the scroll asked (rows are reused as the grid scrolls, so the element holding a cell
/// may change), for a few frames until it is there.
fn focus_cell(grid: web_sys::HtmlElement, key: String, frames_left: u8) {
    let find = |grid: &web_sys::HtmlElement, key: &str| {
        grid.query_selector(&format!("[data-cell=\"{key}\"]")).ok().flatten().and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    };
    let focus = |cell: &web_sys::HtmlElement| {
        let options = web_sys::FocusOptions::new();
        options.set_prevent_scroll(true);
        let _ = cell.focus_with_options(&options);
    };
    if let Some(cell) = find(&grid, &key) {
        focus(&cell);
    }
    crate::focus::next_frame(move || {
        let active = web_sys::window().and_then(|w| w.document()).and_then(|d| d.active_element()).and_then(|e| e.get_attribute("data-cell"));
        if active.as_deref() == Some(key.as_str()) {
            return;
        }
        match find(&grid, &key) {
            Some(cell) => focus(&cell),
            None if frames_left > 0 => focus_cell(grid, key, frames_left - 1),
            None => {}
        }
    });
}

/// Marks `el` as being edited (or not): while edited, arrow keys move its caret.
fn set_editing(el: &web_sys::Element, editing: bool) {
    let _ = if editing { el.set_attribute("data-editing", "") } else { el.remove_attribute("data-editing") };
}

/// The grid, over the shared sheet, with the issues of the current target.
#[component]
pub fn DataGrid() -> impl IntoView {
    let state = expect_context::<AppState>();
    let only_issues = RwSignal::new(false);
    let scroll_top = RwSignal::new(0usize);
    let scroll_left = RwSignal::new(0usize);
    let grid_ref = NodeRef::<leptos::html::Div>::new();
    let view_width = RwSignal::new(ASSUMED_WIDTH);
    // The long cell shown whole: (sheet index, column).
    let long_cell = RwSignal::new(None::<(usize, usize)>);
    // (row number, column) → the first of its issues (an index into the findings), for
    // highlighting; the words are read only for the cells in view.
    let marks = Memo::new(move |_| {
        state.findings.with(|f| {
            // Fx, not SipHash, and sized once: a million-row sheet has tens of thousands
            // of issues, and this is built as review opens.
            let mut map: HashMap<(usize, usize), usize, BuildFxHasher> =
                HashMap::with_capacity_and_hasher(f.as_ref().map_or(0, |f| f.issues.len()), BuildFxHasher::default());
            for (at, Issue { row, column, .. }) in f.iter().flat_map(|f| f.issues.iter()).enumerate() {
                // A problem with the row as a whole marks its row number.
                map.entry((*row, column.unwrap_or(WHOLE_ROW))).or_insert(at);
            }
            map
        })
    });
    let mark_of = move |number: usize, column: usize| -> Option<(Severity, String)> {
        let at = marks.with_untracked(|m| m.get(&(number, column)).copied())?;
        state.findings.with_untracked(|f| f.as_ref()?.issues.get(at).map(|i| (i.severity, ferry_core::text::excerpt(&i.message, TITLE_CHARS))))
    };
    // The rows the grid shows: a million-row sheet's are never listed one by one unless
    // only the rows with problems are asked for.
    let shown = Memo::new(move |_| {
        let all = state.sheet.with(|s| s.as_ref().map_or(0, Sheet::len));
        if !only_issues.get() {
            return GridRows::All(all);
        }
        state.findings.with(|f| {
            state.sheet.with(|s| {
                let (Some(f), Some(s)) = (f, s) else { return GridRows::Only(Vec::new()) };
                GridRows::only(f.issues.iter().filter_map(|i| s.index_of(i.row)).collect())
            })
        })
    });
    // (where the table sits in the scrolling area, the rows it shows)
    let window = move || {
        let top = scroll_top.get();
        shown.with(|rows| {
            let (_, view_px) = scaled(rows.len(), top);
            let first = (view_px / ROW_HEIGHT).saturating_sub(OVERSCAN);
            let count = VIEW_HEIGHT / ROW_HEIGHT + 2 * OVERSCAN;
            let at = (top + first * ROW_HEIGHT).saturating_sub(view_px);
            (at, rows.window(first, count))
        })
    };
    let width = move || state.sheet.with(|s| s.as_ref().map_or(0, |s| s.headers.len()));
    let width_untracked = move || state.sheet.with_untracked(|s| s.as_ref().map_or(0, |s| s.headers.len()));
    let columns = Memo::new(move |_| column_window(width(), scroll_left.get(), view_width.get()));
    let headers = move || {
        let shown = columns.get();
        state.sheet.with(|s| s.as_ref().map(|s| s.headers[shown].to_vec()).unwrap_or_default())
    };
    let edit = move |index: usize, column: usize, value: String| state.edit_cell(index, column, value.trim());
    // Whether the focus that is coming was given by the mouse (then the cell is edited).
    let by_pointer = StoredValue::new(false);
    let on_focus = move |ev: web_sys::FocusEvent| {
        let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        if el.get_attribute("data-cell").is_none() {
            return;
        }
        let pointer = by_pointer.get_value();
        by_pointer.set_value(false);
        set_editing(&el, pointer);
        if !pointer {
            el.select();
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let Some(target) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
        let Some(grid) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else { return };
        let key = ev.key();
        let control = ev.ctrl_key() || ev.meta_key();
        let Some((index, column)) = target.get_attribute("data-cell").as_deref().and_then(parse_cell_key) else {
            // On the grid itself: an arrow or Enter goes into its first cell in view.
            if target == grid && (key == "Enter" || Move::of_key(&key, control).is_some()) {
                if let Some(first) = grid.query_selector("[data-cell]").ok().flatten().and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
                    ev.prevent_default();
                    let _ = first.focus();
                }
            }
            return;
        };
        let input = target.clone().dyn_into::<web_sys::HtmlInputElement>().ok();
        let editing = target.has_attribute("data-editing");
        if let Some(input) = input.as_ref() {
            match key.as_str() {
                "Enter" if editing => {
                    ev.prevent_default();
                    edit(index, column, input.value());
                    set_editing(input, false);
                    input.select();
                    return;
                }
                "Escape" if editing => {
                    ev.prevent_default();
                    let was = state.sheet.with_untracked(|s| s.as_ref().filter(|s| index < s.len()).map(|s| s.cell(index, column).to_string()));
                    input.set_value(&was.unwrap_or_default());
                    set_editing(input, false);
                    input.select();
                    return;
                }
                "Enter" | "F2" if !editing => {
                    ev.prevent_default();
                    set_editing(input, true);
                    let end = input.value().encode_utf16().count() as u32;
                    let _ = input.set_selection_range(end, end);
                    return;
                }
                _ if editing => return,
                _ if grid_keys::starts_editing(&key, control || ev.alt_key()) => {
                    set_editing(input, true);
                    return;
                }
                _ => {}
            }
        }
        let Some(step) = Move::of_key(&key, control) else { return };
        ev.prevent_default();
        let Some(place) = shown.with_untracked(|rows| rows.place_of(index)) else { return };
        let rows = shown.with_untracked(GridRows::len);
        let page = (grid.client_height().max(0) as usize / ROW_HEIGHT).saturating_sub(2).max(1);
        let (to_place, to_column) = step.from((place, column), rows, width_untracked(), page);
        // Scroll so the cell is fully in view; the rows and columns in view follow.
        let top = grid.scroll_top().max(0) as usize;
        let (_, view_px) = scaled(rows, top);
        let wanted = grid_keys::rows_scrolled_for(to_place, view_px, grid.client_height().max(0) as usize, ROW_HEIGHT);
        if wanted != view_px {
            let new_top = scroll_top_for(rows, wanted, wanted > view_px);
            grid.set_scroll_top(new_top as i32);
            scroll_top.set(new_top);
        }
        let left = grid.scroll_left().max(0) as usize;
        let new_left = grid_keys::columns_scrolled_for(to_column, left, grid.client_width().max(0) as usize, COLUMN_WIDTH, NUMBER_WIDTH);
        if new_left != left {
            grid.set_scroll_left(new_left as i32);
            scroll_left.set(new_left);
        }
        set_editing(&target, false);
        let Some(to_index) = shown.with_untracked(|rows| rows.get(to_place)) else { return };
        focus_cell(grid, cell_key(to_index, to_column), 4);
    };
    // The rows in view and what each shows. Rows are keyed by all of it, so a row is
    // drawn again only when something it shows changed (an edit, a mark, a scroll that
    // brings it in): an edit's recheck touches its own rows, not every input in view
    // (setting an input's value, even to the same text, has the browser lay it out again).
    let refocus = StoredValue::new(None::<FocusedCell>);
    let rows_in_view = Memo::new(move |_| {
        marks.track();
        let (_, rows) = window();
        let shown = columns.get();
        // The cell with focus, if one has it: drawn again, it gets the focus back (and
        // what was being typed into it).
        refocus.set_value(focused_cell(grid_ref));
        state.sheet.with(|s| {
            let Some(s) = s.as_ref() else { return Vec::new() };
            rows.into_iter()
                .filter(|&index| index < s.len())
                .map(|index| {
                    let number = s.number(index);
                    let cells =
                        shown.clone().map(|column| GridCell { column, mark: mark_of(number, column), shown: cell_shown(s.cell(index, column)) }).collect();
                    GridRow { index, number, mark: mark_of(number, WHOLE_ROW), cells }
                })
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        rows_in_view.track();
        let Some(focused) = refocus.get_value() else { return };
        // After the rows are in the page: only when the focus was lost with its row.
        crate::focus::next_frame(move || {
            let document = web_sys::window().and_then(|w| w.document());
            let lost = document.as_ref().is_none_or(|d| d.active_element().is_none() || d.active_element() == d.body().map(Into::into));
            if let (true, Some(grid)) = (lost, grid_ref.get_untracked()) {
                restore_focus(grid.into(), focused);
            }
        });
    });
    view! {
        <div class="grid-tools">
            <label class="check">
                <input type="checkbox" id="grid-only-issues" prop:checked=only_issues on:change=move |ev| {
                    only_issues.set(event_target_checked(&ev));
                    // The list starts again from its top: the scrolling area itself too, or
                    // the browser keeps (clamps) the old position and shows the list's end.
                    if let Some(grid) = grid_ref.get_untracked() {
                        grid.set_scroll_top(0);
                    }
                    scroll_top.set(0);
                }/>
                "Only rows with problems"
            </label>
            <span class="hint" id="grid-count">{move || ferry_core::text::count(shown.with(GridRows::len), "row", "rows")}</span>
            <span class="hint" id="grid-keys">"Arrow keys move between cells; Enter edits a cell and Enter again keeps it, Escape cancels."</span>
        </div>
        <div
            class="data-grid"
            id="data-grid"
            node_ref=grid_ref
            role="region"
            aria-label="All rows of the file"
            aria-describedby="grid-keys"
            tabindex="0"
            on:keydown=on_key
            on:focusin=on_focus
            on:mousedown=move |_| by_pointer.set_value(true)
            style=move || format!("height: {}px; overflow: auto", VIEW_HEIGHT.min((shown.with(GridRows::len) + 1) * ROW_HEIGHT + 24))
            on:scroll=move |ev| {
                let el: web_sys::Element = event_target(&ev);
                scroll_top.set(el.scroll_top().max(0) as usize);
                let left = el.scroll_left().max(0) as usize;
                if left != scroll_left.get_untracked() {
                    scroll_left.set(left);
                }
                let measured = el.client_width().max(0) as usize;
                if measured > 0 && measured != view_width.get_untracked() {
                    view_width.set(measured);
                }
            }
        >
            // `overflow: clip`: near the end of a scaled area the table may reach past it; clip
            // it without making a scroll container (the header row stays sticky).
            <div style=move || format!("height: {}px; width: {}px; position: relative; overflow: clip", scaled(shown.with(GridRows::len), 0).0, NUMBER_WIDTH + width() * COLUMN_WIDTH)>
                // Placed with `top` and `left`, not a transform, so the sticky header row
                // and row numbers follow it.
                <table style=move || {
                    let shown = columns.get();
                    format!("position: absolute; top: {}px; left: {}px; width: {}px", window().0, shown.start * COLUMN_WIDTH, NUMBER_WIDTH + shown.len() * COLUMN_WIDTH)
                }>
                    <thead><tr>
                        <th scope="col" class="num" style=format!("width: {NUMBER_WIDTH}px")>"Row"</th>
                        {move || headers().into_iter().map(|h| view! { <th scope="col" style=format!("width: {COLUMN_WIDTH}px")>{h}</th> }).collect::<Vec<_>>()}
                    </tr></thead>
                    <tbody>
                        <For each=move || rows_in_view.get() key=GridRow::clone let:row>
                            {grid_row(row, edit, long_cell)}
                        </For>
                    </tbody>
                </table>
            </div>
        </div>
        <LongCell shown=long_cell/>
    }
}

/// The grid's cell with focus, and what is being typed into it when it is being edited.
#[derive(Debug, Clone)]
struct FocusedCell {
    key: String,
    typed: Option<String>,
}

/// The cell of `grid` with focus, when one has it.
fn focused_cell(grid: NodeRef<leptos::html::Div>) -> Option<FocusedCell> {
    let active = web_sys::window()?.document()?.active_element()?;
    let grid = grid.get_untracked()?;
    if !grid.contains(Some(&active)) {
        return None;
    }
    let key = active.get_attribute("data-cell")?;
    let typed = active.has_attribute("data-editing").then(|| active.dyn_ref::<web_sys::HtmlInputElement>().map(|i| i.value())).flatten();
    Some(FocusedCell { key, typed })
}

/// Gives the focus back to the cell drawn again in place of the one that had it, with
/// what was being typed into it (an edit's recheck may redraw the row meanwhile).
fn restore_focus(grid: web_sys::HtmlElement, focused: FocusedCell) {
    let FocusedCell { key, typed } = focused;
    let input = grid.query_selector(&format!("input[data-cell=\"{key}\"]")).ok().flatten().and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok());
    match (input, typed) {
        (Some(input), Some(typed)) => {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = input.focus_with_options(&options);
            input.set_value(&typed);
            set_editing(&input, true);
            let end = typed.encode_utf16().count() as u32;
            let _ = input.set_selection_range(end, end);
        }
        _ => focus_cell(grid, key, 4),
    }
}

/// One row of the grid as shown: its place in the sheet, its number, its mark (a problem
/// with the row as a whole) and its cells in view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GridRow {
    index: usize,
    number: usize,
    mark: Option<(Severity, String)>,
    cells: Vec<GridCell>,
}

/// One cell of a [`GridRow`]: its column, its mark and its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GridCell {
    column: usize,
    mark: Option<(Severity, String)>,
    shown: Shown,
}

/// The class of a cell or row number with this mark (`base` without one).
fn mark_class(base: &'static str, mark: &Option<(Severity, String)>) -> String {
    match mark {
        Some((Severity::Error, _)) => format!("{base} error"),
        Some((Severity::Warning, _)) => format!("{base} warn"),
        None => base.to_string(),
    }
}

/// A row of the grid: its number, then an input per cell (a button for a long one).
fn grid_row(row: GridRow, edit: impl Fn(usize, usize, String) + Copy + Send + Sync + 'static, long_cell: RwSignal<Option<(usize, usize)>>) -> impl IntoView {
    let GridRow { index, number, mark, cells } = row;
    let tds = cells
        .into_iter()
        .map(|GridCell { column, mark, shown }| {
            let class = mark_class("cell", &mark);
            let title = mark.map(|(_, m)| m).unwrap_or_default();
            let label = format!("Row {number}, column {}", ferry_core::text::column_letter(column));
            match shown {
                Shown::Apart { excerpt, chars, lines } => {
                    let how = if lines > 1 { format!("on {lines} lines") } else { "shown cut".to_string() };
                    let name = format!("{excerpt} ({label}: {}, {how}; show it whole)", ferry_core::text::count(chars, "character", "characters"));
                    view! {
                        <td class=format!("{class} long") title=title>
                            <button type="button" class="long-cell" data-cell=cell_key(index, column) aria-label=name on:click=move |_| long_cell.set(Some((index, column)))>
                                {excerpt}
                            </button>
                        </td>
                    }
                    .into_any()
                }
                Shown::Whole(value) => view! {
                    <td class=class title=title.clone()>
                        <input
                            type="text"
                            data-cell=cell_key(index, column)
                            aria-label=label
                            aria-invalid=(!title.is_empty()).to_string()
                            prop:value=value
                            on:change=move |ev| edit(index, column, event_target_value(&ev))
                        />
                    </td>
                }
                .into_any(),
            }
        })
        .collect::<Vec<_>>();
    let row_class = mark_class("num", &mark);
    let row_title = mark.map(|(_, m)| m).unwrap_or_default();
    view! { <tr data-row=number style=format!("height: {ROW_HEIGHT}px")><td class=row_class title=row_title>{number}</td>{tds}</tr> }
}

/// What a grid cell shows of its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Shown {
    /// All of it, editable.
    Whole(String),
    /// Shown apart, whole in a dialog: a long text, or a text on several lines (a
    /// one-line input would show its lines run together, and an edit there would save
    /// them so). Its start on one line, its characters and its lines.
    Apart { excerpt: String, chars: usize, lines: usize },
}

/// The sheet's rows the grid shows, by index into the sheet.
#[derive(Debug, Clone, PartialEq)]
enum GridRows {
    /// Every row: `0..n`.
    All(usize),
    /// Only these, in order (the rows with problems).
    Only(Vec<usize>),
}

impl GridRows {
    /// `rows` sorted, each once.
    fn only(mut rows: Vec<usize>) -> GridRows {
        rows.sort_unstable();
        rows.dedup();
        GridRows::Only(rows)
    }

    /// How many rows are shown.
    fn len(&self) -> usize {
        match self {
            GridRows::All(n) => *n,
            GridRows::Only(rows) => rows.len(),
        }
    }

    /// The sheet index of the row at `place` among those shown.
    fn get(&self, place: usize) -> Option<usize> {
        match self {
            GridRows::All(n) => (place < *n).then_some(place),
            GridRows::Only(rows) => rows.get(place).copied(),
        }
    }

    /// Where the row with sheet index `index` is among those shown, if it is.
    fn place_of(&self, index: usize) -> Option<usize> {
        match self {
            GridRows::All(n) => (index < *n).then_some(index),
            GridRows::Only(rows) => rows.binary_search(&index).ok(),
        }
    }

    /// The sheet indices of `count` rows shown from `first` on.
    fn window(&self, first: usize, count: usize) -> Vec<usize> {
        match self {
            GridRows::All(n) => (first.min(*n)..first.saturating_add(count).min(*n)).collect(),
            GridRows::Only(rows) => rows.iter().skip(first).take(count).copied().collect(),
        }
    }
}

/// A cell's text as the grid shows it: whole and editable when it is one line of up to
/// [`LONG_CELL`] bytes, else apart (its line breaks shown as ↵).
fn cell_shown(text: &str) -> Shown {
    let lines = if text.len() <= LONG_CELL { ferry_core::text::line_count(text) } else { 1 };
    if text.len() <= LONG_CELL && lines == 1 {
        return Shown::Whole(text.to_string());
    }
    let start = ferry_core::text::excerpt(text, 40).replace("\r\n", " ↵ ").replace(['\n', '\r'], " ↵ ");
    Shown::Apart { excerpt: start, chars: text.chars().count(), lines }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_cell_on_several_lines_is_shown_apart_not_in_an_input() {
        assert_eq!(cell_shown("Bērziņa"), Shown::Whole("Bērziņa".into()));
        assert_eq!(cell_shown("Bērziņa\nline two"), Shown::Apart { excerpt: "Bērziņa ↵ line two".into(), chars: 16, lines: 2 });
        assert_eq!(cell_shown("a\r\nb\rc"), Shown::Apart { excerpt: "a ↵ b ↵ c".into(), chars: 6, lines: 3 });
        let long = "x".repeat(LONG_CELL + 1);
        assert_eq!(cell_shown(&long), Shown::Apart { excerpt: format!("{}…", "x".repeat(40)), chars: LONG_CELL + 1, lines: 1 });
    }

    #[wasm_bindgen_test]
    fn every_row_is_shown_without_a_list_and_some_rows_by_theirs() {
        let all = GridRows::All(1_000_000);
        assert_eq!((all.len(), all.get(999_999), all.get(1_000_000)), (1_000_000, Some(999_999), None));
        assert_eq!((all.place_of(5), all.place_of(1_000_000)), (Some(5), None));
        assert_eq!(all.window(999_998, 5), [999_998, 999_999]);
        assert_eq!(all.window(2_000_000, 5), Vec::<usize>::new());
        let some = GridRows::only(vec![40, 7, 40, 3]);
        assert_eq!(some, GridRows::Only(vec![3, 7, 40]), "sorted, each once");
        assert_eq!((some.len(), some.get(1), some.get(3)), (3, Some(7), None));
        assert_eq!((some.place_of(40), some.place_of(8)), (Some(2), None));
        assert_eq!(some.window(1, 10), [7, 40]);
    }
}
