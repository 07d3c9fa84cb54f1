//! JSON files: an array of objects, one per row; keys become columns in first-seen order.

use serde_json::Value;

use super::{tidy_headers, ReadError, Row, Sheet};

/// A JSON table may always have this many cells (items × keys)...
const MIN_CELLS: usize = 1_000_000;
/// ...or this many per byte of the file, whichever is more (a cell costs at least its
/// `"key":` once per item or a few bytes of value in a real table).
const CELLS_PER_BYTE: usize = 4;

/// Reads `[{...}, {...}]` (or `{"data": [...]}` / `{"records": [...]}`) into a sheet.
/// Nested values are kept as JSON text; `null` is an empty cell.
pub fn read_json(bytes: &[u8]) -> Result<Sheet, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|e| ReadError::Json { line: e.line(), column: e.column(), detail: e.to_string() })?;
    let items = match &value {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("data").or_else(|| o.get("records")).or_else(|| o.get("rows")) {
            Some(Value::Array(a)) => a,
            _ => return Err(ReadError::Json { line: 1, column: 1, detail: "the top level is an object, not an array".into() }),
        },
        _ => return Err(ReadError::Json { line: 1, column: 1, detail: "the top level is not an array".into() }),
    };
    // Keys in first-seen order, found through an index (linear in the file), and the
    // table they make bounded by the file's size: each item's missing keys become empty
    // cells, so items that each bring keys of their own would make a table of items ×
    // keys cells out of a small file (20,000 items with a key apiece: 400 million cells
    // from 250 KB). Such a file is not a table, and is refused where it stops being one.
    let budget = MIN_CELLS.max(bytes.len().saturating_mul(CELLS_PER_BYTE));
    let mut keys: Vec<String> = Vec::new();
    let mut index: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else {
            return Err(ReadError::Json { line: 1, column: 1, detail: format!("item {} of the array is not an object", i + 1) });
        };
        for k in o.keys() {
            if index.insert(k.as_str()) {
                keys.push(k.clone());
                if keys.len().saturating_mul(items.len()) > budget {
                    return Err(ReadError::Json {
                        line: 1,
                        column: 1,
                        detail: format!(
                            "item {} brings key \"{}\", the {}th different key among {} items: the items do not share their keys, so they are not a table (Ferry reads an array of objects with the same keys, one per row)",
                            i + 1,
                            k.chars().take(40).collect::<String>(),
                            keys.len(),
                            items.len()
                        ),
                    });
                }
            }
        }
    }
    if keys.is_empty() {
        return Err(ReadError::Empty);
    }
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Value::Object(o) = item else { continue };
        let cells: Vec<String> = keys.iter().map(|k| o.get(k).map(text).unwrap_or_default()).collect();
        if cells.iter().any(|c| !c.is_empty()) {
            rows.push(Row { number: i + 2, cells });
        }
    }
    Ok(Sheet::from_rows(tidy_headers(keys), rows))
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_of_objects_become_rows() {
        let sheet = read_json(br#"[{"email":"a@b.lv","age":34,"ok":true},{"email":"c@d.lv","phone":"+371 2","tags":["x"]}]"#).unwrap();
        assert_eq!(sheet.headers, ["email", "age", "ok", "phone", "tags"]);
        assert_eq!(sheet.row(1), ["c@d.lv", "", "", "+371 2", "[\"x\"]"]);
        assert_eq!(read_json(br#"{"data":[{"a":1}]}"#).unwrap().row(0), ["1"]);
    }

    #[test]
    fn many_keys_are_read_in_linear_time_and_a_key_per_item_is_refused() {
        // 100,000 keys in one object: one row, read through the index.
        let one: String = format!("[{{{}}}]", (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(","));
        let sheet = read_json(one.as_bytes()).unwrap();
        assert_eq!((sheet.headers.len(), sheet.len()), (100_000, 1));
        assert_eq!(sheet.headers[99_999], "k99999");
        // 20,000 items with a key each: not a table.
        let each: String = format!("[{}]", (0..20_000).map(|i| format!("{{\"k{i}\":1}}")).collect::<Vec<_>>().join(","));
        let err = read_json(each.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("not a table") && err.contains("among 20000 items"), "{err}");
        // A real table with sparse keys is read.
        let sparse: String = format!(
            "[{}]",
            (0..20_000).map(|i| if i % 2 == 0 { "{\"a\":1,\"b\":2}".to_string() } else { "{\"a\":1,\"c\":3}".into() }).collect::<Vec<_>>().join(",")
        );
        assert_eq!(read_json(sparse.as_bytes()).unwrap().headers, ["a", "b", "c"]);
    }

    #[test]
    fn broken_json_names_line_and_column() {
        let err = read_json(b"[\n{\"a\": 1,}\n]").unwrap_err();
        assert!(matches!(err, ReadError::Json { line: 2, .. }), "{err:?}");
        assert!(err.to_string().starts_with("Line 2, column"));
        assert!(read_json(b"[1,2]").unwrap_err().to_string().contains("item 1 of the array is not an object"));
    }
}
