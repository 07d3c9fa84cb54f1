//! The grid by keyboard: which cell a key moves to, and how far the grid scrolls so the
//! cell is in view (rows and columns are virtualised, so the cell may not be in the page
//! until the grid has scrolled).
//!
//! A cell is *selected* when focus arrives by keyboard (its text is selected, so typing
//! replaces it) and *being edited* after Enter, F2, a typed character or a click. Arrow
//! keys, Home/End and Page Up/Down move a selected cell; Enter starts editing, and while
//! editing Enter keeps the text and Escape restores it.

/// A move of the active cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// One row up.
    Up,
    /// One row down.
    Down,
    /// One column left.
    Left,
    /// One column right.
    Right,
    /// A page of rows up.
    PageUp,
    /// A page of rows down.
    PageDown,
    /// The row's first column.
    RowStart,
    /// The row's last column.
    RowEnd,
    /// The first row (Ctrl+Home).
    First,
    /// The last row (Ctrl+End).
    Last,
}

impl Move {
    /// The move a key makes, `control` telling whether Ctrl (or ⌘) is held.
    pub fn of_key(key: &str, control: bool) -> Option<Move> {
        Some(match (key, control) {
            ("ArrowUp", _) => Move::Up,
            ("ArrowDown", _) => Move::Down,
            ("ArrowLeft", _) => Move::Left,
            ("ArrowRight", _) => Move::Right,
            ("PageUp", _) => Move::PageUp,
            ("PageDown", _) => Move::PageDown,
            ("Home", false) => Move::RowStart,
            ("End", false) => Move::RowEnd,
            ("Home", true) => Move::First,
            ("End", true) => Move::Last,
            _ => return None,
        })
    }

    /// Where the move leads from `(row, column)` (a row's place among the rows shown) in a
    /// grid of `rows` × `columns`, `page` rows to a page; it stays inside the grid.
    pub fn from(self, (row, column): (usize, usize), rows: usize, columns: usize, page: usize) -> (usize, usize) {
        let (last_row, last_column) = (rows.saturating_sub(1), columns.saturating_sub(1));
        let (row, column) = (row.min(last_row), column.min(last_column));
        match self {
            Move::Up => (row.saturating_sub(1), column),
            Move::Down => ((row + 1).min(last_row), column),
            Move::Left => (row, column.saturating_sub(1)),
            Move::Right => (row, (column + 1).min(last_column)),
            Move::PageUp => (row.saturating_sub(page.max(1)), column),
            Move::PageDown => ((row + page.max(1)).min(last_row), column),
            Move::RowStart => (row, 0),
            Move::RowEnd => (row, last_column),
            Move::First => (0, column),
            Move::Last => (last_row, column),
        }
    }
}

/// How far the rows have to be scrolled (in unscaled pixels from the first row) so row
/// `row` is fully in a view `view` pixels tall under a header row `row_height` tall, when
/// they are scrolled `now` pixels: `now` when it already is.
pub fn rows_scrolled_for(row: usize, now: usize, view: usize, row_height: usize) -> usize {
    let top = row * row_height;
    if top < now {
        top
    } else if top + 2 * row_height > now + view {
        (top + 2 * row_height).saturating_sub(view)
    } else {
        now
    }
}

/// How far the columns have to be scrolled so column `column` (each `width` wide, after a
/// sticky row-number column `number_width` wide) is fully in a view `view` pixels wide,
/// when they are scrolled `now` pixels: `now` when it already is.
pub fn columns_scrolled_for(column: usize, now: usize, view: usize, width: usize, number_width: usize) -> usize {
    let left = column * width;
    if left < now {
        left
    } else if number_width + left + width > now + view {
        (number_width + left + width).saturating_sub(view)
    } else {
        now
    }
}

/// The `data-cell` value of a cell: its sheet index and column.
pub fn cell_key(index: usize, column: usize) -> String {
    format!("{index}:{column}")
}

/// The sheet index and column a `data-cell` value names.
pub fn parse_cell_key(key: &str) -> Option<(usize, usize)> {
    let (index, column) = key.split_once(':')?;
    Some((index.parse().ok()?, column.parse().ok()?))
}

/// Whether a key typed into a selected cell starts editing it (a character, or a key that
/// deletes).
pub fn starts_editing(key: &str, modified: bool) -> bool {
    !modified && (key.chars().count() == 1 || matches!(key, "Backspace" | "Delete"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn moves_stay_inside_the_grid() {
        assert_eq!(Move::of_key("ArrowDown", false).unwrap().from((0, 0), 3, 2, 10), (1, 0));
        assert_eq!(Move::Down.from((2, 1), 3, 2, 10), (2, 1), "the last row stays");
        assert_eq!(Move::Up.from((0, 1), 3, 2, 10), (0, 1));
        assert_eq!(Move::Right.from((1, 1), 3, 2, 10), (1, 1), "the last column stays");
        assert_eq!(Move::Left.from((1, 1), 3, 2, 10), (1, 0));
        assert_eq!(Move::PageDown.from((1, 0), 100, 2, 10), (11, 0));
        assert_eq!(Move::PageUp.from((5, 0), 100, 2, 10), (0, 0));
        assert_eq!(Move::of_key("End", false).unwrap().from((4, 0), 100, 7, 10), (4, 6));
        assert_eq!(Move::of_key("End", true).unwrap().from((4, 3), 100, 7, 10), (99, 3));
        assert_eq!(Move::of_key("Home", true).unwrap().from((4, 3), 100, 7, 10), (0, 3));
        assert_eq!(Move::of_key("a", false), None);
        assert_eq!(Move::Down.from((0, 0), 0, 0, 10), (0, 0), "an empty grid");
    }

    #[wasm_bindgen_test]
    fn scrolling_brings_the_cell_fully_into_view() {
        // Rows of 34 px, 300 px of rows in view below a 34 px header.
        assert_eq!(rows_scrolled_for(3, 0, 334, 34), 0, "in view already");
        assert_eq!(rows_scrolled_for(2, 200, 334, 34), 68, "above: to the top");
        // Row 20 spans 680..714 and must end above 334 px below the header's 34.
        assert_eq!(rows_scrolled_for(20, 0, 334, 34), 748 - 334);
        assert_eq!(columns_scrolled_for(0, 400, 1000, 200, 72), 0);
        assert_eq!(columns_scrolled_for(2, 0, 1000, 200, 72), 0);
        assert_eq!(columns_scrolled_for(5, 0, 1000, 200, 72), 72 + 1200 - 1000);
    }

    #[wasm_bindgen_test]
    fn cell_keys_round_trip_and_typing_starts_an_edit() {
        assert_eq!(parse_cell_key(&cell_key(12, 3)), Some((12, 3)));
        assert_eq!(parse_cell_key("x:1"), None);
        assert!(starts_editing("a", false) && starts_editing("Backspace", false));
        assert!(!starts_editing("a", true) && !starts_editing("Tab", false) && !starts_editing("Shift", false));
    }
}
