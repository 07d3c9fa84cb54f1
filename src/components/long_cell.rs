//! A long cell shown whole: the grid shows a cell longer than [`LONG_CELL`] bytes cut
//! (putting megabytes in an input would stop the page); this dialog shows its text in
//! parts of [`PART_CHARS`] characters, one part at a time, with the way between them.

use leptos::prelude::*;

use crate::state::AppState;

/// Longest cell, in bytes, the grid shows whole and editable.
pub const LONG_CELL: usize = 2_000;
/// Characters shown at once.
pub const PART_CHARS: usize = 10_000;

/// Part `part` of `text` (each [`PART_CHARS`] characters), and how many parts it has.
pub fn part_of(text: &str, part: usize) -> (&str, usize) {
    let chars = text.chars().count();
    let parts = chars.div_ceil(PART_CHARS).max(1);
    let part = part.min(parts - 1);
    let mut starts = text.char_indices().map(|(i, _)| i).chain([text.len()]).skip(part * PART_CHARS).step_by(PART_CHARS);
    let start = starts.next().unwrap_or(text.len());
    let end = starts.next().unwrap_or(text.len());
    (&text[start..end], parts)
}

/// What the dialog says of a cell of `text`: its size, its lines when it has several
/// (a short cell is here for them), and its parts when it has more than one.
fn size_note(text: &str) -> String {
    let chars = text.chars().count();
    let size = ferry_core::text::count(chars, "character", "characters");
    let edit = "to change it, edit the file in your spreadsheet program.";
    if chars > PART_CHARS {
        return format!("{size}. Shown in parts of {}; {edit}", ferry_core::text::count(PART_CHARS, "character", "characters"));
    }
    match ferry_core::text::line_count(text) {
        1 => format!("{size}; {edit}"),
        n => format!("{size} on {n} lines; {edit}"),
    }
}

/// The dialog over the page while `shown` names a cell (sheet index, column).
#[component]
pub fn LongCell(
    /// The cell shown, if any; the dialog sets it to `None` when closed.
    shown: RwSignal<Option<(usize, usize)>>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let part = RwSignal::new(0usize);
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if shown.get().is_some() {
            part.set(0);
            if let Some(button) = close_button.get() {
                let _ = button.focus();
            }
        }
    });
    let close = move || shown.set(None);
    move || {
        let (index, column) = shown.get()?;
        let (title, chars, note) = state.sheet.with(|s| {
            let s = s.as_ref()?;
            let text = s.cell(index, column);
            let header = s.headers.get(column).cloned().unwrap_or_default();
            Some((format!("Row {}, column {} ({header})", s.number(index), ferry_core::text::column_letter(column)), text.chars().count(), size_note(text)))
        })?;
        let text = move || state.sheet.with(|s| s.as_ref().map(|s| part_of(s.cell(index, column), part.get()).0.to_string()).unwrap_or_default());
        let parts = chars.div_ceil(PART_CHARS).max(1);
        Some(view! {
            <div class="dialog-backdrop">
                <div
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="long-cell-title"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            close();
                        }
                    }
                >
                    <h3 id="long-cell-title">{title}</h3>
                    <p class="hint" id="long-cell-size">
                        {note}
                    </p>
                    <pre class="long-cell-text" id="long-cell-text" role="region" tabindex="0" aria-label="The cell's text">{text}</pre>
                    <div class="actions">
                        <button type="button" id="long-cell-previous" disabled=move || part.get() == 0 on:click=move |_| part.update(|p| *p = p.saturating_sub(1))>"Previous part"</button>
                        <span class="hint" aria-live="polite">{move || format!("Part {} of {}", ferry_core::text::thousands(part.get() + 1), ferry_core::text::thousands(parts))}</span>
                        <button type="button" id="long-cell-next" disabled=move || { part.get() + 1 >= parts } on:click=move |_| part.update(|p| *p += 1)>"Next part"</button>
                        <span class="spacer"></span>
                        <button type="button" class="primary" id="long-cell-close" node_ref=close_button on:click=move |_| close()>"Close"</button>
                    </div>
                </div>
            </div>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_dialog_says_size_lines_and_parts() {
        let edit = "to change it, edit the file in your spreadsheet program.";
        assert_eq!(size_note("Bērziņa\nline two"), format!("16 characters on 2 lines; {edit}"));
        assert_eq!(size_note(&"x".repeat(5_000)), format!("5,000 characters; {edit}"));
        assert_eq!(size_note(&"x".repeat(PART_CHARS + 1)), format!("10,001 characters. Shown in parts of 10,000 characters; {edit}"));
    }

    #[wasm_bindgen_test]
    fn parts_cover_the_text_on_character_boundaries() {
        let text: String = "ā".repeat(PART_CHARS) + &"b".repeat(PART_CHARS) + "c";
        assert_eq!(part_of(&text, 0), ("ā".repeat(PART_CHARS).as_str(), 3));
        assert_eq!(part_of(&text, 1).0, "b".repeat(PART_CHARS));
        assert_eq!(part_of(&text, 2).0, "c");
        assert_eq!(part_of(&text, 9).0, "c", "past the end: the last part");
        assert_eq!(part_of("", 0), ("", 1));
    }
}
